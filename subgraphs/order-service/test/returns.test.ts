// Returns, asked for, cancelled, listed and in the graph (receipts: return-receipts.test.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, GIZMO, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { graphql } from '@supply/test-support/http';
import { type ReturnsSystem, startReturnsSystem } from './returns-system.ts';

let returns: ReturnsSystem;

beforeAll(async () => {
  returns = await startReturnsSystem();
});

afterAll(async () => {
  await returns?.stop();
});

describe('POST /supply-orders/:id/returns', () => {
  it('records a return of delivered goods at the order prices, and replays it for the same Idempotency-Key', async () => {
    const order = await returns.deliveredOrder([{ productId: GADGET, quantity: 3 }]);
    const key = { 'Idempotency-Key': `return-${order.id}` };
    const res = await returns.requestReturn(order.id, [{ productId: GADGET, quantity: 2 }], key);
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
    const replay = await returns.requestReturn(order.id, [{ productId: GADGET, quantity: 2 }], key);
    expect(replay.status).toBe(201);
    expect(replay.data).toEqual(res.data);
    expect((await returns.orders.get('/returns', { params: { orderId: order.id } })).data.items).toHaveLength(
      1,
    );
  });

  it('answers 409 naming each item beyond what was delivered and not yet returned, and records nothing', async () => {
    const order = await returns.deliveredOrder([
      { productId: GIZMO, quantity: 4 },
      { productId: WIDGET, quantity: 1 },
    ]);
    expect((await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 3 }])).status).toBe(201);
    const over = await returns.requestReturn(order.id, [
      { productId: GIZMO, quantity: 2 },
      { productId: WIDGET, quantity: 1 },
    ]);
    expect(over.status).toBe(409);
    expect(over.data.items).toEqual([{ productId: GIZMO, requested: 2, returnable: 1 }]);
    const notOrdered = await returns.requestReturn(order.id, [{ productId: GADGET, quantity: 1 }]);
    expect(notOrdered.data.items).toEqual([{ productId: GADGET, requested: 1, returnable: 0 }]);
    expect((await returns.orders.get('/returns', { params: { orderId: order.id } })).data.items).toHaveLength(
      1,
    );
  });

  it('refuses an order with nothing delivered (409), an unknown order (404) and bad input (400)', async () => {
    const placed = await returns.orders.post('/supply-orders', {
      customerId: WITH_ADDRESS,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    const undelivered = await returns.requestReturn(placed.data.id, [{ productId: GIZMO, quantity: 1 }]);
    expect(undelivered.status).toBe(409);
    expect(undelivered.data.currentStatus).toBe('confirmed');
    expect((await returns.requestReturn(999_999, [{ productId: GIZMO, quantity: 1 }])).status).toBe(404);
    const bad = await returns.orders.post(`/supply-orders/${placed.data.id}/returns`, {
      items: [{ productId: 'x', quantity: 0 }],
      reason: ' ',
    });
    expect(bad.status).toBe(400);
    expect(bad.data.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'items.0.productId',
      'items.0.quantity',
      'reason',
    ]);
    expect((await returns.orders.post('/supply-orders/0/returns', {})).status).toBe(400);
  });
});

describe('POST /returns/:id/cancel and GET /returns', () => {
  it('cancels a requested return, freeing its units, and refuses to receive it after', async () => {
    const order = await returns.deliveredOrder([{ productId: GIZMO, quantity: 1 }]);
    const created = await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    const cancelled = await returns.orders.post(`/returns/${created.data.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.data.history.map((h: { to: string }) => h.to)).toEqual(['requested', 'cancelled']);
    expect((await returns.orders.post(`/returns/${created.data.id}/cancel`)).data.status).toBe('cancelled');
    const refused = await returns.orders.post(`/returns/${created.data.id}/receive`);
    expect(refused.status).toBe(409);
    expect(refused.data.currentStatus).toBe('cancelled');
    const again = await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    expect(again.status).toBe(201);
    await returns.orders.post(`/returns/${again.data.id}/receive`);
    const late = await returns.orders.post(`/returns/${again.data.id}/cancel`);
    expect(late.status).toBe(409);
    expect(late.data.currentStatus).toBe('received');
  });

  it("pages an order's returns by id, and answers 404 and 400 as the other lists", async () => {
    const order = await returns.deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }]);
    const first = await returns.orders.get('/returns', { params: { orderId: order.id, limit: 1 } });
    expect(first.data.items).toHaveLength(1);
    const second = await returns.orders.get('/returns', {
      params: { orderId: order.id, limit: 1, cursor: first.data.nextCursor },
    });
    expect(second.data).toMatchObject({ items: [{ orderId: order.id }], nextCursor: null });
    expect(second.data.items[0].id).toBeGreaterThan(first.data.items[0].id);
    expect((await returns.orders.get('/returns/999999')).status).toBe(404);
    expect((await returns.orders.get('/returns', { params: { orderId: 'x' } })).status).toBe(400);
    expect((await returns.orders.get('/returns', { params: { status: 'lost' } })).status).toBe(400);
  });
});

describe('the graph', () => {
  it('requests and receives a return, and shows it on Order.returns', async () => {
    const order = await returns.deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    const requested = await graphql(
      returns.system.orders.url,
      `mutation ($orderId: ID!) {
        requestReturn(orderId: $orderId, input: { items: [{ productId: "${GIZMO}", quantity: 2 }], reason: "Too big" }) { id status }
      }`,
      { orderId: String(order.id) },
    );
    const { id } = requested.body.data.requestReturn;
    const received = await graphql(
      returns.system.orders.url,
      `mutation ($id: ID!) { receiveReturn(id: $id) { status refundCents restockedAt warehouse { id } } }`,
      { id },
    );
    expect(received.body.data.receiveReturn).toMatchObject({
      status: 'RECEIVED',
      refundCents: 1_000,
      warehouse: null,
    });
    const read = await graphql(
      returns.system.orders.url,
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
    const refused = await graphql(returns.system.orders.url, `mutation { cancelReturn(id: "${id}") { id } }`);
    expect(refused.body.errors[0].extensions.code).toBe('CONFLICT');
  });
});
