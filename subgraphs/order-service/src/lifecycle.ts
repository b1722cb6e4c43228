// What happens to an order after it is placed: cancellation before it ships,
// and the shipment's reports from logistics-service (in transit: the stock is
// committed and the order shipped; delivered: the order delivered; cancelled
// in logistics: the order cancelled, or failed while still being placed).
import type { Database } from '@supply/service-kit/database';
import { Conflict, Unavailable } from '@supply/service-kit/errors';
import { z } from 'zod';
import type { Neighbours } from './neighbours.ts';
import { type OrderStatus, type OrdersStore, type OrderView, transition } from './orders.ts';
import type { OrderPlacing } from './placing.ts';

export const shipmentEventInput = z.strictObject({
  shipmentId: z.number().int().positive(),
  status: z.enum(['in_transit', 'delivered', 'cancelled']),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});
export type ShipmentEvent = z.output<typeof shipmentEventInput>;

/** The order statuses in which each report has already been applied. */
const APPLIED: Record<ShipmentEvent['status'], readonly OrderStatus[]> = {
  in_transit: ['shipped', 'delivered'],
  delivered: ['delivered'],
  cancelled: ['cancelled', 'failed'],
};

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
      await cancelled(orderId, 'cancelled on request');
      return store.get(orderId);
    },

    recordShipmentEvent,
  };

  /**
   * Applies a shipment report. A move the order has already made is
   * acknowledged (the order as it is); a report that comes while the order
   * is still being placed is a 503, to be sent again; one that can never
   * apply is a 409.
   */
  async function recordShipmentEvent(orderId: number, event: ShipmentEvent): Promise<OrderView> {
    const order = await store.get(orderId);
    if (APPLIED[event.status].includes(order.status)) return order;
    if (order.status === 'pending') {
      if (event.status !== 'cancelled') {
        throw new Unavailable(`Order ${orderId} is still being placed; report its shipment again later`);
      }
      // Lost to a move made since the read (confirmed, say): apply it to where the order is now.
      if (!(await placing.abandon(orderId, `its shipment ${event.shipmentId} was cancelled`))) {
        return recordShipmentEvent(orderId, event);
      }
    } else if (event.status === 'cancelled' && order.status === 'confirmed') {
      await cancelled(orderId, `its shipment ${event.shipmentId} was cancelled`);
    } else if (event.status !== 'cancelled') {
      await forward(order.status, orderId, event);
    } else {
      throw new Conflict(`Order ${orderId} is ${order.status}; its shipment cannot be cancelled`, {
        currentStatus: order.status,
      });
    }
    return store.get(orderId);
  }

  /** Records the cancellation (a race lost to another one is as good), then gives back what it held. */
  async function cancelled(orderId: number, reason: string): Promise<void> {
    const outcome = await transition(db.prisma, orderId, ['pending', 'confirmed'], 'cancelled', reason);
    if (!outcome.moved && outcome.current !== 'cancelled') {
      throw new Conflict(`Order ${orderId} is ${outcome.current}; it cannot be cancelled`, {
        currentStatus: outcome.current,
      });
    }
    await placing.compensate(orderId);
  }

  /** in_transit: commit the stock, then shipped; delivered: the same first if need be, then delivered. */
  async function forward(status: OrderStatus, orderId: number, event: ShipmentEvent): Promise<void> {
    if (status === 'confirmed') {
      // The goods left the warehouse: commit the stock, then say so.
      await neighbours.commit(orderId);
      await moveUnlessDone(orderId, 'confirmed', 'shipped', `shipment ${event.shipmentId} in transit`);
    } else if (status !== 'shipped') {
      throw new Conflict(`Order ${orderId} is ${status}; it cannot take a shipment report`, {
        currentStatus: status,
      });
    }
    if (event.status === 'delivered') {
      await moveUnlessDone(orderId, 'shipped', 'delivered', `shipment ${event.shipmentId} delivered`);
    }
  }

  /** A duplicate report racing this one may have made the move already: that is done, not a conflict. */
  async function moveUnlessDone(orderId: number, from: OrderStatus, to: OrderStatus, reason: string) {
    const outcome = await transition(db.prisma, orderId, [from], to, reason);
    if (outcome.moved || outcome.current === to || (to === 'shipped' && outcome.current === 'delivered'))
      return;
    throw new Conflict(`Order ${orderId} is ${outcome.current}; it cannot become ${to}`, {
      currentStatus: outcome.current,
    });
  }
}

export type OrderLifecycle = ReturnType<typeof orderLifecycle>;
