// What happens to an order after it is placed: cancellation before it ships,
// and the shipment's reports from logistics-service (in transit: the stock is
// committed and the order shipped; delivered: the order delivered).
import type { Database } from '@supply/service-kit/database';
import { Conflict } from '@supply/service-kit/errors';
import { z } from 'zod';
import type { Neighbours } from './neighbours.ts';
import type { OrdersStore, OrderView } from './orders.ts';
import type { OrderPlacing } from './placing.ts';

export const shipmentEventInput = z.strictObject({
  shipmentId: z.number().int().positive(),
  status: z.enum(['in_transit', 'delivered']),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});
export type ShipmentEvent = z.output<typeof shipmentEventInput>;

interface Deps {
  db: Database;
  store: OrdersStore;
  neighbours: Neighbours;
  placing: OrderPlacing;
}

export function orderLifecycle({ db, store, neighbours, placing }: Deps) {
  const liveShipment = (orderId: number) =>
    db.prisma.shipment.findFirst({ where: { orderId, status: { not: 'cancelled' } }, select: { id: true } });

  return {
    /**
     * Cancels a pending or confirmed order. A confirmed order's shipment is
     * cancelled first, so it can no longer leave (one already on its way
     * refuses, and the order stays as it is). Then the cancellation is
     * recorded, and only then is the stock released: a release that does not
     * get through is finished by the recovery sweep. Cancelling a cancelled
     * order answers it as it is.
     */
    async cancel(orderId: number): Promise<OrderView> {
      const order = await store.get(orderId);
      if (order.status === 'cancelled') return order;
      if (order.status !== 'pending' && order.status !== 'confirmed') {
        throw new Conflict(
          `Order ${orderId} is ${order.status}; only pending or confirmed orders can be cancelled`,
          { currentStatus: order.status },
        );
      }
      if (order.status === 'confirmed') {
        const shipment = await liveShipment(orderId);
        if (shipment) await neighbours.cancelShipment(shipment.id);
      }
      await store.move(orderId, ['pending', 'confirmed'], 'cancelled', 'cancelled on request');
      await placing.compensate(orderId);
      return store.get(orderId);
    },

    /** Applies a shipment report; a report already applied answers the order as it is. */
    async recordShipmentEvent(orderId: number, event: ShipmentEvent): Promise<OrderView> {
      const order = await store.get(orderId);
      const done = event.status === 'in_transit' ? ['shipped', 'delivered'] : ['delivered'];
      if (done.includes(order.status)) return order;
      if (order.status === 'confirmed') {
        // The goods left the warehouse: commit the stock, then say so.
        await neighbours.commit(orderId);
        await store.move(orderId, ['confirmed'], 'shipped', `shipment ${event.shipmentId} in transit`);
      } else if (order.status !== 'shipped') {
        throw new Conflict(`Order ${orderId} is ${order.status}; it cannot take a shipment report`, {
          currentStatus: order.status,
        });
      }
      if (event.status === 'delivered') {
        await store.move(orderId, ['shipped'], 'delivered', `shipment ${event.shipmentId} delivered`);
      }
      return store.get(orderId);
    },
  };
}

export type OrderLifecycle = ReturnType<typeof orderLifecycle>;
