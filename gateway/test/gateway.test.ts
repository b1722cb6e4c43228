import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql, httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { composeSupergraph, SUPERGRAPH_FILE } from '../../scripts/supergraph.ts';
import { buildApp as buildCrm } from '../../subgraphs/crm-api/src/app.ts';

let db: TestDatabase;
let crm: StartedService;
let gateway: StartedGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(`INSERT INTO customers (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com')`);
  crm = await startService({ name: 'crm-api', databaseUrl: db.url, build: buildCrm });
  gateway = await startGateway({ CRM_API_URL: crm.url });
});

afterAll(async () => {
  await gateway?.close();
  await crm?.close();
  await db?.drop();
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
    expect(res.data.checks).toEqual({ 'subgraph crm': 'ok' });
  });

  it('is not ready while a subgraph is down, and names it', async () => {
    const lonely = await startGateway({ CRM_API_URL: 'http://127.0.0.1:9' });
    try {
      const res = await httpClient(lonely.url).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.data.reason).toContain('subgraph crm');
    } finally {
      await lonely.close();
    }
  });
});
