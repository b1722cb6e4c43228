// The shipment domain's one door: booking (booking.ts), reading shipments,
// moving one along the status machine, and cancelling an order's shipments
// all or none. A status move is one conditional UPDATE.
import {
  type Database,
  inTransaction,
  Prisma,
  type Statement,
  type Transaction,
} from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Shipment as ShipmentRow } from '@supply/service-kit/generated/prisma/client';
import { groupedInOrder, inIdOrder } from '@supply/service-kit/lists';
import { type Page, toPage } from '@supply/service-kit/pagination';
import { inPageOrder, updatedPage } from '@supply/service-kit/sync';
import { shipmentBooking } from './booking.ts';
import { isReported, type ReportOutbox } from './reports.ts';
import { SHIPMENT_COLUMNS, type Shipment, toShipment } from './shipment.ts';
import { type Carrier, newTrackingNumber } from './shipping-rules.ts';
import { ALLOWED_FROM, type ShipmentStatus } from './status-machine.ts';

export interface ShipmentFilter {
  orderId?: number | undefined;
  status?: ShipmentStatus | undefined;
  /** Only shipments with a larger id (the decoded cursor). */
  after?: number | undefined;
  updatedSince?: Date | undefined;
  limit: number;
}

// The gateway's entity batches, one prepared text each for any number of ids.
const SHIPMENTS_BY_IDS: Statement = {
  text: `SELECT ${SHIPMENT_COLUMNS} FROM shipments WHERE id = ANY($1::int[])`,
};
const SHIPMENTS_OF_ORDERS: Statement = {
  text: `SELECT ${SHIPMENT_COLUMNS} FROM shipments WHERE order_id = ANY($1::int[]) ORDER BY id`,
};

export interface ShipmentsDeps {
  db: Database;
  reports: ReportOutbox;
  newTrackingNumber?: ((carrier: Carrier) => string) | undefined;
}

export function shipmentsDomain({
  db,
  reports,
  newTrackingNumber: tracking = newTrackingNumber,
}: ShipmentsDeps) {
  async function get(id: number): Promise<Shipment> {
    const row = await db.prisma.shipment.findUnique({ where: { id } });
    if (!row) throw new NotFound(`Shipment ${id} does not exist`);
    return toShipment(row);
  }

  /** Why a move did not happen: the shipment is missing, or its status forbids it. */
  async function rejection(id: number, to: ShipmentStatus): Promise<Error> {
    const current = await db.prisma.shipment.findUnique({ where: { id }, select: { status: true } });
    if (!current) return new NotFound(`Shipment ${id} does not exist`);
    return new Conflict(`Shipment ${id} cannot move from ${current.status} to ${to}`, {
      currentStatus: current.status,
      requestedStatus: to,
    });
  }

  return {
    /** Books a shipment for an order from one warehouse (booking.ts). */
    create: shipmentBooking(db, tracking),

    get,

    /** The shipments with these ids, in the same order; null where none exists. */
    async getMany(ids: readonly number[]): Promise<Array<Shipment | null>> {
      const rows = await db.read<ShipmentRow>(SHIPMENTS_BY_IDS, [[...ids]]);
      return inIdOrder(ids, rows, toShipment);
    },

    /** Every shipment of each of these orders, in id order; one query. */
    async ofOrders(orderIds: readonly number[]): Promise<Shipment[][]> {
      const rows = await db.read<ShipmentRow>(SHIPMENTS_OF_ORDERS, [[...orderIds]]);
      return groupedInOrder(orderIds, rows, (row) => row.orderId, toShipment);
    },

    async list(filter: ShipmentFilter): Promise<Page<Shipment>> {
      const rows = await db.prisma.shipment.findMany({
        where: {
          orderId: filter.orderId,
          status: filter.status,
          ...(filter.after !== undefined && { id: { gt: filter.after } }),
          ...(filter.updatedSince && { updatedAt: { gte: filter.updatedSince } }),
        },
        orderBy: { id: 'asc' },
        take: filter.limit + 1,
      });
      return toPage(rows.map(toShipment), filter.limit);
    },

    /** A sync page ordered by (updatedAt, id), after the sort=updatedAt `cursor`. */
    async listUpdated(
      filter: Omit<ShipmentFilter, 'after'> & { cursor?: string | undefined },
    ): Promise<Page<Shipment>> {
      const where = [Prisma.sql`TRUE`];
      if (filter.orderId !== undefined) where.push(Prisma.sql`order_id = ${filter.orderId}`);
      if (filter.status) where.push(Prisma.sql`status = ${filter.status}`);
      const page = await updatedPage(db, 'shipments', where, filter);
      const rows = await db.prisma.shipment.findMany({ where: { id: { in: page.items } } });
      return { items: inPageOrder(page.items, rows).map(toShipment), nextCursor: page.nextCursor };
    },

    /**
     * Moves a shipment along the status machine in one conditional UPDATE;
     * moves order-service must hear about are queued in the same transaction
     * and sent once it commits.
     */
    async updateStatus(id: number, to: ShipmentStatus): Promise<Shipment> {
      const moved = await inTransaction(db, async (tx) => {
        if (to === 'cancelled' || to === 'in_transit') {
          // Cancelling and leaving take the same locks as cancelOrder, so they cannot interleave.
          const of = Prisma.sql`(SELECT order_id FROM shipments WHERE id = ${id})`;
          checkSiblings(await lockOrderShipments(tx, of), id, to);
        }
        const [row] = await tx.shipment.updateManyAndReturn({
          where: { id, status: { in: [...ALLOWED_FROM[to]] } },
          data: { status: to },
        });
        if (row && isReported(to)) {
          await reports.record(tx, { shipmentId: row.id, orderId: row.orderId, status: to });
        }
        return row;
      });
      if (!moved) throw await rejection(id, to);
      if (isReported(to)) reports.dispatchSoon(moved.id);
      return toShipment(moved);
    },

    /**
     * Cancels every live shipment of the order, or none: 409 when one has
     * moved. The order's shipments are locked first, so a move racing this
     * waits, then finds its shipment cancelled. Each cancellation is reported
     * to order-service like any other. Cancelling again changes nothing.
     */
    async cancelOrder(orderId: number): Promise<Shipment[]> {
      const rows = await inTransaction(db, async (tx) => {
        rejectIfMoving(await lockOrderShipments(tx, Prisma.sql`${orderId}`));
        const cancelled = await tx.shipment.updateManyAndReturn({
          where: { orderId, status: 'label_created' },
          data: { status: 'cancelled' },
        });
        // Reported as a single cancel is: should order-service fail to record the
        // cancellation after this commits, the report still cancels the order.
        for (const row of cancelled) {
          await reports.record(tx, { shipmentId: row.id, orderId, status: 'cancelled' });
        }
        const all = await tx.shipment.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
        return { all, cancelled };
      });
      for (const row of rows.cancelled) reports.dispatchSoon(row.id);
      return rows.all.map(toShipment);
    },
  };
}

interface Held {
  id: number;
  orderId: number;
  status: ShipmentStatus;
}

/** Locks every shipment of the order, in id order (one order for every caller: no deadlock). */
function lockOrderShipments(tx: Transaction, orderId: Prisma.Sql): Promise<Held[]> {
  return tx.$queryRaw<Held[]>`
    SELECT id, order_id AS "orderId", status FROM shipments
    WHERE order_id = ${orderId} ORDER BY id FOR UPDATE`;
}

/** 409 when one of these shipments has left: an order's shipments are cancelled all or none. */
function rejectIfMoving(held: readonly Held[]): void {
  const moving = held.find((s) => s.status !== 'label_created' && s.status !== 'cancelled');
  if (moving) {
    throw new Conflict(
      `Shipment ${moving.id} of order ${moving.orderId} is ${moving.status}; its shipments cannot be cancelled`,
      { shipmentId: moving.id, currentStatus: moving.status },
    );
  }
}

/**
 * An order's shipments are cancelled all or none: one is cancelled only while none
 * of the others has left, and none leaves once another was cancelled (that cancelled the order).
 */
function checkSiblings(held: readonly Held[], id: number, to: 'cancelled' | 'in_transit'): void {
  const others = held.filter((s) => s.id !== id);
  if (to === 'cancelled') {
    rejectIfMoving(others);
    return;
  }
  const cancelled = others.find((s) => s.status === 'cancelled');
  if (cancelled && held.find((s) => s.id === id)?.status === 'label_created') {
    throw new Conflict(
      `Shipment ${cancelled.id} of order ${cancelled.orderId} was cancelled; its shipments cannot leave`,
      { shipmentId: cancelled.id, currentStatus: cancelled.status },
    );
  }
}

/** The shipment `Order.shipment` shows: the first live one, else the latest cancelled one. */
export function firstShipment(shipments: readonly Shipment[]): Shipment | null {
  return shipments.find((s) => s.status !== 'cancelled') ?? shipments.at(-1) ?? null;
}

export type ShipmentsDomain = ReturnType<typeof shipmentsDomain>;
