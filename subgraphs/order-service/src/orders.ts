// Orders as stored: reads (one order, pages, histories) and the checked move.
import { type Database, Prisma as Sql } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import { groupedInOrder } from '@supply/service-kit/lists';
import type { Page, PageRequest } from '@supply/service-kit/pagination';
import { inPageOrder, type SyncQuery, updatedPage } from '@supply/service-kit/sync';
import { orderPage, ordersByIds } from './order-reads.ts';
import {
  type Allocation,
  fullOrder,
  type OrderSummary,
  type OrderView,
  type ShipmentSummary,
  type StatusChange,
  toShipmentSummary,
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

  /** The orders made whole: allocations, shipments and history, one statement each, read side by side. */
  async function whole(orders: Array<OrderSummary | null>): Promise<OrderView[]> {
    const found = orders.filter((order): order is OrderSummary => order !== null);
    if (found.length === 0) return [];
    const ids = found.map((order) => order.id);
    const [allocations, shipments, history] = await Promise.all([
      store.allocationsOf(ids),
      shipmentsOf(ids),
      store.historyOf(ids),
    ]);
    return found.map((order, i) => fullOrder(order, allocations[i]!, shipments[i]!, history[i]!));
  }

  /** Each of these orders' shipments, in id order, read in one statement. */
  async function shipmentsOf(orderIds: readonly number[]): Promise<ShipmentSummary[][]> {
    const rows = await prisma.shipment.findMany({
      where: { orderId: { in: [...orderIds] } },
      orderBy: { id: 'asc' },
    });
    return groupedInOrder(
      orderIds,
      rows,
      (row) => row.orderId,
      (row) =>
        toShipmentSummary({
          ...row,
          estimatedDeliveryDate: row.estimatedDeliveryDate.toISOString().slice(0, 10),
        }),
    );
  }

  const store = {
    /** The whole order, as REST and mutations respond with it. */
    async get(id: number): Promise<OrderView> {
      const [order] = await whole(await ordersByIds(db, [id]));
      if (!order) throw new NotFound(`Order ${id} does not exist`);
      return order;
    },

    /** The orders with these ids, in the same order; null where none exists. */
    getMany: (ids: readonly number[]) => ordersByIds(db, ids),

    /** A page of whole orders, as REST responds with it: the page GraphQL reads, made whole. */
    async list(filter: OrderFilter): Promise<Page<OrderView>> {
      if (filter.sort === 'updatedAt') {
        return updatedOrders(db, filter, async (ids) => whole(await ordersByIds(db, ids)));
      }
      const page = await orderPage(db, filter);
      return { items: await whole(page.items), nextCursor: page.nextCursor };
    },

    /** A page of orders with their items only, for GraphQL. */
    listSummaries: (filter: OrderFilter) => orderPage(db, filter),

    /** The history of each of these orders, oldest first, read in one statement. */
    async historyOf(orderIds: readonly number[]): Promise<StatusChange[][]> {
      const rows = await prisma.orderStatusHistory.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: { id: 'asc' },
      });
      return groupedInOrder(orderIds, rows, (row) => row.orderId, toStatusChange);
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
  return store;
}

export type OrdersStore = ReturnType<typeof ordersStore>;
