import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql, httpClient } from '@supply/test-support/http';
import { type System, startSystem } from '@supply/test-support/system';
import { composeSupergraph, SUPERGRAPH_FILE } from '../../scripts/supergraph.ts';

let system: System;
let gateway: StartedGateway;

beforeAll(async () => {
  system = await startSystem({
    gateway: true,
    seed: (db) =>
      db.query(`INSERT INTO customers (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com')`),
  });
  gateway = system.gateway!;
});

afterAll(async () => {
  await system?.stop();
});

describe('the supergraph', () => {
  it('is up to date with the subgraph schemas (npm run compose-supergraph rewrites it)', async () => {
    expect(await readFile(SUPERGRAPH_FILE, 'utf8')).toBe(await composeSupergraph());
  });
});

describe('the gateway', () => {
  it('answers a customer from crm-api', async () => {
    const { status, body } = await graphql(gateway.url, '{ customer(id: 1) { id name email } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { customer: { id: '1', name: 'Ada Lovelace', email: 'ada@example.com' } } });
  });

  it('passes the subgraph error code through', async () => {
    const { body } = await graphql(gateway.url, '{ customer(id: "abc") { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('serves the Apollo Sandbox landing page at / to a browser', async () => {
    const res = await httpClient(gateway.url, { accept: 'text/html' }).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.data).toContain('embeddable-sandbox');
  });

  it('is ready while every subgraph answers', async () => {
    const res = await httpClient(gateway.url).get('/readyz');
    expect(res.status).toBe(200);
    expect(Object.values(res.data.checks)).toEqual(Array(Object.keys(res.data.checks).length).fill('ok'));
    expect(Object.keys(res.data.checks)).toEqual(
      expect.arrayContaining(['subgraph crm', 'subgraph inventory', 'subgraph orders']),
    );
  });

  it('is not ready while a subgraph is down, and names it', async () => {
    const lonely = await startGateway({ INVENTORY_SERVICE_URL: system.inventory.url });
    try {
      const res = await httpClient(lonely.url).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.data.reason).toContain('subgraph crm');
    } finally {
      await lonely.close();
    }
  });
});
