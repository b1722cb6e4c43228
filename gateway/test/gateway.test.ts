import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql, httpClient } from '@supply/test-support/http';
import { startService } from '@supply/test-support/services';
import { type System, startSystem } from '@supply/test-support/system';
import { composeSupergraph, SUPERGRAPH_FILE } from '../../scripts/supergraph.ts';
import { buildApp as buildOrders } from '../../subgraphs/order-service/src/app.ts';
import { counters, resetCounters, subgraphEnv } from './harness.ts';
import { SANDBOX_INTROSPECTION } from './operations.ts';

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
      expect(res.data.reason).toContain('subgraph crm: refusing connections');
      // The state of the dependency, never where it lives.
      expect(JSON.stringify(res.data)).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED|:9\b/);
    } finally {
      await lonely.close();
    }
  });
});

describe('Apollo Sandbox outside production', () => {
  it.each(['/', '/graphql'])('serves the landing page at %s to a browser', async (path) => {
    const res = await httpClient(gateway.url, { accept: 'text/html' }).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.data).toContain('embeddable-sandbox');
  });

  it("answers the introspection query Sandbox sends (as JSON, like Sandbox's own requests)", async () => {
    const { status, body } = await graphql(gateway.url, SANDBOX_INTROSPECTION);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.__schema.queryType).toEqual({ name: 'Query' });
    expect(body.data.__schema.types.map((type: { name: string }) => type.name)).toContain('StockLevel');
  });
});

describe('CSRF prevention', () => {
  it('refuses a simple POST (text/plain) that a browser would send cross-site without a preflight', async () => {
    resetCounters(system);
    const res = await httpClient(gateway.url).post(
      '/graphql',
      JSON.stringify({ query: '{ customer(id: 1) { id } }' }),
      {
        headers: { 'content-type': 'text/plain' },
      },
    );
    expect(res.status).toBe(400);
    expect(res.data.errors[0]).toMatchObject({
      message: expect.stringContaining('Cross-Site Request Forgery'),
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(counters(system).totalFetches).toBe(0);
  });

  it('refuses a GET query without a preflight header, and answers one with it', async () => {
    const query = `/graphql?query=${encodeURIComponent('{ customer(id: 1) { name } }')}`;
    const plain = await httpClient(gateway.url).get(query);
    expect(plain.status).toBe(400);
    expect(plain.data.errors[0].extensions.code).toBe('BAD_REQUEST');
    const preflighted = await httpClient(gateway.url, { 'apollo-require-preflight': 'true' }).get(query);
    expect(preflighted.data).toEqual({ data: { customer: { name: 'Ada Lovelace' } } });
  });
});

describe('in production', () => {
  const production = {
    NODE_ENV: 'production',
    API_KEYS: `${'r'.repeat(32)}:reader`,
    SERVICE_API_KEY: 's'.repeat(32),
    DB_PASSWORD: 'a-real-secret',
  };
  const reader = { authorization: `Bearer ${'r'.repeat(32)}` };
  let closed: StartedGateway;
  let opened: StartedGateway;

  beforeAll(async () => {
    closed = await startGateway({ ...subgraphEnv(system), ...production });
    opened = await startGateway({ ...subgraphEnv(system), ...production, GRAPHQL_SANDBOX: 'true' });
  });
  afterAll(async () => {
    await closed?.close();
    await opened?.close();
  });

  it('serves neither the landing page nor introspection', async () => {
    const page = await httpClient(closed.url, { ...reader, accept: 'text/html' }).get('/');
    expect(page.headers['content-type']).not.toMatch(/^text\/html/);
    expect(String(page.data)).not.toContain('embeddable-sandbox');
    const { status, body } = await graphql(closed.url, SANDBOX_INTROSPECTION, {}, reader);
    expect(status).toBe(400);
    expect(body.errors[0]).toMatchObject({
      message: expect.stringContaining('introspection is not allowed'),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('does not suggest field names that introspection would hide', async () => {
    const { body } = await graphql(closed.url, '{ customer(id: 1) { nam } }', {}, reader);
    expect(body.errors[0].message).not.toContain('Did you mean');
    expect(
      (await graphql(opened.url, '{ customer(id: 1) { nam } }', {}, reader)).body.errors[0].message,
    ).toContain('Did you mean "name"');
  });

  it('still answers operations', async () => {
    expect((await graphql(closed.url, '{ customer(id: 1) { name } }', {}, reader)).body).toEqual({
      data: { customer: { name: 'Ada Lovelace' } },
    });
  });

  it('serves both with GRAPHQL_SANDBOX=true', async () => {
    const page = await httpClient(opened.url, { ...reader, accept: 'text/html' }).get('/');
    expect(page.status).toBe(200);
    expect(page.data).toContain('embeddable-sandbox');
    const { status, body } = await graphql(opened.url, SANDBOX_INTROSPECTION, {}, reader);
    expect(status).toBe(200);
    expect(body.data.__schema.mutationType).toEqual({ name: 'Mutation' });
  });
});

/** Whether this machine lets us listen on `port` (another program may hold it). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

const port6000Free = await portIsFree(6000);

describe('order-service on its production port', () => {
  // WHATWG fetch (Node's global fetch) refuses port 6000 as a "bad port"; the gateway must not.
  (port6000Free ? it : it.skip)(
    port6000Free
      ? 'is reached on port 6000'
      : 'is reached on port 6000 (skipped: port 6000 is in use on this machine)',
    async () => {
      const orders = await startService({
        name: 'order-service',
        databaseUrl: system.db.url,
        port: 6000,
        env: { INVENTORY_SERVICE_URL: system.inventory.url, LOGISTICS_SERVICE_URL: system.logistics.url },
        build: (deps) => buildOrders(deps, { pendingTimeoutMs: 60_000, intervalMs: 60_000 }),
      });
      const viaPort6000 = await startGateway({
        ...subgraphEnv(system),
        ORDER_SERVICE_URL: 'http://127.0.0.1:6000',
      });
      try {
        const { body } = await graphql(
          viaPort6000.url,
          '{ orders(first: 1) { edges { node { id } } } customer(id: 1) { orders { edges { node { id } } } } }',
        );
        expect(body).toEqual({ data: { orders: { edges: [] }, customer: { orders: { edges: [] } } } });
        expect(orders.requests.count).toBeGreaterThan(0);
        // What the gateway avoids: global fetch gives up before it connects.
        await expect(fetch('http://127.0.0.1:6000/healthz')).rejects.toThrow(/fetch failed/);
      } finally {
        await viaPort6000.close();
        await orders.close();
      }
    },
  );
});
