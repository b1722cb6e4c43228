// GET /metrics on every process, in Prometheus text: requests by route
// template, the gateway's operations and subgraph fetches, orders, refusals,
// the outbox, the database pool and Node's own figures; open without API
// keys, for the admin role with them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GIZMO, seed, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { graphql, httpClient } from '@supply/test-support/http';
import { type System, startSystem } from '@supply/test-support/system';
import { DASHBOARD } from './operations.ts';

let system: System;
let gatewayUrl: string;

/** The sample lines of one metric, e.g. `orders_total{outcome="placed",...} 1`. */
async function samples(baseURL: string, metric: string, headers: Record<string, string> = {}) {
  const res = await httpClient(baseURL, headers).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return String(res.data)
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `));
}

beforeAll(async () => {
  system = await startSystem({ seed, gateway: true });
  gatewayUrl = system.gateway!.url;
  const crm = httpClient(system.crm.url);
  const order = { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 1 }] };
  expect((await crm.post('/orders', order)).status).toBe(201);
  const tooMany = { customerId: WITH_ADDRESS, items: [{ productId: WIDGET, quantity: 1_000 }] };
  expect((await crm.post('/orders', tooMany)).status).toBe(409);
  await graphql(gatewayUrl, DASHBOARD, { first: 5 });
});

afterAll(async () => {
  await system?.stop();
});

describe('GET /metrics', () => {
  it('times requests by route template, method and status', async () => {
    await httpClient(system.crm.url).get(`/customers/${WITH_ADDRESS}`);
    const lines = await samples(system.crm.url, 'http_request_duration_seconds_count');
    expect(lines).toContainEqual(
      expect.stringMatching(/^\S+\{method="GET",route="\/customers\/:id",status_code="200"\} [1-9]/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/route="\/orders",status_code="201"/));
    expect(lines.join('\n')).not.toMatch(/route="\/customers\/1"/);
  });

  it("counts the gateway's operations by name and outcome, and its fetches by subgraph", async () => {
    expect(await samples(gatewayUrl, 'graphql_operations_total')).toContainEqual(
      expect.stringMatching(/^\S+\{operation="Dashboard",outcome="success"\} [1-9]/),
    );
    const fetches = (await samples(gatewayUrl, 'graphql_subgraph_fetch_duration_seconds_count')).join('\n');
    for (const subgraph of ['orders', 'crm', 'inventory', 'logistics'])
      expect(fetches).toMatch(new RegExp(`subgraph="${subgraph}",outcome="success"\\} [1-9]`));
  });

  it('counts orders placed, confirmed and failed by step and reason, and refused reservations', async () => {
    const orders = (await samples(system.orders.url, 'orders_total')).join('\n');
    expect(orders).toMatch(/outcome="placed",step="",reason=""\} 2/);
    expect(orders).toMatch(/outcome="confirmed",step="",reason=""\} 1/);
    expect(orders).toMatch(/outcome="failed",step="reserve",reason="INSUFFICIENT_STOCK"\} 1/);
    expect(await samples(system.inventory.url, 'reservations_refused_total')).toContainEqual(
      expect.stringMatching(/reason="INSUFFICIENT_STOCK"\} 1/),
    );
  });

  it("reports the outbox's backlog, the database pool, sweeps and Node's runtime", async () => {
    expect(await samples(system.logistics.url, 'outbox_backlog')).toContainEqual(
      expect.stringMatching(/^outbox_backlog\{outbox="shipment_reports"\} \d+$/),
    );
    expect(await samples(system.logistics.url, 'outbox_oldest_age_seconds')).toContainEqual(
      expect.stringMatching(/^outbox_oldest_age_seconds\{outbox="shipment_reports"\} [0-9.e+-]+$/),
    );
    // crm-api's webhook outbox, beside it.
    expect(await samples(system.crm.url, 'outbox_backlog')).toContainEqual(
      expect.stringMatching(/^outbox_backlog\{outbox="webhooks"\} \d+$/),
    );
    expect(await samples(system.crm.url, 'outbox_oldest_age_seconds')).toContainEqual(
      expect.stringMatching(/^outbox_oldest_age_seconds\{outbox="webhooks"\} [0-9.e+-]+$/),
    );
    const pool = (await samples(system.orders.url, 'db_pool_connections')).join('\n');
    for (const state of ['in_use', 'idle', 'waiting']) expect(pool).toContain(`state="${state}"`);
    expect(await samples(system.orders.url, 'order_recovery_sweeps_total')).toContainEqual(
      expect.stringMatching(/outcome="done"\} [1-9]/),
    );
    expect(await samples(gatewayUrl, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });
});

describe('GET /metrics with API keys', () => {
  let keyed: System;
  beforeAll(async () => {
    keyed = await startSystem({ seed, env: { API_KEYS: 'r:reader,a:admin', SERVICE_API_KEY: 's' } });
  });
  afterAll(async () => {
    await keyed?.stop();
  });

  it('answers the admin role only', async () => {
    const get = (headers: Record<string, string>) => httpClient(keyed.crm.url, headers).get('/metrics');
    expect((await get({})).status).toBe(401);
    expect((await get({ Authorization: 'Bearer r' })).status).toBe(403);
    expect((await get({ Authorization: 'Bearer a' })).status).toBe(200);
  });
});
