import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  count,
  GADGET,
  GIZMO,
  stockOf,
  WIDGET,
  WITH_ADDRESS,
  WITHOUT_ADDRESS,
} from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import type { AxiosInstance } from 'axios';
import { type System, startSystem } from './system.ts';

let system: System;
let http: AxiosInstance;

beforeAll(async () => {
  // Placement rules, not deadlines (deadline.test.ts has those): a deadline long
  // enough that a loaded machine never turns a refusal into a 503.
  system = await startSystem({ env: { ORDER_TIMEOUT_MS: '60000' } });
  http = httpClient(system.orders.url);
});

afterAll(async () => {
  await system?.stop();
});

describe('POST /supply-orders', () => {
  it('answers 201 with the confirmed order, its prices, total and shipment, and reserves the stock', async () => {
    const res = await http.post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [
        { productId: GADGET, quantity: 2 },
        { productId: GIZMO, quantity: 3 },
        { productId: GADGET, quantity: 1 },
      ],
      serviceLevel: 'express',
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/supply-orders/${res.data.id}`);
    expect(res.data).toMatchObject({
      customerId: WITH_ADDRESS,
      status: 'confirmed',
      serviceLevel: 'express',
      shippingAddress: { city: 'London', country: 'GB' },
      items: [
        { productId: GADGET, quantity: 3, unitPriceCents: 9900, lineTotalCents: 29700 },
        { productId: GIZMO, quantity: 3, unitPriceCents: 500, lineTotalCents: 1500 },
      ],
      totalCents: 31200,
      currency: 'USD',
      failureReason: null,
      shipment: { status: 'label_created', serviceLevel: 'express', trackingNumber: expect.any(String) },
    });
    expect(res.data.history.map((h: { to: string }) => h.to)).toEqual(['pending', 'confirmed']);
    expect(await stockOf(system.db, GADGET)).toEqual({ onHand: 100, reserved: 3 });
    const { rows } = await system.db.query('SELECT weight_grams FROM shipments WHERE order_id = $1', [
      res.data.id,
    ]);
    expect(rows[0]?.weight_grams).toBe(3 * 1200 + 3 * 100);
  });

  it('ships to the given address, and answers 422 when there is neither one nor one on file', async () => {
    const address = { line1: '1 Infinite Loop', city: 'Cupertino', postalCode: '95014', country: 'us' };
    const given = await http.post('/supply-orders', {
      customerId: WITHOUT_ADDRESS,
      items: [{ productId: GIZMO, quantity: 1 }],
      shippingAddress: address,
    });
    expect(given.status).toBe(201);
    expect(given.data.shippingAddress).toEqual({ ...address, country: 'US' });
    const none = await http.post('/supply-orders', {
      customerId: WITHOUT_ADDRESS,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    expect(none.status).toBe(422);
    expect(none.data.detail).toMatch(/no address/);
  });

  it('answers 404 for an unknown customer or product and records nothing', async () => {
    const before = await count(system.db, 'orders');
    const customer = await http.post('/supply-orders', {
      customerId: 999,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    expect(customer.status).toBe(404);
    expect(customer.data.detail).toMatch(/Customer 999/);
    const product = await http.post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [
        { productId: GIZMO, quantity: 1 },
        { productId: 998, quantity: 1 },
      ],
    });
    expect(product.status).toBe(404);
    expect(product.data.productIds).toEqual([998]);
    expect(await count(system.db, 'orders')).toBe(before);
  });

  it('answers 409 naming each short item, reserves nothing, and keeps the order as failed', async () => {
    const before = await stockOf(system.db, GIZMO);
    const res = await http.post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [
        { productId: GIZMO, quantity: 1 },
        { productId: WIDGET, quantity: 11 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      items: [{ productId: WIDGET, requested: 11, available: 10 }],
    });
    expect(await stockOf(system.db, GIZMO)).toEqual(before);
    const { rows } = await system.db.query(
      `SELECT status, failure_reason FROM orders ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]).toMatchObject({
      status: 'failed',
      failure_reason: expect.stringMatching(/reserving stock/),
    });
  });

  it.each([
    [{ customerId: 'one', items: [{ productId: GIZMO, quantity: 1 }] }, 'customerId'],
    [{ customerId: WITH_ADDRESS, items: [] }, 'items'],
    [{ customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 0 }] }, 'items.0.quantity'],
    [
      { customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 1 }], serviceLevel: 'overnight' },
      'serviceLevel',
    ],
    [{ customerId: WITH_ADDRESS, items: [{ productId: GIZMO, quantity: 1.5 }] }, 'items.0.quantity'],
  ])('answers 400 naming the field for %p', async (body, field) => {
    const res = await http.post('/supply-orders', body);
    expect(res.status).toBe(400);
    expect(res.data.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('60 concurrent orders of one unit for a product with 10 available', () => {
  it('confirms exactly 10, refuses 50 with 409, and reserves exactly 10', async () => {
    await system.db.query(
      'UPDATE inventory SET quantity_on_hand = 10, quantity_reserved = 0 WHERE product_id = $1',
      [WIDGET],
    );
    const before = await count(system.db, `orders WHERE status = 'confirmed'`);
    const results = await Promise.all(
      Array.from({ length: 60 }, () =>
        http.post('/supply-orders', {
          customerId: WITH_ADDRESS,
          items: [{ productId: WIDGET, quantity: 1 }],
        }),
      ),
    );
    const tally: Record<number, number> = {};
    for (const { status } of results) tally[status] = (tally[status] ?? 0) + 1;
    expect(tally).toEqual({ 201: 10, 409: 50 });
    expect(await stockOf(system.db, WIDGET)).toEqual({ onHand: 10, reserved: 10 });
    expect(await count(system.db, `orders WHERE status = 'confirmed'`)).toBe(before + 10);
    const available = await httpClient(system.inventory.url).get(`/inventory/${WIDGET}`);
    expect(available.data.quantityAvailable).toBe(0);
  });
});

describe('GET /supply-orders', () => {
  it('reads one order, 404 for an unknown one, 400 for a bad id', async () => {
    const { data: order } = await http.post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    const res = await http.get(`/supply-orders/${order.id}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual(order);
    expect((await http.get('/supply-orders/999999')).status).toBe(404);
    expect((await http.get('/supply-orders/x')).status).toBe(400);
  });

  it('lists by status and customer, page by page', async () => {
    const first = await http.get('/supply-orders', {
      params: { status: 'confirmed', customerId: WITH_ADDRESS, limit: 3 },
    });
    expect(first.status).toBe(200);
    expect(first.data.items).toHaveLength(3);
    expect(first.data.items.every((o: { status: string }) => o.status === 'confirmed')).toBe(true);
    const second = await http.get('/supply-orders', {
      params: { status: 'confirmed', customerId: WITH_ADDRESS, limit: 3, cursor: first.data.nextCursor },
    });
    expect(second.data.items[0].id).toBeGreaterThan(first.data.items[2].id);
  });

  it.each([{ status: 'lost' }, { customerId: 'me' }, { limit: 500 }, { cursor: 'nope' }, { colour: 'red' }])(
    'answers 400 for %p',
    async (params) => {
      expect((await http.get('/supply-orders', { params })).status).toBe(400);
    },
  );
});
