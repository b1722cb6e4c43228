import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { count, GADGET, GIZMO, seed, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { type System, startSystem } from '@supply/test-support/system';
import type { AxiosInstance } from 'axios';

let system: System;
let crm: AxiosInstance;

beforeAll(async () => {
  system = await startSystem({ seed });
  crm = httpClient(system.crm.url);
});

afterAll(async () => {
  await system?.stop();
});

describe('POST /orders', () => {
  it('places an order in the full shape and answers 201 with it', async () => {
    const res = await crm.post('/orders', {
      customerId: WITH_ADDRESS,
      items: [{ productId: GIZMO, quantity: 2 }],
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/orders/${res.data.id}`);
    expect(res.data).toMatchObject({
      status: 'confirmed',
      totalCents: 1000,
      shipment: { status: 'label_created' },
    });
  });

  it('accepts the legacy one-line shape', async () => {
    const res = await crm.post('/orders', { customerId: WITH_ADDRESS, productId: GADGET, quantity: 2 });
    expect(res.status).toBe(201);
    expect(res.data.items).toEqual([
      {
        productId: GADGET,
        quantity: 2,
        unitPriceCents: 9900,
        lineTotalCents: 19800,
        allocations: [{ warehouseId: 1, quantity: 2 }],
      },
    ]);
  });

  it('names the legacy fields in a 400', async () => {
    const res = await crm.post('/orders', { customerId: WITH_ADDRESS, productId: GADGET, quantity: 0 });
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'quantity', message: expect.any(String) }]);
  });

  it("answers order-service's 404, 409 and 422 as they are", async () => {
    const missing = await crm.post('/orders', { customerId: 999, productId: GADGET, quantity: 1 });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    const short = await crm.post('/orders', { customerId: WITH_ADDRESS, productId: GADGET, quantity: 1_000 });
    expect(short.status).toBe(409);
    expect(short.data).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      items: [{ productId: GADGET, requested: 1000 }],
    });
    const noAddress = await crm.post('/orders', { customerId: 2, productId: GADGET, quantity: 1 });
    expect(noAddress.status).toBe(422);
  });

  it("passes the caller's Idempotency-Key through: a repeat places nothing more", async () => {
    const before = await stockOf(system.db, GADGET);
    const headers = { headers: { 'Idempotency-Key': 'crm-caller-key-1' } };
    const body = { customerId: WITH_ADDRESS, productId: GADGET, quantity: 3 };
    const [first, second] = await Promise.all([
      crm.post('/orders', body, headers),
      crm.post('/orders', body, headers),
    ]);
    expect(first.status).toBe(201);
    expect(second.data.id).toBe(first.data.id);
    expect(await stockOf(system.db, GADGET)).toEqual({
      onHand: before!.onHand,
      reserved: before!.reserved + 3,
    });
    expect(await count(system.db, `idempotency_keys WHERE key = 'crm-caller-key-1'`)).toBe(1);
    const other = await crm.post('/orders', { ...body, quantity: 4 }, headers);
    expect(other.status).toBe(422);
  });

  it('answers the key it made up for a caller that sent none, and a retry with it places nothing more', async () => {
    const body = { customerId: WITH_ADDRESS, productId: GIZMO, quantity: 1 };
    const first = await crm.post('/orders', body);
    expect(first.status).toBe(201);
    const key = first.headers['idempotency-key'];
    expect(key).toMatch(/^crm-[0-9a-f-]{36}$/);
    const retry = await crm.post('/orders', body, { headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(retry.data.id).toBe(first.data.id);
    expect(retry.headers['idempotency-key']).toBe(key);
    // A refused request carries its key too.
    const refused = await crm.post('/orders', { ...body, customerId: 999 });
    expect(refused.status).toBe(404);
    expect(refused.headers['idempotency-key']).toMatch(/^crm-/);
  });
});

describe('GET /orders/:id and GET /customers/:id/orders', () => {
  it('reads an order, 404 for an unknown one, 400 for a bad id', async () => {
    const { data: placed } = await crm.post('/orders', {
      customerId: WITH_ADDRESS,
      productId: GIZMO,
      quantity: 1,
    });
    const res = await crm.get(`/orders/${placed.id}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual(placed);
    expect((await crm.get('/orders/999999')).status).toBe(404);
    expect((await crm.get('/orders/-3')).status).toBe(400);
  });

  it("lists a customer's orders page by page, and 404 for an unknown customer", async () => {
    const first = await crm.get(`/customers/${WITH_ADDRESS}/orders`, { params: { limit: 2 } });
    expect(first.status).toBe(200);
    expect(first.data.items).toHaveLength(2);
    expect(first.data.items.every((o: { customerId: number }) => o.customerId === WITH_ADDRESS)).toBe(true);
    const next = await crm.get(`/customers/${WITH_ADDRESS}/orders`, {
      params: { limit: 2, cursor: first.data.nextCursor },
    });
    expect(next.data.items[0].id).toBeGreaterThan(first.data.items[1].id);
    const none = await crm.get('/customers/2/orders');
    expect(none.data).toEqual({ items: [], nextCursor: null });
    expect((await crm.get('/customers/999/orders')).status).toBe(404);
    expect((await crm.get(`/customers/${WITH_ADDRESS}/orders`, { params: { status: 'lost' } })).status).toBe(
      400,
    );
  });
});
