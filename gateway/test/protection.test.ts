// Protection at the door: operations beyond the limits are refused with a
// 400 naming the limit before any subgraph is called, and a subgraph that is
// stopped or hung costs only its own fields, in bounded time.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, seed, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql, httpClient } from '@supply/test-support/http';
import { freePort, type HungServer, startHungServer } from '@supply/test-support/network';
import { type System, startSystem } from '@supply/test-support/system';
import { LIMITS } from '../src/limits.ts';
import { counters, resetCounters, subgraphEnv } from './harness.ts';
import { aliasedIds, DASHBOARD, dashboardWithPage, nestedOrders, PLACE_ORDER } from './operations.ts';

let system: System;
let gateway: StartedGateway;

beforeAll(async () => {
  system = await startSystem({ seed });
  gateway = await startGateway(subgraphEnv(system));
  const placed = await graphql(gateway.url, PLACE_ORDER, {
    input: { customerId: WITH_ADDRESS, items: [{ productId: GADGET, quantity: 2 }] },
  });
  expect(placed.body.errors).toBeUndefined();
});

afterAll(async () => {
  await gateway?.close();
  await system?.stop();
});

/** Sends the operation and expects a 400 naming the limit, with no subgraph called. */
async function expectRefused(query: string, code: string, message: RegExp, variables = {}) {
  resetCounters(system);
  const { status, body } = await graphql(gateway.url, query, variables);
  expect({ status, errors: body.errors, data: body.data }).toEqual({
    status: 400,
    errors: [expect.objectContaining({ message: expect.stringMatching(message), extensions: { code } })],
    data: undefined,
  });
  expect(counters(system).fetches).toEqual({ crm: 0, inventory: 0, logistics: 0, orders: 0 });
}

describe('the limits', () => {
  it(`refuses a nesting 30 deep (limit ${LIMITS.depth}) before any subgraph is called`, async () => {
    await expectRefused(
      nestedOrders(7),
      'GRAPHQL_VALIDATION_FAILED',
      /^Query depth limit of 10 exceeded, found 30\.$/,
    );
  });

  it(`refuses 500 aliases (limit ${LIMITS.aliases})`, async () => {
    await expectRefused(
      aliasedIds(500),
      'GRAPHQL_VALIDATION_FAILED',
      /^Aliases limit of 15 exceeded, found 500\.$/,
    );
  });

  it(`refuses a 200 KB document (limit ${LIMITS.documentLength} characters)`, async () => {
    const padding = `# ${'x'.repeat(1_000)}\n`.repeat(200);
    await expectRefused(
      `${padding}{ customer(id: 1) { id } }`,
      'GRAPHQL_PARSE_FAILED',
      /Source contains more than 32768 UTF-16 code units/,
    );
  });

  it(`refuses more than ${LIMITS.tokens} tokens in a short document`, async () => {
    await expectRefused(
      `{ customer(id: 1) { ${'id '.repeat(2_100)} } }`,
      'GRAPHQL_PARSE_FAILED',
      /more that 2000 tokens/,
    );
  });

  it(`refuses more than ${LIMITS.directives} directives`, async () => {
    await expectRefused(
      `{ customer(id: 1) { ${'id @include(if: true) '.repeat(21)} } }`,
      'GRAPHQL_VALIDATION_FAILED',
      /^Directives limit of 20 exceeded, found 21\.$/,
    );
  });

  it(`refuses a page of pages costlier than ${LIMITS.cost}, whether page sizes are literals or variables`, async () => {
    const pages = (first: string) =>
      `customers(first: ${first}) { edges { node { orders(first: ${first}) { edges { node { id items { product { inventory { quantityAvailable } } } } } } } } }`;
    await expectRefused(
      `{ ${pages('50')} }`,
      'GRAPHQL_VALIDATION_FAILED',
      /^Query Cost limit of 40000 exceeded/,
    );
    await expectRefused(
      `query ($n: Int) { ${pages('$n')} }`,
      'GRAPHQL_VALIDATION_FAILED',
      /^Query Cost limit of 40000 exceeded/,
      { n: 50 },
    );
  });

  it('judges one operation afresh at each page size, however often it was let through at another', async () => {
    const query = `query ($n: Int) { customers(first: $n) { edges { node { orders(first: $n) { edges { node { id items { product { inventory { quantityAvailable } } } } } } } } } }`;
    for (let i = 0; i < 3; i++) {
      const { status, body } = await graphql(gateway.url, query, { n: 2 });
      expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
    }
    await expectRefused(query, 'GRAPHQL_VALIDATION_FAILED', /^Query Cost limit of 40000 exceeded/, { n: 50 });
    const { status } = await graphql(gateway.url, query, { n: 2 });
    expect(status).toBe(200);
  });

  it('counts a page left to its default (20) at that size', async () => {
    await expectRefused(
      `{ customers { edges { node { orders { edges { node { id status items { quantity product { sku inventory { quantityAvailable } } } shipment { id status } } } } } } } }`,
      'GRAPHQL_VALIDATION_FAILED',
      /^Query Cost limit of 40000 exceeded, found \d+/,
    );
  });

  it('lets the dashboard through at the largest page a subgraph serves (100), literal or variable', async () => {
    for (const [query, variables] of [
      [DASHBOARD, { first: 100 }],
      [dashboardWithPage(100), {}],
    ] as const) {
      const { status, body } = await graphql(gateway.url, query, variables);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.orders.edges).toHaveLength(1);
    }
  });

  it('refuses introspection nested deeper than graphql-js allows, though depth and cost do not count it', async () => {
    await expectRefused(
      '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      'GRAPHQL_VALIDATION_FAILED',
      /Maximum introspection depth exceeded/,
    );
  });

  it('refuses a batch of operations in one request', async () => {
    resetCounters(system);
    const res = await httpClient(gateway.url).post('/graphql', [
      { query: '{ customer(id: 1) { id } }' },
      { query: '{ customer(id: 2) { id } }' },
    ]);
    expect(res.status).toBe(400);
    expect(res.data.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(counters(system).totalFetches).toBe(0);
  });
});

describe('a failing subgraph', () => {
  let hung: HungServer;
  beforeAll(async () => {
    hung = await startHungServer();
  });
  afterAll(async () => {
    await hung?.close();
  });

  /** A gateway like the main one but with `subgraph` at `url`, each fetch bounded to 500 ms. */
  async function withSubgraphAt(
    variable: string,
    url: string,
    run: (gateway: StartedGateway) => Promise<void>,
  ) {
    const broken = await startGateway({
      ...subgraphEnv(system),
      [variable]: url,
      SUBGRAPH_TIMEOUT_MS: '500',
    });
    try {
      await run(broken);
    } finally {
      await broken.close();
    }
  }

  it('hung (accepts, never answers): the dashboard comes back without shipments within the bound', async () => {
    await withSubgraphAt('LOGISTICS_SERVICE_URL', hung.url, async (broken) => {
      const started = Date.now();
      const { status, body } = await graphql(broken.url, DASHBOARD, { first: 5 });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(status).toBe(200);
      expect(body.data.orders.edges[0].node).toMatchObject({
        status: 'CONFIRMED',
        customer: { name: 'Ada Lovelace' },
        items: [{ quantity: 2, product: { sku: 'GAD-2', inventory: { quantityReserved: 2 } } }],
        shipment: null,
      });
      expect(body.errors).toEqual([
        {
          message:
            'The logistics subgraph did not answer within 500 ms; its fields are missing from this answer',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        },
      ]);
      expect(hung.connections).toBeGreaterThan(0);
    });
  });

  it('frozen: lists from the other subgraphs still come, its own list is null with SERVICE_UNAVAILABLE', async () => {
    await withSubgraphAt('LOGISTICS_SERVICE_URL', hung.url, async (broken) => {
      const { status, body } = await graphql(
        broken.url,
        '{ shipments(first: 1) { edges { node { id } } } customers(first: 1) { edges { node { name } } } }',
      );
      expect(status).toBe(200);
      expect(body.data).toEqual({
        shipments: null,
        customers: { edges: [{ node: { name: 'Ada Lovelace' } }] },
      });
      expect(body.errors).toEqual([
        {
          message:
            'The logistics subgraph did not answer within 500 ms; its fields are missing from this answer',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        },
      ]);
    });
  });

  it('stopped (its port closed): the other subgraphs answer, its field is null with SERVICE_UNAVAILABLE', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await withSubgraphAt('CRM_API_URL', closed, async (broken) => {
      const { status, body } = await graphql(
        broken.url,
        '{ customer(id: 1) { name } product(id: 1) { sku } }',
      );
      expect(status).toBe(200);
      expect(body.data).toEqual({ customer: null, product: { sku: 'WID-1' } });
      expect(body.errors).toEqual([
        {
          message: 'The crm subgraph refused the connection; its fields are missing from this answer',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        },
      ]);
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED/);
      // The gateway itself stays up and keeps answering what it can.
      const again = await graphql(broken.url, '{ product(id: 2) { sku } }');
      expect(again.body).toEqual({ data: { product: { sku: 'GAD-2' } } });
      expect((await httpClient(broken.url).get('/healthz')).status).toBe(200);
      const ready = await httpClient(broken.url).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.data.reason).toContain('subgraph crm');
    });
  });

  it.each([
    [502, 'text/html', '<h1>Bad Gateway</h1>', 'answered HTTP 502'],
    [200, 'text/plain', 'hello', 'did not answer with GraphQL'],
  ])('answering %i %s: SERVICE_UNAVAILABLE saying so', async (status, type, text, why) => {
    const impostor = createServer((_req, res) => res.writeHead(status, { 'content-type': type }).end(text));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const { port } = impostor.address() as AddressInfo;
    try {
      await withSubgraphAt('INVENTORY_SERVICE_URL', `http://127.0.0.1:${port}`, async (broken) => {
        const { body } = await graphql(broken.url, '{ customer(id: 1) { name } product(id: 1) { sku } }');
        expect(body).toEqual({
          data: { customer: { name: 'Ada Lovelace' }, product: null },
          errors: [
            {
              message: `The inventory subgraph ${why}; its fields are missing from this answer`,
              extensions: { code: 'SERVICE_UNAVAILABLE' },
            },
          ],
        });
      });
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  it('logs the cause (with the address) for operators, once per failed fetch', async () => {
    await withSubgraphAt('INVENTORY_SERVICE_URL', hung.url, async (broken) => {
      const { body } = await graphql(broken.url, '{ customer(id: 1) { name } product(id: 1) { sku } }');
      expect(body.data).toEqual({ customer: { name: 'Ada Lovelace' }, product: null });
      expect(body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      const failures = broken.logs.filter((line) => line.subgraph === 'inventory' && line.level === 'error');
      expect(failures).toHaveLength(1);
    });
  });
});
