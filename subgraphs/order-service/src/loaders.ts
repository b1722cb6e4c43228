// Per-request DataLoaders: N orders, the orders of N customers, or the
// history, returns or allocations of N orders, cost a fixed number of queries however large N is.
import { type Database, Prisma } from '@supply/service-kit/database';
import { batched } from '@supply/service-kit/limits';
import { decodeCursor, type Page, toPage } from '@supply/service-kit/pagination';
import DataLoader from 'dataloader';
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
  /** The first page of each customer's orders: one windowed query per distinct page shape. */
  async function ordersOfCustomers(keys: readonly CustomerOrdersKey[]): Promise<Array<Page<OrderSummary>>> {
    const shapes = new Map<string, CustomerOrdersKey[]>();
    for (const key of keys) {
      const shape = JSON.stringify([key.first, key.after ?? null, key.status ?? null]);
      shapes.set(shape, [...(shapes.get(shape) ?? []), key]);
    }
    const pages = new Map<CustomerOrdersKey, Page<OrderSummary>>();
    for (const group of shapes.values()) {
      const [{ first, after, status }] = group as [CustomerOrdersKey];
      const afterId = decodeCursor(after, 'after') ?? 0;
      const ids = group.map((key) => key.customerId);
      const rows = await db.prisma.$queryRaw<Array<{ id: number }>>`
        SELECT id FROM (
          SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY id) AS n
          FROM orders
          WHERE customer_id = ANY(${ids}::int[]) AND id > ${afterId}
            ${status ? Prisma.sql`AND status = ${status}` : Prisma.empty}
        ) ranked
        WHERE n <= ${first + 1}
        ORDER BY id`;
      const views = (await orders.getMany(rows.map((row) => row.id))).filter(
        (v): v is OrderSummary => v !== null,
      );
      for (const key of group) {
        pages.set(
          key,
          toPage(
            views.filter((view) => view.customerId === key.customerId),
            first,
          ),
        );
      }
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
