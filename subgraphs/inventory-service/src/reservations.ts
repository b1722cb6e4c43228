// Reservations: stock held for an order, all of its lines or none. One per
// order: its primary key decides who does the work when repeats race. It
// moves from reserved to released (stock back) or committed (goods left).

import type { Database } from '@supply/service-kit/database';
import { inTransaction, mapViolations, Prisma, type Transaction } from '@supply/service-kit/database';
import { Conflict, Invalid, NotFound } from '@supply/service-kit/errors';
import type { Reservation as ReservationRow } from '@supply/service-kit/generated/prisma/client';
import { mergeByProduct } from '@supply/service-kit/lists';
import { idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import type { Allocation } from './allocation.ts';
import {
  chooseHolds,
  claimLockingProducts,
  type HeldFor,
  holdStock,
  releaseStock,
  shipStock,
} from './holds.ts';
import type { StockItem } from './inventory.ts';

const MAX_QUANTITY = 2_147_483_647;

export const reservationInput = z
  .object({
    orderId: idSchema,
    items: z
      .array(
        z
          .object({
            productId: idSchema,
            quantity: z.int32('must be a whole number').positive('must be more than 0'),
          })
          .strict(),
      )
      .min(1, 'must hold at least one item')
      .max(100, 'must hold at most 100 items'),
    /** Where the goods go (ISO 3166-1 alpha-2): warehouses in that country are preferred. */
    destinationCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. NL')
      .optional(),
  })
  .strict();
export type ReservationInput = z.output<typeof reservationInput>;

/** A reserved line with the warehouses it is held in. */
export type ReservedItem = StockItem & { allocations: Array<{ warehouseId: number; quantity: number }> };

export type Reservation = Pick<ReservationRow, 'orderId' | 'status' | 'createdAt' | 'updatedAt'> & {
  items: ReservedItem[];
};

type Status = 'reserved' | 'released' | 'committed';

export function reservationsDomain(db: Database) {
  return {
    reserve: (input: ReservationInput) => reserve(db, input),
    get: (orderId: number) => getReservation(db, orderId),
    release: (orderId: number) => release(db, orderId),
    commit: (orderId: number) => commit(db, orderId),
  };
}

export type ReservationsDomain = ReturnType<typeof reservationsDomain>;

/**
 * Holds every item for the order, or nothing; a repeat answers the reservation as it stands.
 * Three statements in one transaction: claim the order with its products locked, read the
 * stock to choose warehouses, then hold it with the lines and where they are held.
 */
async function reserve(db: Database, input: ReservationInput): Promise<Reservation> {
  const { orderId } = input;
  const items = mergeItems(input.items);
  const orderMissing = () => new NotFound(`Order ${orderId} does not exist`);
  return mapViolations({ foreignKey: orderMissing }, () =>
    inTransaction(db, async (tx) => {
      // Claiming the order first makes a concurrent repeat wait on the primary key until
      // this transaction ends, then read what it left. The order's row is shared-locked
      // (order_status_for_work): an order failed or cancelled meanwhile (a reservation that
      // lands after its saga gave up) holds no stock, and one failing now waits for this one.
      const claimed = await claimLockingProducts<ReservationRow>(
        tx,
        Prisma.sql`
          INSERT INTO reservations (order_id) SELECT ${orderId}::int
          WHERE order_status_for_work(${orderId}) NOT IN ('failed', 'cancelled')
          ON CONFLICT (order_id) DO NOTHING
          RETURNING order_id AS "orderId", status, created_at AS "createdAt", updated_at AS "updatedAt"`,
        items.map((item) => item.productId),
      );
      if (!claimed) return respondToRepeat(tx, orderId, items);
      const allocations = await chooseHolds(tx, items, claimed.lockedProductIds, input.destinationCountry);
      await holdStock(tx, allocations, heldFor(orderId, items, allocations));
      return toReservation(claimed, withAllocations(items, allocations));
    }),
  );
}

/** The reservation's lines and where each is held: written with the hold, in its statement. */
function heldFor(orderId: number, items: StockItem[], allocations: Allocation[]): HeldFor {
  return [
    Prisma.sql`
      INSERT INTO reservation_items (order_id, product_id, quantity)
      SELECT ${orderId}::int, * FROM unnest(${items.map((i) => i.productId)}::int[],
        ${items.map((i) => i.quantity)}::int[])`,
    Prisma.sql`
      INSERT INTO reservation_allocations (order_id, product_id, warehouse_id, quantity)
      SELECT ${orderId}::int, * FROM unnest(${allocations.map((a) => a.productId)}::int[],
        ${allocations.map((a) => a.warehouseId)}::int[], ${allocations.map((a) => a.quantity)}::int[])`,
  ];
}

/** One line per product (mergeByProduct), each within MAX_QUANTITY once summed. */
function mergeItems(items: StockItem[]): StockItem[] {
  const merged = mergeByProduct(items);
  const tooMany = merged.find((item) => item.quantity > MAX_QUANTITY);
  if (tooMany) {
    const message = `the quantities of product ${tooMany.productId} add up to more than ${MAX_QUANTITY}`;
    throw new Invalid(`Invalid input: items: ${message}`, [{ field: 'items', message }]);
  }
  return merged;
}

async function respondToRepeat(tx: Transaction, orderId: number, items: StockItem[]): Promise<Reservation> {
  const existing = await findReservation(tx, orderId);
  if (!existing) {
    const [order] = await tx.$queryRaw<Array<{ status: string | null }>>`
      SELECT order_status_for_work(${orderId}) AS status`;
    if (!order?.status) throw new NotFound(`Order ${orderId} does not exist`);
    throw new Conflict(`Order ${orderId} is ${order.status}; it holds no stock`, {
      currentStatus: order.status,
    });
  }
  const same =
    existing.items.length === items.length &&
    existing.items.every(
      (line, i) => line.productId === items[i]?.productId && line.quantity === items[i].quantity,
    );
  if (!same) throw new Conflict(`Order ${orderId} already has a reservation, for other items`);
  return existing;
}

async function getReservation(db: Database, orderId: number): Promise<Reservation> {
  const reservation = await findReservation(db.prisma, orderId);
  if (!reservation) throw new NotFound(`Order ${orderId} has no reservation`);
  return reservation;
}

/** Gives the stock back; releasing twice, or what was never reserved, changes nothing. */
async function release(db: Database, orderId: number): Promise<void> {
  await mapViolations(() =>
    inTransaction(db, async (tx) => {
      const reservation = await lockReservation(tx, orderId);
      if (!reservation || reservation.status === 'released') return;
      if (reservation.status === 'committed') {
        throw new Conflict(`The reservation for order ${orderId} is committed: its goods have left`);
      }
      await releaseStock(tx, allocationsOf(reservation));
      await setStatus(tx, orderId, 'released');
    }),
  );
}

/** The goods left: on hand and reserved both drop. Committing twice changes nothing. */
async function commit(db: Database, orderId: number): Promise<Reservation> {
  return mapViolations(() =>
    inTransaction(db, async (tx) => {
      const reservation = await lockReservation(tx, orderId);
      if (!reservation) throw new NotFound(`Order ${orderId} has no reservation`);
      if (reservation.status === 'committed') return reservation;
      if (reservation.status === 'released') {
        throw new Conflict(`The reservation for order ${orderId} was released; there is nothing to commit`);
      }
      await shipStock(tx, allocationsOf(reservation));
      return setStatus(tx, orderId, 'committed');
    }),
  );
}

const ITEMS = {
  select: {
    productId: true,
    quantity: true,
    allocations: { select: { warehouseId: true, quantity: true }, orderBy: { warehouseId: 'asc' } },
  },
  orderBy: { productId: 'asc' },
} as const;

function withAllocations(items: StockItem[], allocations: Allocation[]): ReservedItem[] {
  return items.map((item) => ({
    ...item,
    allocations: allocations
      .filter((a) => a.productId === item.productId)
      .map(({ warehouseId, quantity }) => ({ warehouseId, quantity }))
      .sort((a, b) => a.warehouseId - b.warehouseId),
  }));
}

function allocationsOf(reservation: Reservation): Allocation[] {
  return reservation.items.flatMap((item) =>
    item.allocations.map((a) => ({
      productId: item.productId,
      warehouseId: a.warehouseId,
      quantity: a.quantity,
    })),
  );
}

function toReservation(row: Omit<Reservation, 'items'>, items: ReservedItem[]): Reservation {
  return {
    orderId: row.orderId,
    status: row.status,
    items,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

async function findReservation(db: Transaction, orderId: number): Promise<Reservation | null> {
  const row = await db.reservation.findUnique({ where: { orderId }, include: { items: ITEMS } });
  return row && toReservation(row, row.items);
}

/** The reservation, locked until the transaction ends so release and commit never cross. */
async function lockReservation(tx: Transaction, orderId: number): Promise<Reservation | null> {
  await tx.$queryRaw`SELECT 1 FROM reservations WHERE order_id = ${orderId} FOR UPDATE`;
  return findReservation(tx, orderId);
}

async function setStatus(tx: Transaction, orderId: number, status: Status): Promise<Reservation> {
  const row = await tx.reservation.update({
    where: { orderId },
    data: { status },
    include: { items: ITEMS },
  });
  return toReservation(row, row.items);
}
