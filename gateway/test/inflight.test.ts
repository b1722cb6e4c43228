// Identical subgraph queries in flight share one fetch: against a real HTTP
// subgraph that holds its answers until the test lets them go, and through
// the gateway against the real system, with sharing on and off.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '@supply/service-kit/logger';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type System, startSystem } from '@supply/test-support/system';
import { SubgraphDataSource } from '../src/data-source.ts';
import { InflightQueries } from '../src/inflight.ts';
import { counters, resetCounters, subgraphEnv } from './harness.ts';
import { DASHBOARD } from './operations.ts';

/** A subgraph stand-in that counts requests and answers each only when released. */
interface HeldSubgraph {
  url: string;
  received: Array<{ body: string; authorization: string | undefined }>;
  release(status?: number): void;
  close(): Promise<void>;
}

async function startHeldSubgraph(): Promise<HeldSubgraph> {
  const received: HeldSubgraph['received'] = [];
  let held: Array<{ res: ServerResponse; body: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ body, authorization: req.headers.authorization });
      held.push({ res, body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    received,
    release(status = 200) {
      for (const { res, body } of held) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { echo: JSON.parse(body).query, n: received.length } }));
      }
      held = [];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const QUERY = JSON.stringify({ query: 'query Dashboard__orders__0{orders{id}}', variables: {} });
const OTHER_QUERY = JSON.stringify({ query: '{customer(id:1){id}}', variables: {} });
const MUTATION = JSON.stringify({ query: 'mutation Place__orders__0{placeOrder{id}}', variables: {} });

describe('InflightQueries', () => {
  let subgraph: HeldSubgraph;
  let inflight: InflightQueries;
  let fetcher: SubgraphDataSource['fetcher'];

  beforeAll(async () => {
    subgraph = await startHeldSubgraph();
  });
  afterAll(async () => {
    await subgraph.close();
  });
  afterEach(() => {
    subgraph.release();
    subgraph.received.length = 0;
  });

  function newSource() {
    inflight = new InflightQueries();
    const source = new SubgraphDataSource({
      name: 'orders',
      url: subgraph.url,
      timeoutMs: 5_000,
      logger: createLogger('gateway', 'silent'),
      inflight,
    });
    fetcher = source.fetcher;
  }

  function post(body: string, authorization?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization) headers.authorization = authorization;
    return fetcher(subgraph.url, { method: 'POST', headers, body });
  }

  async function arrived(count: number) {
    await waitFor(async () => subgraph.received.length >= count, `${count} requests at the subgraph`, 5_000);
    // And no more than that: give a stray request the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('sends identical queries in flight once, and gives each caller its own copy of the answer', async () => {
    newSource();
    const answers = Array.from({ length: 10 }, () => post(QUERY, 'Bearer a'));
    await arrived(1);
    expect(subgraph.received).toHaveLength(1);
    expect(inflight.size).toBe(1);
    subgraph.release();
    const bodies = await Promise.all((await Promise.all(answers)).map((response) => response.json()));
    expect(bodies).toHaveLength(10);
    for (const body of bodies) expect(body).toEqual({ data: { echo: JSON.parse(QUERY).query, n: 1 } });
    bodies[0].data.echo = 'changed by one caller';
    expect(bodies[1].data.echo).toBe(JSON.parse(QUERY).query);
    expect(inflight.size).toBe(0);
  });

  it('shares nothing once the answer is in: the next identical query is fetched anew', async () => {
    newSource();
    const first = post(QUERY);
    await arrived(1);
    subgraph.release();
    await (await first).json();
    const second = post(QUERY);
    await arrived(2);
    subgraph.release();
    expect(await (await second).json()).toEqual({ data: { echo: JSON.parse(QUERY).query, n: 2 } });
  });

  it('never shares between different queries or different authorizations', async () => {
    newSource();
    const answers = [
      post(QUERY, 'Bearer a'),
      post(QUERY, 'Bearer b'),
      post(OTHER_QUERY, 'Bearer a'),
      post(QUERY),
    ];
    await arrived(4);
    expect(subgraph.received.map((r) => r.authorization)).toEqual(
      expect.arrayContaining(['Bearer a', 'Bearer b', 'Bearer a', undefined]),
    );
    subgraph.release();
    await Promise.all(answers);
  });

  it('never shares a mutation, and no query joins a fetch that began before a mutation', async () => {
    newSource();
    const before = post(QUERY);
    await arrived(1);
    const mutations = [post(MUTATION), post(MUTATION)];
    await arrived(3);
    // Begun after the mutations: a fetch of its own, not the one in flight since before them.
    const after = post(QUERY);
    await arrived(4);
    expect(subgraph.received.map((r) => JSON.parse(r.body).query.split(' ')[0])).toEqual([
      'query',
      'mutation',
      'mutation',
      'query',
    ]);
    subgraph.release();
    await Promise.all([before, after, ...mutations]);
  });

  it('hands a failed answer to every caller that shared it, and forgets it', async () => {
    newSource();
    const answers = [post(QUERY), post(QUERY), post(QUERY)];
    await arrived(1);
    subgraph.release(502);
    const statuses = (await Promise.all(answers)).map((response) => response.status);
    expect(statuses).toEqual([502, 502, 502]);
    expect(inflight.size).toBe(0);
  });

  it('hands a connection failure to every caller that shared it, and forgets it', async () => {
    inflight = new InflightQueries();
    const source = new SubgraphDataSource({
      name: 'orders',
      url: 'http://127.0.0.1:9/graphql',
      timeoutMs: 5_000,
      logger: createLogger('gateway', 'silent'),
      inflight,
    });
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUERY };
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => source.fetcher('http://127.0.0.1:9/graphql', init)),
    );
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(inflight.size).toBe(0);
  });
});

describe('the gateway, with 24 identical dashboards at once', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({
      seed: (db) =>
        db.query(`
          INSERT INTO customers (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com');
          INSERT INTO products (id, sku, name, unit_price_cents, currency, weight_grams)
            VALUES (1, 'SKU-1', 'Widget', 500, 'USD', 100);
          INSERT INTO inventory (product_id) VALUES (1);
          INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand) VALUES (1, 1, 100);
          INSERT INTO orders (id, customer_id, status, total_cents, currency,
              shipping_line1, shipping_city, shipping_postal_code, shipping_country)
            SELECT o, 1, 'confirmed', 500, 'USD', '1 Dock Road', 'London', 'E16 1', 'GB'
            FROM generate_series(1, 20) o;
          INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
            SELECT o, 1, 1, 500 FROM generate_series(1, 20) o;`),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function burst(gateway: StartedGateway) {
    await graphql(gateway.url, DASHBOARD, { first: 20 });
    resetCounters(system);
    const answers = await Promise.all(
      Array.from({ length: 24 }, () => graphql(gateway.url, DASHBOARD, { first: 20 })),
    );
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body).toEqual(answers[0]?.body);
    }
    expect(answers[0]?.body.data.orders.edges).toHaveLength(20);
    return counters(system).fetches;
  }

  it('shares subgraph fetches (fewer than one per dashboard per subgraph), and the answers are all the same', async () => {
    const gateway = await startGateway(subgraphEnv(system));
    try {
      const fetches = await burst(gateway);
      for (const count of Object.values(fetches)) expect(count).toBeLessThan(24);
    } finally {
      await gateway.close();
    }
  });

  it('with SUBGRAPH_DEDUPLICATION=false, fetches every subgraph once per dashboard', async () => {
    const gateway = await startGateway({ ...subgraphEnv(system), SUBGRAPH_DEDUPLICATION: 'false' });
    try {
      expect(await burst(gateway)).toEqual({ crm: 24, inventory: 24, logistics: 24, orders: 24 });
    } finally {
      await gateway.close();
    }
  });
});
