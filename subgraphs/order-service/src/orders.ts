// Orders as stored: their representation, reads, and the status machine.
// Every status change goes through `transition`: the order's row is locked,
// the move checked against the machine, and the change and its history row
// written in one transaction, so no disallowed move is ever written, whatever
// runs at the same time.
import type { Database } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Prisma } from '@supply/service-kit/generated/prisma/client';
import { decodeCursor, type Page, toPage } from '@supply/service-kit/pagination';
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
type ShipmentRow = OrderRow['shipments'][number];
type Tx = Prisma.TransactionClient;

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
  // Taken apart so the timestamps stay last, where REST answers have always had them.
  const { createdAt, updatedAt, ...summary } = toOrderSummary(row);
  // The live shipment if there is one, else the latest cancelled one.
  const shipment = row.shipments.find((s) => s.status !== 'cancelled') ?? row.shipments[0];
  return {
    ...summary,
    shipment: shipment ? toShipmentSummary(shipment) : null,
    history: row.statusHistory.map(toStatusChange),
    createdAt,
    updatedAt,
  };
}

function toShipmentSummary(shipment: ShipmentRow): ShipmentSummary {
  return {
    id: shipment.id,
    carrier: shipment.carrier,
    serviceLevel: shipment.serviceLevel,
    trackingNumber: shipment.trackingNumber,
    status: shipment.status,
    estimatedDeliveryDate: shipment.estimatedDeliveryDate.toISOString().slice(0, 10),
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

export interface OrderFilter {
  status?: OrderStatus | undefined;
  customerId?: number | undefined;
  limit: number;
  cursor?: string | null | undefined;
}

/**
 * Moves an order from one of `from` to `to` and records the change. Returns
 * false when the order was not in any of `from` (someone else moved it).
 */
export async function transition(
  tx: Tx,
  orderId: number,
  from: readonly OrderStatus[],
  to: OrderStatus,
  reason: string | null = null,
): Promise<boolean> {
  const [row] = await tx.$queryRaw<Array<{ status: OrderStatus }>>`
    SELECT status FROM orders WHERE id = ${orderId} FOR UPDATE`;
  if (!row || !from.includes(row.status) || !MOVES[row.status].includes(to)) return false;
  await tx.order.update({
    where: { id: orderId },
    data: { status: to, failureReason: to === 'failed' ? reason : null },
  });
  await tx.orderStatusHistory.create({ data: { orderId, fromStatus: row.status, toStatus: to, reason } });
  return true;
}

/** Where, order and size of a page of orders; `take` reads one more to tell whether another page follows. */
function pageQuery(filter: OrderFilter) {
  const after = decodeCursor(filter.cursor);
  return {
    where: {
      ...(after !== undefined && { id: { gt: after } }),
      ...(filter.status && { status: filter.status }),
      ...(filter.customerId !== undefined && { customerId: filter.customerId }),
    },
    orderBy: { id: 'asc' },
    take: filter.limit + 1,
  } satisfies Prisma.OrderFindManyArgs;
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
      const rows = await prisma.order.findMany({ ...pageQuery(filter), include: orderInclude });
      const page = toPage(rows, filter.limit);
      return { items: page.items.map(toOrderView), nextCursor: page.nextCursor };
    },

    /** A page of orders with their items only, for GraphQL. */
    async listSummaries(filter: OrderFilter): Promise<Page<OrderSummary>> {
      const rows = await prisma.order.findMany({ ...pageQuery(filter), include: summaryInclude });
      const page = toPage(rows, filter.limit);
      return { items: page.items.map(toOrderSummary), nextCursor: page.nextCursor };
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
      const moved = await prisma.$transaction((tx) => transition(tx, orderId, from, to, reason ?? null));
      if (!moved) {
        const current = await prisma.order.findUnique({ where: { id: orderId }, select: { status: true } });
        if (!current) throw new NotFound(`Order ${orderId} does not exist`);
        throw new Conflict(`Order ${orderId} is ${current.status}; it cannot become ${to}`, {
          currentStatus: current.status,
        });
      }
    },
  };
}

export type OrdersStore = ReturnType<typeof ordersStore>;
