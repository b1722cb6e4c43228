// The order-service domain's one door: REST routes and GraphQL resolvers both
// call these functions, so a rule fixed here is fixed for both.
import type { Database } from '@supply/service-kit/database';
import { withDeadline } from '@supply/service-kit/deadline';
import type { Logger } from '@supply/service-kit/logger';
import { withLinkedSpan } from '@supply/service-kit/telemetry';
import { idempotency } from './idempotency.ts';
import { orderLifecycle } from './lifecycle.ts';
import type { Neighbours } from './neighbours.ts';
import type { OrderView } from './order-view.ts';
import { ordersStore } from './orders.ts';
import { cancelledWhilePlaced, orderPlacing, type PlaceOrderInput } from './placing.ts';

export interface OrderOptions {
  /** The bound on placing one order, from its first caller's view (ORDER_TIMEOUT_MS). */
  orderTimeoutMs: number;
}

export const INTERRUPTED = 'interrupted before it was confirmed; stock released';
// A lease outlives any placement by this much, so only a dead owner loses its key.
const LEASE_MARGIN_MS = 5_000;

export function supplyOrders(db: Database, neighbours: Neighbours, logger: Logger, options: OrderOptions) {
  const store = ordersStore(db);
  const placing = orderPlacing({ db, neighbours, logger });
  const lifecycle = orderLifecycle({ db, store, neighbours, placing });
  const keys = idempotency(db, { leaseMs: options.orderTimeoutMs + LEASE_MARGIN_MS, logger });

  /**
   * Fails an order its saga left (its process or its lease ended) and undoes it, in a span
   * linked to the trace that placed it; true when this call failed it.
   */
  const recover = (orderId: number, traceParent: string | null) =>
    withLinkedSpan('settle abandoned order', traceParent, () => placing.abandon(orderId, INTERRUPTED), {
      attributes: { 'order.id': orderId },
    });

  /**
   * The response a key whose owner died stands for: its order once settled, undefined if it
   * failed, or the live path's 409 if it was cancelled before it was ever confirmed.
   */
  async function settle(orderId: number, traceParent: string | null): Promise<OrderView | undefined> {
    await recover(orderId, traceParent);
    const order = await store.get(orderId);
    if (order.status === 'failed') return undefined;
    if (!order.history.some((change) => change.to === 'confirmed')) throw cancelledWhilePlaced(orderId);
    return order;
  }

  return {
    get: store.get,
    getMany: store.getMany,
    list: store.list,
    listSummaries: store.listSummaries,
    historyOf: store.historyOf,
    allocationsOf: store.allocationsOf,
    /** Places an order within ORDER_TIMEOUT_MS (or the caller's earlier deadline); a key replays the first response. */
    place: (input: PlaceOrderInput, idempotencyKey?: string) =>
      withDeadline(options.orderTimeoutMs, () =>
        idempotencyKey
          ? keys.run(idempotencyKey, input, (claim) => placing.place(input, claim), settle)
          : placing.place(input),
      ),
    cancel: lifecycle.cancel,
    recordShipmentEvent: lifecycle.recordShipmentEvent,
    /** Releases what a failed or cancelled order still holds (the recovery sweep's share). */
    compensate: placing.compensate,
    recover,
    /** Settles keys whose owner died, and forgets old ones (the recovery sweep's share). */
    sweepKeys: () => keys.sweep(settle),
  };
}

export type SupplyOrders = ReturnType<typeof supplyOrders>;
