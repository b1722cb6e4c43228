// Orders as stored: reads (one order, pages, histories) and the checked move.
import { type Database, Prisma as Sql } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Prisma } from '@supply/service-kit/generated/prisma/client';
import { inIdOrder } from '@supply/service-kit/lists';
import { type Page, type PageRequest, toPage } from '@supply/service-kit/pagination';
import { inPageOrder, type SyncQuery, updatedPage } from '@supply/service-kit/sync';
import {
  type Allocation,
  type OrderSummary,
  type OrderView,
  orderInclude,
  type StatusChange,
  summaryInclude,
  toOrderSummary,
  toOrderView,
  toStatusChange,
} from './order-view.ts';
import type { OrderStatus } from './status-machine.ts';
import { transition } from './transition.ts';

export interface OrderFilter extends Partial<Pick<SyncQuery, 'updatedSince' | 'sort'>>, PageRequest {
  status?: OrderStatus | undefined;
  customerId?: number | undefined;
  /** A sort=updatedAt cursor (sync.ts); with sort=id the page starts `after` an id. */
  cursor?: string | undefined;
}

/** Where, order and size of a page of orders; `take` reads one more to tell whether another page follows. */
function pageQuery(filter: OrderFilter) {
  return {
    where: {
      ...(filter.after !== undefined && { id: { gt: filter.after } }),
      ...(filter.status && { status: filter.status }),
      ...(filter.customerId !== undefined && { customerId: filter.customerId }),
      ...(filter.updatedSince && { updatedAt: { gte: filter.updatedSince } }),
    },
    orderBy: { id: 'asc' },
    take: filter.limit + 1,
  } satisfies Prisma.OrderFindManyArgs;
}

/** A sync page: ids by (updated_at, id), then the rows. */
async function updatedOrders<T extends { id: number }>(
  db: Database,
  filter: OrderFilter,
  read: (ids: number[]) => Promise<T[]>,
): Promise<Page<T>> {
  const where = [Sql.sql`TRUE`];
  if (filter.status) where.push(Sql.sql`status = ${filter.status}`);
  if (filter.customerId !== undefined) where.push(Sql.sql`customer_id = ${filter.customerId}`);
  const page = await updatedPage(db, 'orders', where, filter);
  return { items: inPageOrder(page.items, await read(page.items)), nextCursor: page.nextCursor };
}

export function ordersStore(db: Database) {
  const { prisma } = db;
  return {
    /** The whole order, as REST and mutations respond with it. */
    async get(id: number): Promise<OrderView> {
      const row = await prisma.order.findUnique({ where: { id }, include: orderInclude });
      if (!row) throw new NotFound(`Order ${id} does not exist`);
      return toOrderView(row);
    },

    /** The orders with these ids, in the same order; null where none exists. */
    async getMany(ids: readonly number[]): Promise<Array<OrderSummary | null>> {
      const rows = await prisma.order.findMany({ where: { id: { in: [...ids] } }, include: summaryInclude });
      return inIdOrder(ids, rows, toOrderSummary);
    },

    /** A page of whole orders, as REST responds with it. */
    async list(filter: OrderFilter): Promise<Page<OrderView>> {
      if (filter.sort === 'updatedAt') {
        return updatedOrders(db, filter, async (ids) =>
          (await prisma.order.findMany({ where: { id: { in: ids } }, include: orderInclude })).map(
            toOrderView,
          ),
        );
      }
      const rows = await prisma.order.findMany({ ...pageQuery(filter), include: orderInclude });
      return toPage(rows.map(toOrderView), filter.limit);
    },

    /** A page of orders with their items only, for GraphQL. */
    async listSummaries(filter: OrderFilter): Promise<Page<OrderSummary>> {
      const rows = await prisma.order.findMany({ ...pageQuery(filter), include: summaryInclude });
      return toPage(rows.map(toOrderSummary), filter.limit);
    },

    /** The history of each of these orders, oldest first, read in one statement. */
    async historyOf(orderIds: readonly number[]): Promise<StatusChange[][]> {
      const rows = await prisma.orderStatusHistory.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: { id: 'asc' },
      });
      const byOrder = new Map<number, StatusChange[]>(orderIds.map((id) => [id, []]));
      for (const row of rows) byOrder.get(row.orderId)?.push(toStatusChange(row));
      return orderIds.map((id) => byOrder.get(id) ?? []);
    },

    /** Each of these orders' allocations by product, in warehouse order, read in one statement. */
    async allocationsOf(orderIds: readonly number[]): Promise<Array<Map<number, Allocation[]>>> {
      const rows = await prisma.orderItemAllocation.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: [{ productId: 'asc' }, { warehouseId: 'asc' }],
      });
      const byOrder = new Map<number, Map<number, Allocation[]>>(orderIds.map((id) => [id, new Map()]));
      for (const { orderId, productId, warehouseId, quantity } of rows) {
        const lines = byOrder.get(orderId);
        lines?.set(productId, [...(lines.get(productId) ?? []), { warehouseId, quantity }]);
      }
      return orderIds.map((id) => byOrder.get(id) ?? new Map());
    },

    /** Moves the order or throws Conflict naming where it stands. */
    async move(
      orderId: number,
      from: readonly OrderStatus[],
      to: OrderStatus,
      reason?: string,
    ): Promise<void> {
      const outcome = await transition(prisma, orderId, from, to, reason ?? null);
      if (!outcome.moved) {
        const { current } = outcome;
        if (!current) throw new NotFound(`Order ${orderId} does not exist`);
        throw new Conflict(`Order ${orderId} is ${current}; it cannot become ${to}`, {
          currentStatus: current,
        });
      }
    },
  };
}

export type OrdersStore = ReturnType<typeof ordersStore>;
