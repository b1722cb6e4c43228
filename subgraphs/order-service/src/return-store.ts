// Returns as stored: their representation and reads. A return moves from
// requested to received or cancelled; each move's time is a column, and the
// history is read from them.
import type { Database, Transaction } from '@supply/service-kit/database';
import { NotFound } from '@supply/service-kit/errors';
import type { Prisma } from '@supply/service-kit/generated/prisma/client';
import { groupedInOrder } from '@supply/service-kit/lists';
import { type Page, type PageRequest, toPage } from '@supply/service-kit/pagination';

export const RETURN_STATUSES = ['requested', 'received', 'cancelled'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

export interface ReturnItemView {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  /** What arrived, how much of it went back on the shelf, and its refund: null until received. */
  receivedQuantity: number | null;
  restockQuantity: number | null;
  refundCents: number | null;
}

export interface ReturnStatusChange {
  from: ReturnStatus | null;
  to: ReturnStatus;
  at: Date;
}

export interface ReturnView {
  id: number;
  orderId: number;
  status: ReturnStatus;
  reason: string;
  items: ReturnItemView[];
  /** Where restocked units went; null: the warehouses they shipped from. */
  warehouseId: number | null;
  refundCents: number | null;
  currency: string;
  restockedAt: Date | null;
  history: ReturnStatusChange[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ReturnFilter {
  orderId?: number | undefined;
  status?: ReturnStatus | undefined;
}

export const returnInclude = {
  items: { orderBy: { productId: 'asc' } },
} satisfies Prisma.OrderReturnInclude;

type ReturnRow = Prisma.OrderReturnGetPayload<{ include: typeof returnInclude }>;

export function toReturnView(row: ReturnRow): ReturnView {
  const history: ReturnStatusChange[] = [{ from: null, to: 'requested', at: row.createdAt }];
  if (row.receivedAt) history.push({ from: 'requested', to: 'received', at: row.receivedAt });
  if (row.cancelledAt) history.push({ from: 'requested', to: 'cancelled', at: row.cancelledAt });
  return {
    id: row.id,
    orderId: row.orderId,
    status: row.status as ReturnStatus,
    reason: row.reason,
    items: row.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      unitPriceCents: item.unitPriceCents,
      receivedQuantity: item.receivedQuantity,
      restockQuantity: item.restockQuantity,
      refundCents: item.refundCents,
    })),
    warehouseId: row.warehouseId,
    refundCents: row.refundCents,
    currency: row.currency,
    restockedAt: row.restockedAt,
    history,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The return, read in the caller's transaction or on its own. */
export async function readReturn(tx: Transaction, id: number): Promise<ReturnView> {
  const row = await tx.orderReturn.findUnique({ where: { id }, include: returnInclude });
  if (!row) throw new NotFound(`Return ${id} does not exist`);
  return toReturnView(row);
}

export function returnStore(db: Database) {
  const { prisma } = db;
  return {
    get: (id: number) => readReturn(prisma, id),

    /** A page of returns by id, of one order or status when asked. */
    async list(filter: ReturnFilter, { limit, after }: PageRequest): Promise<Page<ReturnView>> {
      const rows = await prisma.orderReturn.findMany({
        where: {
          ...(after !== undefined && { id: { gt: after } }),
          ...(filter.orderId !== undefined && { orderId: filter.orderId }),
          ...(filter.status && { status: filter.status }),
        },
        include: returnInclude,
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
      return toPage(rows.map(toReturnView), limit);
    },

    /** The returns of each of these orders, oldest first, read in one statement. */
    async ofOrders(orderIds: readonly number[]): Promise<ReturnView[][]> {
      const rows = await prisma.orderReturn.findMany({
        where: { orderId: { in: [...orderIds] } },
        include: returnInclude,
        orderBy: { id: 'asc' },
      });
      return groupedInOrder(orderIds, rows, (row) => row.orderId, toReturnView);
    },
  };
}

export type ReturnStore = ReturnType<typeof returnStore>;
