// What happens to an order after it is placed: cancellation before any
// shipment moves, and the shipments' reports from logistics-service (the first
// one moving commits the stock; the order is then partially shipped, shipped
// or delivered as its shipments are; a shipment cancelled in logistics cancels
// the order, or fails it while it is still being placed).
import type { Database } from '@supply/service-kit/database';
import { Conflict, Unavailable } from '@supply/service-kit/errors';
import { z } from 'zod';
import type { Neighbours } from './neighbours.ts';
import type { OrderView } from './order-view.ts';
import type { OrdersStore } from './orders.ts';
import type { OrderPlacing } from './placing.ts';
import { progressOf, type ReportedStatus } from './shipping-progress.ts';
import { before, type OrderStatus, reached, type ShippingProgress } from './status-machine.ts';
import { transition } from './transition.ts';

export const shipmentEventInput = z.strictObject({
  shipmentId: z.number().int().positive(),
  status: z.enum(['in_transit', 'delivered', 'cancelled']),
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
  return {
    /**
     * Cancels a pending or confirmed order. A confirmed order's shipments are
     * cancelled first, all or none, so none can leave any more (when one is
     * already on its way, logistics rejects it and the order stays as it is).
     * Then the cancellation is recorded, and only then is the stock released:
     * a release that does not get through is finished by the recovery sweep.
     * Cancelling a cancelled order responds with it as it is.
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
      if (order.status === 'confirmed' && order.shipments.some((s) => s.status !== 'cancelled')) {
        await cancelShipments(orderId);
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
    if (!order.shipments.some((s) => s.id === event.shipmentId)) {
      throw new Conflict(`Shipment ${event.shipmentId} does not carry order ${orderId}`, {
        currentStatus: order.status,
      });
    }
    if (event.status === 'cancelled') return shipmentCancelled(order, event);
    if (order.status === 'pending') {
      throw new Unavailable(`Order ${orderId} is still being placed; report its shipment again later`);
    }
    if (order.status === 'cancelled' || order.status === 'failed') {
      throw new Conflict(`Order ${orderId} is ${order.status}; it cannot take a shipment report`, {
        currentStatus: order.status,
      });
    }
    const target = progressOf(order.shipments, { shipmentId: event.shipmentId, status: event.status });
    if (reached(order.status, target)) return order;
    // The goods left a warehouse: commit the stock, then say so.
    if (order.status === 'confirmed') await neighbours.commit(orderId);
    await advance(orderId, target, `shipment ${event.shipmentId} ${inWords(event.status)}`);
    return store.get(orderId);
  }

  /** A shipment cancelled in logistics: the order is cancelled, or failed while being placed. */
  async function shipmentCancelled(order: OrderView, event: ShipmentEvent): Promise<OrderView> {
    const reason = `its shipment ${event.shipmentId} was cancelled`;
    if (order.status === 'cancelled' || order.status === 'failed') return order;
    if (order.status === 'pending') {
      // Lost to a move made since the read (confirmed, say): apply it to where the order is now.
      if (!(await placing.abandon(order.id, reason))) return recordShipmentEvent(order.id, event);
    } else if (order.status === 'confirmed') {
      await cancelled(order.id, reason);
    } else {
      throw new Conflict(`Order ${order.id} is ${order.status}; its shipment cannot be cancelled`, {
        currentStatus: order.status,
      });
    }
    return store.get(order.id);
  }

  /** Cancels the order's shipments; logistics' rejection (one has left) is reported with the order's status. */
  async function cancelShipments(orderId: number): Promise<void> {
    try {
      await neighbours.cancelShipments(orderId);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      const { status } = await store.get(orderId);
      const { shipmentId, currentStatus: shipmentStatus } = error.details;
      throw new Conflict(
        `Order ${orderId} is ${status} and its shipment ${String(shipmentId)} is ${String(shipmentStatus)}; it cannot be cancelled`,
        { currentStatus: status, shipmentId, shipmentStatus },
      );
    }
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

  /**
   * Moves the order forward to `target`, through shipped on the way to delivered. A report
   * racing this one may have made a move already, or gone further: that is done, not a conflict.
   */
  async function advance(orderId: number, target: ShippingProgress, reason: string): Promise<void> {
    const steps: ShippingProgress[] = target === 'delivered' ? ['shipped', 'delivered'] : [target];
    for (const step of steps) {
      const outcome = await transition(db.prisma, orderId, before(step), step, reason);
      const current = outcome.moved ? step : (outcome.current as OrderStatus);
      if (!reached(current, step)) {
        throw new Conflict(`Order ${orderId} is ${current}; it cannot become ${step}`, {
          currentStatus: current,
        });
      }
    }
  }
}

function inWords(status: ReportedStatus): string {
  return status === 'in_transit' ? 'in transit' : 'delivered';
}

export type OrderLifecycle = ReturnType<typeof orderLifecycle>;
