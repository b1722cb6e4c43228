// Who may do what, end to end: the kit's API keys and roles in front of the
// real services and the gateway, and the service key on the calls between them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, GIZMO, seed, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { graphql, httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { startService } from '@supply/test-support/services';
import { type System, startSystem } from '@supply/test-support/system';
import { buildApp as buildOrders } from '../../../subgraphs/order-service/src/app.ts';

const KEYS = { reader: 'key-reader-1', writer: 'key-writer-1', admin: 'key-admin-1' };
const SERVICE_KEY = 'key-service-1';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let system: System;

beforeAll(async () => {
  system = await startSystem({
    seed,
    gateway: true,
    env: {
      API_KEYS: `${KEYS.reader}:reader,${KEYS.writer}:writer,${KEYS.admin}:admin`,
      SERVICE_API_KEY: SERVICE_KEY,
    },
  });
});

afterAll(async () => {
  await system?.stop();
});

describe('REST', () => {
  it('answers 401 without a key or with an unknown one, and leaves the health checks open', async () => {
    expect((await httpClient(system.crm.url).get('/customers/1')).status).toBe(401);
    const unknown = await httpClient(system.crm.url, bearer('nope')).get('/customers/1');
    expect(unknown.status).toBe(401);
    expect(unknown.data).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await httpClient(system.crm.url).get('/healthz')).status).toBe(200);
    expect((await httpClient(system.crm.url).get('/readyz')).status).toBe(200);
  });

  it('lets a reader read and answers 403 when it writes', async () => {
    const reader = httpClient(system.crm.url, bearer(KEYS.reader));
    expect((await reader.get('/customers/1')).status).toBe(200);
    const write = await reader.post('/customers', { name: 'Nope', email: 'nope@example.com' });
    expect(write.status).toBe(403);
    expect(write.data).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lets a writer place and cancel orders through the services, which call each other with their own key', async () => {
    const writer = httpClient(system.crm.url, bearer(KEYS.writer));
    const placed = await writer.post('/orders', { customerId: WITH_ADDRESS, productId: GIZMO, quantity: 1 });
    expect(placed.status).toBe(201);
    const cancelled = await httpClient(system.orders.url, bearer(KEYS.writer)).post(
      `/supply-orders/${placed.data.id}/cancel`,
    );
    expect(cancelled.data.status).toBe('cancelled');
  });

  it('keeps the internal routes to admins: reservations and shipment reports', async () => {
    const body = { orderId: 1, items: [{ productId: GADGET, quantity: 1 }] };
    const inventoryAs = (key: string) => httpClient(system.inventory.url, bearer(key));
    expect((await inventoryAs(KEYS.writer).post('/inventory/reservations', body)).status).toBe(403);
    expect((await inventoryAs(KEYS.writer).delete('/inventory/reservations/1')).status).toBe(403);
    expect((await inventoryAs(KEYS.admin).delete('/inventory/reservations/1')).status).toBe(204);
    const report = { shipmentId: 1, status: 'in_transit' };
    const reportAs = (key: string) =>
      httpClient(system.orders.url, bearer(key)).post('/supply-orders/999999/shipment-events', report);
    expect((await reportAs(KEYS.writer)).status).toBe(403);
    expect((await reportAs(KEYS.admin)).status).toBe(404);
  });

  it("delivers logistics' shipment reports to order-service with the service key", async () => {
    const placed = await httpClient(system.orders.url, bearer(KEYS.writer)).post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    const moved = await httpClient(system.logistics.url, bearer(KEYS.writer)).patch(
      `/shipments/${placed.data.shipment.id}`,
      {
        status: 'in_transit',
      },
    );
    expect(moved.status).toBe(200);
    const orders = httpClient(system.orders.url, bearer(KEYS.reader));
    await waitFor(
      async () => (await orders.get(`/supply-orders/${placed.data.id}`)).data.status === 'shipped',
      'the report',
    );
  });
});

describe('a neighbour refusing the service key', () => {
  it('answers the caller 503, and keeps no answer for its Idempotency-Key', async () => {
    const misconfigured = await startService({
      name: 'order-service',
      databaseUrl: system.db.url,
      build: (deps) => buildOrders(deps),
      env: {
        API_KEYS: `${KEYS.writer}:writer`,
        SERVICE_API_KEY: 'key-not-known-to-the-neighbours',
        INVENTORY_SERVICE_URL: system.inventory.url,
        LOGISTICS_SERVICE_URL: system.logistics.url,
      },
    });
    try {
      const key = 'refused-by-neighbour-1';
      const placed = await httpClient(misconfigured.url, {
        ...bearer(KEYS.writer),
        'idempotency-key': key,
      }).post('/supply-orders', { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 1 }] });
      expect({ status: placed.status, code: placed.data.code }).toEqual({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
      const kept = await system.db.query(
        "SELECT 1 FROM idempotency_keys WHERE key = $1 AND state = 'completed'",
        [key],
      );
      expect(kept.rowCount).toBe(0);
    } finally {
      await misconfigured.close();
    }
  });
});

describe('GraphQL through the gateway', () => {
  const gql = (query: string, key?: string) =>
    graphql(system.gateway!.url, query, {}, key ? bearer(key) : {});

  it('serves the Sandbox page to a browser without a key, but no operation', async () => {
    const page = await httpClient(system.gateway!.url, { accept: 'text/html' }).get('/');
    expect(page.status).toBe(200);
    expect(page.data).toContain('embeddable-sandbox');
    // A browser's GET gets the page, never an answer, whatever its query string.
    const sneaky = await httpClient(system.gateway!.url, {
      accept: 'text/html',
      'apollo-require-preflight': '1',
    }).get('/graphql?query=%7B__typename%7D');
    expect(sneaky.headers['content-type']).toMatch(/^text\/html/);
    expect(String(sneaky.data)).not.toContain('__typename');
    // Express's query parser stops at 1,000 keys; Apollo's does not, so neither may the exemption.
    const padded = `/graphql?${'k=1&'.repeat(1_000)}query=%7B__typename%7D`;
    for (const accept of ['application/json', 'text/html;q=0.5, application/json']) {
      const operation = await httpClient(system.gateway!.url, {
        accept,
        'apollo-require-preflight': '1',
      }).get(padded);
      expect({ accept, status: operation.status }).toEqual({ accept, status: 401 });
    }
  });

  it('answers 401 with UNAUTHENTICATED without a key', async () => {
    const { status, body } = await gql('{ customer(id: 1) { id } }');
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('lets a reader query across subgraphs, with its key forwarded to each', async () => {
    const { body } = await gql(
      '{ customer(id: 1) { name orders(first: 1) { edges { node { id } } } } product(id: 2) { sku } }',
      KEYS.reader,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.customer.name).toBe('Ada Lovelace');
    expect(body.data.product.sku).toBe('GAD-2');
  });

  it('answers FORBIDDEN when a reader mutates, and lets a writer', async () => {
    const mutation =
      'mutation { adjustStock(productId: 3, delta: 5, reason: "found in aisle 4") { inventory { quantityOnHand } } }';
    const refused = await gql(mutation, KEYS.reader);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const allowed = await gql(mutation, KEYS.writer);
    expect(allowed.body.errors).toBeUndefined();
  });
});

describe('production mode', () => {
  const ROOT = path.resolve(import.meta.dirname, '../../..');
  const start = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=development', 'subgraphs/crm-api/src/main.ts'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0', ...env },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );

  it('refuses to start without API_KEYS or with a default database password, and says why', () => {
    const withoutKeys = start({ DATABASE_URL: 'postgresql://app:s3cret-pw@127.0.0.1:9/crm_supply_db' });
    expect(withoutKeys.status).not.toBe(0);
    expect(withoutKeys.stderr).toMatch(/API_KEYS: must be set in production/);
    const defaultPassword = start({ API_KEYS: 'k:admin', DB_PASSWORD: 'postgres' });
    expect(defaultPassword.status).not.toBe(0);
    expect(defaultPassword.stderr).toMatch(/database password is a default/);
  });
});
