// Receiving returns: refunds, restocks exactly once, never more than delivered,
// and restocks owed after a failure or a crash finished by the recovery sweep.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, GIZMO, WIDGET } from '@supply/test-support/catalogue';
import { waitFor } from '@supply/test-support/network';
import { type ReturnsSystem, startReturnsSystem } from './returns-system.ts';

let returns: ReturnsSystem;

beforeAll(async () => {
  returns = await startReturnsSystem();
});

afterAll(async () => {
  await returns?.stop();
});

describe('POST /returns/:id/receive', () => {
  it('puts the units back where they shipped from and keeps the refund, per item', async () => {
    const order = await returns.deliveredOrder([
      { productId: GIZMO, quantity: 5 },
      { productId: GADGET, quantity: 2 },
    ]);
    const created = await returns.requestReturn(order.id, [
      { productId: GIZMO, quantity: 5 },
      { productId: GADGET, quantity: 2 },
    ]);
    const [gizmo, gadget] = [await returns.onHand(GIZMO), await returns.onHand(GADGET)];
    const res = await returns.orders.post(`/returns/${created.data.id}/receive`, {
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
    expect([await returns.onHand(GIZMO), await returns.onHand(GADGET)]).toEqual([gizmo + 4, gadget]);
    // The unit that did not arrive may be returned again; nothing more.
    expect((await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 2 }])).status).toBe(409);
    expect((await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 1 }])).status).toBe(201);
  });

  it('refuses a receipt beyond the return (409) or into an unknown warehouse (404), recording nothing', async () => {
    const order = await returns.deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    const created = await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 2 }]);
    const receive = (body: object) => returns.orders.post(`/returns/${created.data.id}/receive`, body);
    const over = await receive({ items: [{ productId: GIZMO, quantity: 3, restock: true }] });
    expect(over.status).toBe(409);
    expect(over.data.items).toEqual([{ productId: GIZMO, received: 3, returned: 2 }]);
    expect((await receive({ items: [{ productId: WIDGET, quantity: 1, restock: true }] })).status).toBe(409);
    expect((await receive({ warehouseId: 999_999 })).status).toBe(404);
    expect((await receive({ items: [{ productId: GIZMO, quantity: -1, restock: true }] })).status).toBe(400);
    expect((await returns.orders.get(`/returns/${created.data.id}`)).data.status).toBe('requested');
    expect((await returns.orders.post('/returns/999999/receive')).status).toBe(404);
  });

  it('restocks once when receipts of one return race, into the warehouse named', async () => {
    const warehouse = await returns.inventory.post('/warehouses', {
      code: `RET-${Date.now()}`,
      name: 'Returns centre',
      address: { line1: '1 Quai Est', city: 'Le Havre', postalCode: '76600', country: 'FR' },
      priority: 1000,
    });
    const order = await returns.deliveredOrder([{ productId: GIZMO, quantity: 6 }]);
    const created = await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 6 }]);
    const [there, home] = [await returns.onHand(GIZMO, warehouse.data.id), await returns.onHand(GIZMO)];
    const receipts = await Promise.all(
      Array.from({ length: 6 }, () =>
        returns.orders.post(`/returns/${created.data.id}/receive`, { warehouseId: warehouse.data.id }),
      ),
    );
    expect(receipts.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await waitFor(() => returns.restocked(created.data.id), 'the restock to be recorded');
    expect([await returns.onHand(GIZMO, warehouse.data.id), await returns.onHand(GIZMO)]).toEqual([
      there + 6,
      home,
    ]);
    const { rows } = await returns.system.db.query(
      'SELECT count(*)::int AS n FROM restock_items WHERE return_id = $1',
      [created.data.id],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('never restocks more than the order shipped, nor one return twice, whoever asks inventory', async () => {
    const order = await returns.deliveredOrder([{ productId: GIZMO, quantity: 2 }]);
    const created = await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 2 }]);
    const before = await returns.onHand(GIZMO);
    const restock = (quantity: number) =>
      returns.inventory.post('/inventory/restocks', {
        returnId: created.data.id,
        orderId: order.id,
        items: [{ productId: GIZMO, quantity }],
      });
    expect((await restock(3)).status).toBe(409);
    expect(await returns.onHand(GIZMO)).toBe(before);
    const wrongOrder = await returns.inventory.post('/inventory/restocks', {
      returnId: created.data.id,
      orderId: order.id + 1,
      items: [{ productId: GIZMO, quantity: 1 }],
    });
    expect(wrongOrder.status).toBe(404);
    expect(
      (await returns.orders.post(`/returns/${created.data.id}/receive`)).data.restockedAt,
    ).not.toBeNull();
    expect(await returns.onHand(GIZMO)).toBe(before + 2);
    // inventory-service answers a repeat with what it did, and changes nothing.
    const repeat = await restock(2);
    expect(repeat.status).toBe(201);
    expect(repeat.data.items).toEqual([{ productId: GIZMO, warehouseId: 1, quantity: 2 }]);
    expect((await restock(1)).status).toBe(409);
    expect(await returns.onHand(GIZMO)).toBe(before + 2);
  });

  it('records the receipt while inventory is down, and the sweep restocks it once inventory is back', async () => {
    const order = await returns.deliveredOrder([{ productId: GIZMO, quantity: 3 }]);
    const created = await returns.requestReturn(order.id, [{ productId: GIZMO, quantity: 3 }]);
    const before = await returns.onHand(GIZMO);
    returns.proxy.down = true;
    try {
      const res = await returns.orders.post(`/returns/${created.data.id}/receive`);
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ status: 'received', refundCents: 1_500, restockedAt: null });
      expect(await returns.onHand(GIZMO)).toBe(before);
    } finally {
      returns.proxy.down = false;
    }
    await waitFor(() => returns.restocked(created.data.id), 'the sweep to restock the return');
    expect(await returns.onHand(GIZMO)).toBe(before + 3);
  });

  it('restocks a return received just before a crash through the recovery sweep', async () => {
    const order = await returns.deliveredOrder([{ productId: WIDGET, quantity: 1 }]);
    const created = await returns.requestReturn(order.id, [{ productId: WIDGET, quantity: 1 }]);
    const before = await returns.onHand(WIDGET);
    // What the receipt commits before it calls inventory-service: the process died right there.
    await returns.system.db.query(
      `UPDATE return_items SET received_quantity = 1, restock_quantity = 1, refund_cents = unit_price_cents
         WHERE return_id = $1;
       UPDATE returns SET status = 'received', received_at = now(), refund_cents = 1250 WHERE id = $1`.replace(
        /\$1/g,
        String(created.data.id),
      ),
    );
    await waitFor(() => returns.restocked(created.data.id), 'the sweep to restock the return');
    expect(await returns.onHand(WIDGET)).toBe(before + 1);
  });
});
