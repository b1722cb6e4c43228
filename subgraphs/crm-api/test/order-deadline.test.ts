// crm-api hands its deadline on to order-service: the order is settled while
// crm-api still waits, whatever order-service's own timeout, so crm-api's
// answer is the order's fate.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GIZMO, seed, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { type SlowProxy, startSlowProxy } from '@supply/test-support/slow-proxy';
import { type System, startSystem } from '@supply/test-support/system';
import { buildApp } from '../src/app.ts';

const ORDER_TIMEOUT_MS = 1_000;
let system: System;
let logistics: SlowProxy;
let crm: StartedService;

beforeAll(async () => {
  logistics = await startSlowProxy();
  // Left to its own clock, order-service would take far longer than crm-api waits for it.
  system = await startSystem({ seed, logisticsUrl: logistics.url, env: { ORDER_TIMEOUT_MS: '10000' } });
  logistics.target = system.logistics.url;
  crm = await startService({
    name: 'crm-api',
    databaseUrl: system.db.url,
    build: buildApp,
    env: {
      ORDER_TIMEOUT_MS: String(ORDER_TIMEOUT_MS),
      ORDER_SERVICE_URL: system.orders.url,
      INVENTORY_SERVICE_URL: system.inventory.url,
      LOGISTICS_SERVICE_URL: system.logistics.url,
    },
  });
});

afterAll(async () => {
  await crm?.close();
  await system?.stop();
  await logistics?.close();
});

describe('POST /orders with a shorter timeout than order-service', () => {
  it('answers 503 for an order that order-service failed, never for one it confirmed after crm-api gave up', async () => {
    const order = { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 1 }] };
    // The booking lands after crm-api's deadline, long before order-service's own.
    logistics.slowUntil = Date.now() + ORDER_TIMEOUT_MS + 100;
    const res = await httpClient(crm.url).post('/orders', order);
    expect(res.status).toBe(503);
    await logistics.drained();
    const { rows } = await system.db.query(
      `SELECT o.status, r.status AS reservation,
         (SELECT count(*)::int FROM shipments s WHERE s.order_id = o.id AND s.status <> 'cancelled') AS live
       FROM orders o LEFT JOIN reservations r ON r.order_id = o.id ORDER BY o.id DESC LIMIT 1`,
    );
    expect(rows[0]).toMatchObject({ status: 'failed', live: 0 });
    expect(rows[0]?.reservation).not.toBe('reserved');
  });
});
