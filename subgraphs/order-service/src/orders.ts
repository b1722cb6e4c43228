// Orders as stored: their representation, reads, and the status machine.
// Every status change goes through `transition`: one statement locks the
// order's row, checks the move against the machine, and writes the change and
// its history row, so no disallowed move is ever written, whatever runs at the
// same time.
import { type Database, Prisma as Sql, type Transaction } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Prisma } from '@supply/service-kit/generated/prisma/client';
import { decodeCursor, type Page, toPage } from '@supply/service-kit/pagination';
import { inPageOrder, type SyncQuery, updatedPage } from '@supply/service-kit/sync';
import type { AddressInput } from '@supply/service-kit/validation';

export const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'shipped',
  'delivered',
  'cancelled',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The moves the contract allows: pending → confirmed → shipped → delivered, pending|confirmed → cancelled, pending → failed. */
export const MOVES: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['confirmed', 'cancelled', 'failed'],
  confirmed: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
  failed: [],
};

export interface OrderItemView {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

export interface ShipmentSummary {
  id: number;
  carrier: string;
  serviceLevel: string;
  trackingNumber: string;
  status: string;
  estimatedDeliveryDate: string;
  costCents: number;
  currency: string;
}

export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  at: Date;
}

export interface OrderView {
  id: number;
  customerId: number;
  status: OrderStatus;
  serviceLevel: 'standard' | 'express';
  shippingAddress: AddressInput;
  items: OrderItemView[];
  totalCents: number;
  currency: string;
  failureReason: string | null;
  shipment: ShipmentSummary | null;
  history: StatusChange[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An order as GraphQL reads it: the history is loaded only when the field is
 * selected, and the shipment summary is REST's alone.
 */
export type OrderSummary = Omit<OrderView, 'shipment' | 'history'>;

const summaryInclude = {
  items: { orderBy: { productId: 'asc' } },
} satisfies Prisma.OrderInclude;

export const orderInclude = {
  ...summaryInclude,
  shipments: { orderBy: { id: 'desc' } },
  statusHistory: { orderBy: { id: 'asc' } },
} satisfies Prisma.OrderInclude;

type SummaryRow = Prisma.OrderGetPayload<{ include: typeof summaryInclude }>;
type OrderRow = Prisma.OrderGetPayload<{ include: typeof orderInclude }>;
type StatusChangeRow = OrderRow['statusHistory'][number];

export function toOrderSummary(row: SummaryRow): OrderSummary {
  return {
    id: row.id,
    customerId: row.customerId,
    status: row.status as OrderStatus,
    serviceLevel: row.serviceLevel as OrderView['serviceLevel'],
    shippingAddress: {
      line1: row.shippingLine1,
      city: row.shippingCity,
      postalCode: row.shippingPostalCode,
      country: row.shippingCountry,
    },
    items: row.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      unitPriceCents: item.unitPriceCents,
      lineTotalCents: item.quantity * item.unitPriceCents,
    })),
    totalCents: row.totalCents,
    currency: row.currency,
    failureReason: row.failureReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toOrderView(row: OrderRow): OrderView {
  // The live shipment if there is one, else the latest cancelled one.
  const shipment = row.shipments.find((s) => s.status !== 'cancelled') ?? row.shipments[0];
  return wholeOrder(
    toOrderSummary(row),
    shipment
      ? toShipmentSummary({
          ...shipment,
          estimatedDeliveryDate: shipment.estimatedDeliveryDate.toISOString().slice(0, 10),
        })
      : null,
    row.statusHistory.map(toStatusChange),
  );
}

/** The whole order from its parts, whether read back or already in hand. */
export function wholeOrder(
  order: OrderSummary,
  shipment: ShipmentSummary | null,
  history: StatusChange[],
): OrderView {
  // Taken apart so the timestamps stay last, where REST answers have always had them.
  const { createdAt, updatedAt, ...summary } = order;
  return { ...summary, shipment, history, createdAt, updatedAt };
}

/** The summary's fields alone, in the order REST answers them, from a row or logistics' answer. */
export function toShipmentSummary(shipment: ShipmentSummary): ShipmentSummary {
  return {
    id: shipment.id,
    carrier: shipment.carrier,
    serviceLevel: shipment.serviceLevel,
    trackingNumber: shipment.trackingNumber,
    status: shipment.status,
    estimatedDeliveryDate: shipment.estimatedDeliveryDate,
    costCents: shipment.costCents,
    currency: shipment.currency,
  };
}

function toStatusChange(change: StatusChangeRow): StatusChange {
  return {
    from: change.fromStatus as OrderStatus | null,
    to: change.toStatus as OrderStatus,
    reason: change.reason,
    at: change.changedAt,
  };
}

export interface OrderFilter extends Partial<Pick<SyncQuery, 'updatedSince' | 'sort'>> {
  status?: OrderStatus | undefined;
  customerId?: number | undefined;
  limit: number;
  cursor?: string | null | undefined;
}

/** A move made: the order's changed columns and its history row. */
export interface Moved {
  status: OrderStatus;
  failureReason: string | null;
  updatedAt: Date;
  change: StatusChange;
}

/** What `transition` did: the move, or where the order stands (null: no such order). */
export type MoveOutcome = { moved: Moved } | { moved: null; current: OrderStatus | null };

/**
 * Moves an order from one of `from` to `to` and records the change, in one
 * statement. A move racing another waits for the row lock, and is checked
 * against the status the lock returns (the latest): the UPDATE's own
 * snapshot of the row may be older, so no condition reads it. When the order
 * was not in any of `from`, nothing is written.
 */
export async function transition(
  client: Transaction,
  orderId: number,
  from: readonly OrderStatus[],
  to: OrderStatus,
  reason: string | null = null,
): Promise<MoveOutcome> {
  const legal = from.filter((status) => MOVES[status].includes(to));
  const [row] = await client.$queryRaw<
    Array<{
      current: OrderStatus;
      failureReason: string | null;
      updatedAt: Date | null;
      changedAt: Date | null;
    }>
  >`
    WITH prev AS (
      SELECT id, status FROM orders WHERE id = ${orderId} FOR UPDATE
    ), moved AS (
      UPDATE orders o SET status = ${to}, failure_reason = ${to === 'failed' ? reason : null}
      FROM prev WHERE o.id = prev.id AND prev.status = ANY(${legal}::text[])
      RETURNING o.id, prev.status AS from_status, o.failure_reason, o.updated_at
    ), logged AS (
      INSERT INTO order_status_history (order_id, from_status, to_status, reason)
      SELECT id, from_status, ${to}::text, ${reason}::text FROM moved
      RETURNING changed_at
    )
    SELECT prev.status AS "current", moved.failure_reason AS "failureReason",
      moved.updated_at AS "updatedAt", logged.changed_at AS "changedAt"
    FROM prev LEFT JOIN moved ON true LEFT JOIN logged ON true`;
  if (!row?.updatedAt || !row.changedAt) return { moved: null, current: row?.current ?? null };
  return {
    moved: {
      status: to,
      failureReason: row.failureReason,
      updatedAt: row.updatedAt,
      change: { from: row.current, to, reason, at: row.changedAt },
    },
  };
}

/** Where, order and size of a page of orders; `take` reads one more to tell whether another page follows. */
function pageQuery(filter: OrderFilter) {
  const after = decodeCursor(filter.cursor);
  return {
    where: {
      ...(after !== undefined && { id: { gt: after } }),
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
  const page = await updatedPage(db, 'orders', where, { ...filter, cursor: filter.cursor ?? undefined });
  return { items: inPageOrder(page.items, await read(page.items)), nextCursor: page.nextCursor };
}

export function ordersStore(db: Database) {
  const { prisma } = db;
  return {
    /** The whole order, as REST and mutations answer it. */
    async get(id: number): Promise<OrderView> {
      const row = await prisma.order.findUnique({ where: { id }, include: orderInclude });
      if (!row) throw new NotFound(`Order ${id} does not exist`);
      return toOrderView(row);
    },

    /** The orders with these ids, in the same order; null where none exists. */
    async getMany(ids: readonly number[]): Promise<Array<OrderSummary | null>> {
      const rows = await prisma.order.findMany({ where: { id: { in: [...ids] } }, include: summaryInclude });
      const byId = new Map(rows.map((row) => [row.id, toOrderSummary(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    },

    /** A page of whole orders, as REST answers it. */
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
