// Per-request DataLoaders: N orders, the orders of N customers, or the
// history, returns or allocations of N orders, cost a fixed number of queries however large N is.
import type { Database } from '@supply/service-kit/database';
import { batched } from '@supply/service-kit/limits';
import { decodeCursor, type Page } from '@supply/service-kit/pagination';
import DataLoader from 'dataloader';
import { customerPages } from './order-reads.ts';
import type { Allocation, OrderSummary, StatusChange } from './order-view.ts';
import type { ReturnView } from './return-store.ts';
import type { OrderReturns } from './returns.ts';
import type { OrderStatus } from './status-machine.ts';
import type { SupplyOrders } from './supply-orders.ts';

export interface CustomerOrdersKey {
  customerId: number;
  first: number;
  after?: string | null | undefined;
  status?: OrderStatus | null | undefined;
}

export function createLoaders(db: Database, orders: SupplyOrders, returns: OrderReturns) {
  /** The first page of each customer's orders: one windowed read per distinct page shape. */
  async function ordersOfCustomers(keys: readonly CustomerOrdersKey[]): Promise<Array<Page<OrderSummary>>> {
    const shapes = new Map<string, CustomerOrdersKey[]>();
    for (const key of keys) {
      const shape = JSON.stringify([key.first, key.after ?? null, key.status ?? null]);
      shapes.set(shape, [...(shapes.get(shape) ?? []), key]);
    }
    const pages = new Map<CustomerOrdersKey, Page<OrderSummary>>();
    for (const group of shapes.values()) {
      const [{ first, after, status }] = group as [CustomerOrdersKey];
      const page = { limit: first, after: decodeCursor(after, 'after'), status };
      const customerIds = group.map((key) => key.customerId);
      const found = await customerPages(db, customerIds, page);
      for (const [i, key] of group.entries()) pages.set(key, found[i]!);
    }
    return keys.map((key) => pages.get(key) ?? { items: [], nextCursor: null });
  }

  return {
    order: new DataLoader<number, OrderSummary | null>((ids) => orders.getMany(ids), batched),
    history: new DataLoader<number, StatusChange[]>((ids) => orders.historyOf(ids), batched),
    returns: new DataLoader<number, ReturnView[]>((ids) => returns.ofOrders(ids), batched),
    allocations: new DataLoader<number, Map<number, Allocation[]>>(
      (ids) => orders.allocationsOf(ids),
      batched,
    ),
    customerOrders: new DataLoader(ordersOfCustomers, {
      ...batched,
      cacheKeyFn: (key) => JSON.stringify([key.customerId, key.first, key.after ?? null, key.status ?? null]),
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
