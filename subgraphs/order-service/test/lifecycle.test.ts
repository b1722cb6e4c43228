import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, stockOf, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import type { AxiosInstance } from 'axios';
import { type System, startSystem } from './system.ts';

let system: System;
let orders: AxiosInstance;
let logistics: AxiosInstance;

beforeAll(async () => {
  system = await startSystem();
  orders = httpClient(system.orders.url);
  logistics = httpClient(system.logistics.url);
});

afterAll(async () => {
  await system?.stop();
});

async function place(quantity: number) {
  const res = await orders.post('/supply-orders', {
    customerId: WITH_ADDRESS,
    items: [{ productId: GADGET, quantity }],
  });
  expect(res.status).toBe(201);
  return res.data;
}

async function statusOf(id: number): Promise<string> {
  return (await orders.get(`/supply-orders/${id}`)).data.status;
}

describe('POST /supply-orders/:id/cancel', () => {
  it('cancels a confirmed order: its stock is released and its shipment cancelled', async () => {
    const before = await stockOf(system.db, GADGET);
    const order = await place(4);
    expect(await stockOf(system.db, GADGET)).toEqual({
      onHand: before!.onHand,
      reserved: before!.reserved + 4,
    });

    const res = await orders.post(`/supply-orders/${order.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      status: 'cancelled',
      shipment: { id: order.shipment.id, status: 'cancelled' },
    });
    expect(res.data.history.map((h: { to: string }) => h.to)).toEqual(['pending', 'confirmed', 'cancelled']);
    expect(await stockOf(system.db, GADGET)).toEqual(before);

    const again = await orders.post(`/supply-orders/${order.id}/cancel`);
    expect(again.status).toBe(200);
    expect(again.data.status).toBe('cancelled');
    expect(await stockOf(system.db, GADGET)).toEqual(before);
  });

  it('still cancels the order and releases its stock when recording the cancellation fails after logistics cancelled', async () => {
    const before = await stockOf(system.db, GADGET);
    const order = await place(2);
    // The order's move to cancelled fails (as if order-service died there), after its shipment is cancelled.
    await system.db.query(`
      CREATE FUNCTION refuse_cancel() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'cancellation refused for the test'; END $$;
      CREATE TRIGGER refuse_cancel BEFORE UPDATE ON orders FOR EACH ROW
        WHEN (NEW.status = 'cancelled' AND NEW.id = ${Number(order.id)}) EXECUTE FUNCTION refuse_cancel();`);
    try {
      expect((await orders.post(`/supply-orders/${order.id}/cancel`)).status).toBeGreaterThanOrEqual(500);
      expect(await statusOf(order.id)).toBe('confirmed');
    } finally {
      await system.db.query('DROP TRIGGER refuse_cancel ON orders; DROP FUNCTION refuse_cancel()');
    }
    // The shipment's cancelled report, sent again, brings the order to where logistics is.
    await waitFor(async () => (await statusOf(order.id)) === 'cancelled', 'the order to be cancelled');
    await waitFor(
      async () => (await stockOf(system.db, GADGET))?.reserved === before!.reserved,
      'its stock to be released',
    );
    expect(await stockOf(system.db, GADGET)).toEqual(before);
  });

  it("answers the order's status when logistics refuses because a shipment left before its report landed", async () => {
    const order = await place(1);
    await system.db.query(`UPDATE shipments SET status = 'in_transit' WHERE id = $1`, [order.shipment.id]);
    const refused = await orders.post(`/supply-orders/${order.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.data).toMatchObject({
      currentStatus: 'confirmed',
      shipmentId: order.shipment.id,
      shipmentStatus: 'in_transit',
    });
  });

  it('answers 404 for an unknown order and 400 for a bad id', async () => {
    expect((await orders.post('/supply-orders/999999/cancel')).status).toBe(404);
    expect((await orders.post('/supply-orders/0/cancel')).status).toBe(400);
  });
});

describe('shipment reports from logistics-service', () => {
  it('ships the order and commits its stock when the shipment is in transit, delivers it when delivered, and refuses to cancel it after', async () => {
    const before = await stockOf(system.db, GADGET);
    const order = await place(3);

    expect((await logistics.patch(`/shipments/${order.shipment.id}`, { status: 'in_transit' })).status).toBe(
      200,
    );
    await waitFor(async () => (await statusOf(order.id)) === 'shipped', 'the order to be shipped');
    // The goods left: on hand and reserved both drop by 3.
    expect(await stockOf(system.db, GADGET)).toEqual({
      onHand: before!.onHand - 3,
      reserved: before!.reserved,
    });

    const refused = await orders.post(`/supply-orders/${order.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.data.currentStatus).toBe('shipped');

    expect((await logistics.patch(`/shipments/${order.shipment.id}`, { status: 'delivered' })).status).toBe(
      200,
    );
    await waitFor(async () => (await statusOf(order.id)) === 'delivered', 'the order to be delivered');
    const delivered = (await orders.get(`/supply-orders/${order.id}`)).data;
    expect(delivered.history.map((h: { to: string }) => h.to)).toEqual([
      'pending',
      'confirmed',
      'shipped',
      'delivered',
    ]);
    const times = delivered.history.map((h: { at: string }) => new Date(h.at).getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(await stockOf(system.db, GADGET)).toEqual({
      onHand: before!.onHand - 3,
      reserved: before!.reserved,
    });
  });

  it('answers a repeated report with the order as it is, and refuses one for a cancelled order', async () => {
    const order = await place(1);
    const event = { shipmentId: order.shipment.id, status: 'in_transit' };
    const first = await orders.post(`/supply-orders/${order.id}/shipment-events`, event);
    expect(first.data.status).toBe('shipped');
    const repeat = await orders.post(`/supply-orders/${order.id}/shipment-events`, event);
    expect(repeat.status).toBe(200);
    expect(repeat.data.history).toEqual(first.data.history);

    const other = await place(1);
    await orders.post(`/supply-orders/${other.id}/cancel`);
    const refused = await orders.post(`/supply-orders/${other.id}/shipment-events`, {
      ...event,
      shipmentId: other.shipment.id,
    });
    expect(refused.status).toBe(409);
  });

  it('answers 400 for a report it does not understand', async () => {
    const order = await place(1);
    const res = await orders.post(`/supply-orders/${order.id}/shipment-events`, {
      shipmentId: 1,
      status: 'lost',
    });
    expect(res.status).toBe(400);
    expect(res.data.errors[0].field).toBe('status');
  });
});
