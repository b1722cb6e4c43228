import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, GIZMO, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { graphql, httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type SlowProxy, startSlowProxy } from '@supply/test-support/slow-proxy';
import type { AxiosInstance } from 'axios';
import { type System, startSystem } from './system.ts';

let system: System;
let orders: AxiosInstance;
let inventory: AxiosInstance;
// order-service reaches inventory-service through it, to take inventory down.
let proxy: SlowProxy;

beforeAll(async () => {
  proxy = await startSlowProxy();
  // A quick sweep, so a restock owed after a crash is sent again within the test.
  system = await startSystem({
    inventoryUrl: proxy.url,
    timeoutMs: 500,
    recovery: { pendingTimeoutMs: 60_000, intervalMs: 300 },
  });
  proxy.target = system.inventory.url;
  orders = httpClient(system.orders.url);
  inventory = httpClient(system.inventory.url);
});

afterAll(async () => {
  await system?.stop();
  await proxy?.close();
});

type Line = { productId: number; quantity: number };

/** An order placed, shipped and delivered (all of its stock held in warehouse 1, the default). */
async function deliveredOrder(items: Line[]) {
  const placed = await orders.post('/supply-orders', { customerId: WITH_ADDRESS, items });
  expect(placed.status).toBe(201);
  const event = { shipmentId: placed.data.shipment.id, status: 'delivered' };
  const delivered = await orders.post(`/supply-orders/${placed.data.id}/shipment-events`, event);
  expect(delivered.data.status).toBe('delivered');
  return placed.data as { id: number };
}

async function onHand(productId: number, warehouseId = 1): Promise<number> {
  const { rows } = await system.db.query<{ n: number }>(
    'SELECT quantity_on_hand AS n FROM warehouse_stock WHERE product_id = $1 AND warehouse_id = $2',
    [productId, warehouseId],
  );
  return rows[0]?.n ?? 0;
}

const requestReturn = (orderId: number, items: Line[], headers: Record<string, string> = {}) =>
  orders.post(`/supply-orders/${orderId}/returns`, { items, reason: 'Arrived damaged' }, { headers });

describe('POST /supply-orders/:id/returns', () => {
  it('records a return of delivered goods at the order prices, and replays it for the same Idempotency-Key', async () => {
    const order = await deliveredOrder([{ productId: GADGET, quantity: 3 }]);
    const key = { 'Idempotency-Key': `return-${order.id}` };
    const res = await requestReturn(order.id, [{ productId: GADGET, quantity: 2 }], key);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/returns/${res.data.id}`);
    expect(res.data).toMatchObject({
      orderId: order.id,
      status: 'requested',
      reason: 'Arrived damaged',
      items: [
        { productId: GADGET, quantity: 2, unitPriceCents: 9900, receivedQuantity: null, refundCents: null },
      ],
      refundCents: null,
      currency: 'USD',
      history: [{ from: null, to: 'requested' }],
    });
    const replay = await requestReturn(order.id, [{ productId: GADGET, quantity: 2 }], key);
    expect(replay.status).toBe(201);
    expect(replay.data).toEqual(res.data);
    expect((await orders.get('/returns', { params: { orderId: order.id } })).data.items).toHaveLength(1);
  });

  it('answers 409 naming each item beyond what was delivered and not yet returned, and records nothing', async () => {
    const order = await deliveredOrder([
      { productId: GIZMO, quantity: 4 },
      { productId: WIDGET, quantity: 1 },
    ]);
    expect((await requestReturn(order.id, [{ productId: GIZMO, quantity: 3 }])).status).toBe(201);
    const over = await requestReturn(order.id, [
      { productId: GIZMO, quantity: 2 },
      { productId: WIDGET, quantity: 1 },
    ]);
    expect(over.status).toBe(409);
    expect(over.data.items).toEqual([{ productId: GIZMO, requested: 2, returnable: 1 }]);
    const notOrdered = await requestReturn(order.id, [{ productId: GADGET, quantity: 1 }]);
    expect(notOrdered.data.items).toEqual([{ productId: GADGET, requested: 1, returnable: 0 }]);
    expect((await orders.get('/returns', { params: { orderId: order.id } })).data.items).toHaveLength(1);
  });

  it('refuses an order with nothing delivered (409), an unknown order (404) and bad input (400)', async () => {
    const placed = await orders.post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    const undelivered = await requestReturn(placed.data.id, [{ productId: GIZMO, quantity: 1 }]);
    expect(undelivered.status).toBe(409);
    expect(undelivered.data.currentStatus).toBe('confirmed');
    expect((await requestReturn(999_999, [{ productId: GIZMO, quantity: 1 }])).status).toBe(404);
    const bad = await orders.post(`/supply-orders/${placed.data.id}/returns`, {
      items: [{ productId: 'x', quantity: 0 }],
      reason: ' ',
    });
    expect(bad.status).toBe(400);
    expect(bad.data.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'items.0.productId',
      'items.0.quantity',
      'reason',
    ]);
    expect((await orders.post('/supply-orders/0/returns', {})).status).toBe(400);
  });
});

describe('POST /returns/:id/receive', () => {
  it('puts the units back where they shipped from and keeps the refund, per item', async () => {
    const order = await deliveredOrder([
      { productId: GIZMO, quantity: 5 },
      { productId: GADGET, quantity: 2 },
    ]);
    const created = await requestReturn(order.id, [
      { productId: GIZMO, quantity: 5 },
      { productId: GADGET, quantity: 2 },
    ]);
    const [gizmo, gadget] = [await onHand(GIZMO), await onHand(GADGET)];
    const res = await orders.post(`/returns/${created.data.id}/receive`, {
      items: [
        { productId: GIZMO, quantity: 4, restock: true },
        { productId: GADGET, quantity: 2, restock: false },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      status: 'received',
      items: [
        { productId: GADGET, receivedQuantity: 2, restockQuantity: 0, refundCents: 19_800 },
        { productId: GIZMO, receivedQuantity: 4, restockQuantity: 4, refundCents: 2_000 },
      ],
      refundCents: 21_800,
      warehouseId: null,
    });
    expect(res.data.restockedAt).not.toBeNull();
    expect(res.data.history.map((h: { to: string }) => h.to)).toEqual(['requested', 'received']);
    expect([await onHand(GIZMO), await onHand(GADGET)]).toEqual([gizmo + 4, gadget]);
    // The unit that did not arrive may be returned again; nothing more.
    expect((await requestReturn(order.id, [{ productId: GIZMO, quantity: 2 }])).status).toBe(409);
    expect((await requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }])).status).toBe(201);
  });

  it('refuses a receipt beyond the return (409) or into an unknown warehouse (404), recording nothing', async () => {
    const order = await deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    const created = await requestReturn(order.id, [{ productId: GIZMO, quantity: 2 }]);
    const receive = (body: object) => orders.post(`/returns/${created.data.id}/receive`, body);
    const over = await receive({ items: [{ productId: GIZMO, quantity: 3, restock: true }] });
    expect(over.status).toBe(409);
    expect(over.data.items).toEqual([{ productId: GIZMO, received: 3, returned: 2 }]);
    expect((await receive({ items: [{ productId: WIDGET, quantity: 1, restock: true }] })).status).toBe(409);
    expect((await receive({ warehouseId: 999_999 })).status).toBe(404);
    expect((await receive({ items: [{ productId: GIZMO, quantity: -1, restock: true }] })).status).toBe(400);
    expect((await orders.get(`/returns/${created.data.id}`)).data.status).toBe('requested');
    expect((await orders.post('/returns/999999/receive')).status).toBe(404);
  });

  it('restocks once when receipts of one return race, into the warehouse named', async () => {
    const warehouse = await inventory.post('/warehouses', {
      code: `RET-${Date.now()}`,
      name: 'Returns centre',
      address: { line1: '1 Quai Est', city: 'Le Havre', postalCode: '76600', country: 'FR' },
      priority: 1000,
    });
    const order = await deliveredOrder([{ productId: GIZMO, quantity: 6 }]);
    const created = await requestReturn(order.id, [{ productId: GIZMO, quantity: 6 }]);
    const [there, home] = [await onHand(GIZMO, warehouse.data.id), await onHand(GIZMO)];
    const receipts = await Promise.all(
      Array.from({ length: 6 }, () =>
        orders.post(`/returns/${created.data.id}/receive`, { warehouseId: warehouse.data.id }),
      ),
    );
    expect(receipts.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await waitFor(
      async () => (await orders.get(`/returns/${created.data.id}`)).data.restockedAt ?? undefined,
      'the restock to be recorded',
    );
    expect([await onHand(GIZMO, warehouse.data.id), await onHand(GIZMO)]).toEqual([there + 6, home]);
    const { rows } = await system.db.query(
      'SELECT count(*)::int AS n FROM restock_items WHERE return_id = $1',
      [created.data.id],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('never restocks more than the order shipped, whoever asks inventory', async () => {
    const order = await deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    const created = await requestReturn(order.id, [{ productId: GIZMO, quantity: 2 }]);
    const before = await onHand(GIZMO);
    const restock = (quantity: number) =>
      inventory.post('/inventory/restocks', {
        returnId: created.data.id,
        orderId: order.id,
        items: [{ productId: GIZMO, quantity }],
      });
    expect((await restock(3)).status).toBe(409);
    expect(await onHand(GIZMO)).toBe(before);
    const wrongOrder = await inventory.post('/inventory/restocks', {
      returnId: created.data.id,
      orderId: order.id + 1,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    expect(wrongOrder.status).toBe(404);
    expect((await orders.post(`/returns/${created.data.id}/receive`)).data.restockedAt).not.toBeNull();
    expect(await onHand(GIZMO)).toBe(before + 2);
  });

  it('records the receipt while inventory is down, and the sweep restocks it once inventory is back', async () => {
    const order = await deliveredOrder([{ productId: GIZMO, quantity: 3 }]);
    const created = await requestReturn(order.id, [{ productId: GIZMO, quantity: 3 }]);
    const before = await onHand(GIZMO);
    proxy.down = true;
    try {
      const res = await orders.post(`/returns/${created.data.id}/receive`);
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ status: 'received', refundCents: 1_500, restockedAt: null });
      expect(await onHand(GIZMO)).toBe(before);
    } finally {
      proxy.down = false;
    }
    await waitFor(
      async () => (await orders.get(`/returns/${created.data.id}`)).data.restockedAt ?? undefined,
      'the sweep to restock the return',
    );
    expect(await onHand(GIZMO)).toBe(before + 3);
  });

  it('restocks a return received just before a crash through the recovery sweep', async () => {
    const order = await deliveredOrder([{ productId: WIDGET, quantity: 1 }]);
    const created = await requestReturn(order.id, [{ productId: WIDGET, quantity: 1 }]);
    const before = await onHand(WIDGET);
    // What the receipt commits before it calls inventory-service: the process died right there.
    await system.db.query(
      `UPDATE return_items SET received_quantity = 1, restock_quantity = 1, refund_cents = unit_price_cents
         WHERE return_id = $1;
       UPDATE returns SET status = 'received', received_at = now(), refund_cents = 1250 WHERE id = $1`.replace(
        /\$1/g,
        String(created.data.id),
      ),
    );
    await waitFor(
      async () => (await orders.get(`/returns/${created.data.id}`)).data.restockedAt ?? undefined,
      'the sweep to restock the return',
    );
    expect(await onHand(WIDGET)).toBe(before + 1);
  });
});

describe('POST /returns/:id/cancel and GET /returns', () => {
  it('cancels a requested return, freeing its units, and refuses to receive it after', async () => {
    const order = await deliveredOrder([{ productId: GIZMO, quantity: 1 }]);
    const created = await requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    const cancelled = await orders.post(`/returns/${created.data.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.data.history.map((h: { to: string }) => h.to)).toEqual(['requested', 'cancelled']);
    expect((await orders.post(`/returns/${created.data.id}/cancel`)).data.status).toBe('cancelled');
    const refused = await orders.post(`/returns/${created.data.id}/receive`);
    expect(refused.status).toBe(409);
    expect(refused.data.currentStatus).toBe('cancelled');
    const again = await requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    expect(again.status).toBe(201);
    await orders.post(`/returns/${again.data.id}/receive`);
    const late = await orders.post(`/returns/${again.data.id}/cancel`);
    expect(late.status).toBe(409);
    expect(late.data.currentStatus).toBe('received');
  });

  it("pages an order's returns by id, and answers 404 and 400 as the other lists", async () => {
    const order = await deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    await requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    await requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    const first = await orders.get('/returns', { params: { orderId: order.id, limit: 1 } });
    expect(first.data.items).toHaveLength(1);
    const second = await orders.get('/returns', {
      params: { orderId: order.id, limit: 1, cursor: first.data.nextCursor },
    });
    expect(second.data).toMatchObject({ items: [{ orderId: order.id }], nextCursor: null });
    expect(second.data.items[0].id).toBeGreaterThan(first.data.items[0].id);
    expect((await orders.get('/returns/999999')).status).toBe(404);
    expect((await orders.get('/returns', { params: { orderId: 'x' } })).status).toBe(400);
    expect((await orders.get('/returns', { params: { status: 'lost' } })).status).toBe(400);
  });
});

describe('the graph', () => {
  it('requests and receives a return, and shows it on Order.returns', async () => {
    const order = await deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    const requested = await graphql(
      system.orders.url,
      `mutation ($orderId: ID!) {
        requestReturn(orderId: $orderId, input: { items: [{ productId: "${GIZMO}", quantity: 2 }], reason: "Too big" }) { id status }
      }`,
      { orderId: String(order.id) },
    );
    const { id } = requested.body.data.requestReturn;
    const received = await graphql(
      system.orders.url,
      `mutation ($id: ID!) { receiveReturn(id: $id) { status refundCents restockedAt warehouse { id } } }`,
      { id },
    );
    expect(received.body.data.receiveReturn).toMatchObject({
      status: 'RECEIVED',
      refundCents: 1_000,
      warehouse: null,
    });
    const read = await graphql(
      system.orders.url,
      `query ($id: ID!) { order(id: $id) { returns { id status items { product { id } quantity receivedQuantity refundCents } history { to } } } }`,
      { id: String(order.id) },
    );
    expect(read.body.data.order.returns).toEqual([
      {
        id,
        status: 'RECEIVED',
        items: [{ product: { id: String(GIZMO) }, quantity: 2, receivedQuantity: 2, refundCents: 1_000 }],
        history: [{ to: 'REQUESTED' }, { to: 'RECEIVED' }],
      },
    ]);
    const refused = await graphql(system.orders.url, `mutation { cancelReturn(id: "${id}") { id } }`);
    expect(refused.body.errors[0].extensions.code).toBe('CONFLICT');
  });
});
