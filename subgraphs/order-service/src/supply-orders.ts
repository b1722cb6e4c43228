// The order-service domain's one door: REST routes and GraphQL resolvers both
// call these functions, so a rule fixed here is fixed for both.
import type { Database } from '@supply/service-kit/database';
import type { Logger } from '@supply/service-kit/logger';
import { type Idempotency, idempotency } from './idempotency.ts';
import { orderLifecycle } from './lifecycle.ts';
import type { Neighbours } from './neighbours.ts';
import { ordersStore } from './orders.ts';
import { orderPlacing, type PlaceOrderInput } from './placing.ts';

export function supplyOrders(db: Database, neighbours: Neighbours, logger: Logger) {
  const store = ordersStore(db);
  const placing = orderPlacing({ db, neighbours, logger });
  const lifecycle = orderLifecycle({ db, store, neighbours });
  const keys: Idempotency = idempotency(db, { waitMs: 30_000 });
  return {
    get: store.get,
    getMany: store.getMany,
    list: store.list,
    listSummaries: store.listSummaries,
    historyOf: store.historyOf,
    /** Places an order; with a key, a replay answers the first result. */
    place: (input: PlaceOrderInput, idempotencyKey?: string) =>
      idempotencyKey
        ? keys.run(idempotencyKey, input, (claim) => placing.place(input, claim))
        : placing.place(input),
    cancel: lifecycle.cancel,
    recordShipmentEvent: lifecycle.recordShipmentEvent,
    placing,
  };
}

export type SupplyOrders = ReturnType<typeof supplyOrders>;
