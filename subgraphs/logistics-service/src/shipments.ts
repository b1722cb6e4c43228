// The shipment domain: booking a shipment, reading shipments, and the status
// machine. The database settles every race: one live shipment per order is
// the index shipments_live_order_key, and a status move is one conditional UPDATE.
import { type Database, inTransaction, Prisma, SQLSTATE, sqlState } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Shipment as ShipmentRow } from '@supply/service-kit/generated/prisma/client';
import { type Page, toPage } from '@supply/service-kit/pagination';
import { inPageOrder, updatedPage } from '@supply/service-kit/sync';
import { addressSchema, idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import { isReported, type ReportOutbox } from './reports.ts';
import {
  type Carrier,
  newTrackingNumber,
  type Quote,
  quote,
  type ServiceLevel,
  serviceLevels,
} from './shipping-rules.ts';

export const shipmentStatuses = [
  'label_created',
  'in_transit',
  'delivered',
  'exception',
  'cancelled',
] as const;
export type ShipmentStatus = (typeof shipmentStatuses)[number];

// Each status, and the statuses a shipment may reach it from.
const ALLOWED_FROM: Record<ShipmentStatus, readonly ShipmentStatus[]> = {
  label_created: [],
  in_transit: ['label_created', 'exception'],
  delivered: ['in_transit'],
  exception: ['in_transit'],
  cancelled: ['label_created'],
};

export function canMove(from: ShipmentStatus, to: ShipmentStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

export const createShipmentInput = z
  .object({
    orderId: idSchema,
    destination: addressSchema.strict(),
    weightGrams: z
      .number({ error: 'must be a whole number of grams' })
      .int('must be a whole number of grams')
      .positive('must be greater than 0'),
    serviceLevel: z.enum(serviceLevels, { error: `must be one of ${serviceLevels.join(', ')}` }),
  })
  .strict();
export type CreateShipmentInput = z.output<typeof createShipmentInput>;

export interface Shipment {
  id: number;
  orderId: number;
  carrier: string;
  serviceLevel: ServiceLevel;
  trackingNumber: string;
  status: ShipmentStatus;
  destination: { line1: string; city: string; postalCode: string; country: string };
  weightGrams: number;
  costCents: number;
  currency: string;
  /** YYYY-MM-DD */
  estimatedDeliveryDate: string;
  createdAt: Date;
  updatedAt: Date;
}

export function toShipment(row: ShipmentRow): Shipment {
  return {
    id: row.id,
    orderId: row.orderId,
    carrier: row.carrier,
    serviceLevel: row.serviceLevel as ServiceLevel,
    trackingNumber: row.trackingNumber,
    status: row.status as ShipmentStatus,
    destination: {
      line1: row.destinationLine1,
      city: row.destinationCity,
      postalCode: row.destinationPostalCode,
      country: row.destinationCountry,
    },
    weightGrams: row.weightGrams,
    costCents: row.costCents,
    currency: row.currency,
    estimatedDeliveryDate: row.estimatedDeliveryDate.toISOString().slice(0, 10),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The order's live shipment, when a repeated booking asks for the same destination; else 409. */
function sameDestination(live: ShipmentRow, input: CreateShipmentInput) {
  const d = input.destination;
  const same =
    live.destinationLine1 === d.line1 &&
    live.destinationCity === d.city &&
    live.destinationPostalCode === d.postalCode &&
    live.destinationCountry === d.country;
  if (!same) {
    throw new Conflict(`Order ${live.orderId} already has a live shipment, to another destination`, {
      shipmentId: live.id,
    });
  }
  return toShipment(live);
}

export interface ShipmentFilter {
  orderId?: number | undefined;
  status?: ShipmentStatus | undefined;
  /** Only shipments with a larger id (the decoded cursor). */
  after?: number | undefined;
  updatedSince?: Date | undefined;
  limit: number;
}

export interface ShipmentsDeps {
  db: Database;
  reports: ReportOutbox;
  newTrackingNumber?: ((carrier: Carrier) => string) | undefined;
}

// Collisions of 12 random characters are rare; a few tries settle them.
const TRACKING_ATTEMPTS = 5;
// A live shipment cancelled between our insert and our read makes us insert again.
const BOOKING_ATTEMPTS = 3;

export function shipmentsDomain({
  db,
  reports,
  newTrackingNumber: tracking = newTrackingNumber,
}: ShipmentsDeps) {
  /** Inserts the shipment unless the order has a live one; the new row, or undefined. */
  async function insertUnlessLive(input: CreateShipmentInput, rules: Quote, at: Date) {
    const { destination: d } = input;
    for (let attempt = 1; ; attempt++) {
      try {
        // Every column, named as Prisma names them, so the answer needs no second read.
        // The order's row is shared-locked (order_status_for_work): an order failed or cancelled meanwhile (a booking that
        // lands after its saga gave up) takes no shipment, and one failing now waits for this one.
        const rows = await db.prisma.$queryRaw<ShipmentRow[]>`
          INSERT INTO shipments (order_id, carrier, service_level, tracking_number, destination_line1,
            destination_city, destination_postal_code, destination_country, weight_grams, cost_cents,
            currency, estimated_delivery_date, created_at, updated_at)
          SELECT ${input.orderId}::int, ${rules.carrier}, ${input.serviceLevel}, ${tracking(rules.carrier)},
            ${d.line1}, ${d.city}, ${d.postalCode}, ${d.country}, ${input.weightGrams}, ${rules.costCents},
            ${rules.currency}, ${rules.estimatedDeliveryDate}::date, ${at}, ${at}
          WHERE order_status_for_work(${input.orderId}) NOT IN ('failed', 'cancelled')
          ON CONFLICT (order_id) WHERE status <> 'cancelled' DO NOTHING
          RETURNING id, order_id AS "orderId", carrier, service_level AS "serviceLevel",
            tracking_number AS "trackingNumber", status, destination_line1 AS "destinationLine1",
            destination_city AS "destinationCity", destination_postal_code AS "destinationPostalCode",
            destination_country AS "destinationCountry", weight_grams AS "weightGrams",
            cost_cents AS "costCents", currency, estimated_delivery_date AS "estimatedDeliveryDate",
            created_at AS "createdAt", updated_at AS "updatedAt"`;
        return rows[0];
      } catch (error) {
        const state = sqlState(error);
        if (state === SQLSTATE.foreignKeyViolation) {
          throw new NotFound(`Order ${input.orderId} does not exist`);
        }
        // The order's live shipment is the arbiter above, so a unique violation here is the tracking number.
        if (state !== SQLSTATE.uniqueViolation || attempt >= TRACKING_ATTEMPTS) throw error;
      }
    }
  }

  /** Why nothing was booked when the order has no live shipment: it is missing, failed or cancelled. */
  async function refuseUnbookable(orderId: number): Promise<void> {
    const [order] = await db.prisma.$queryRaw<Array<{ status: string | null }>>`
      SELECT order_status_for_work(${orderId}) AS status`;
    if (!order?.status) throw new NotFound(`Order ${orderId} does not exist`);
    if (order.status === 'failed' || order.status === 'cancelled') {
      throw new Conflict(`Order ${orderId} is ${order.status}; it takes no shipment`, {
        currentStatus: order.status,
      });
    }
  }

  async function get(id: number): Promise<Shipment> {
    const row = await db.prisma.shipment.findUnique({ where: { id } });
    if (!row) throw new NotFound(`Shipment ${id} does not exist`);
    return toShipment(row);
  }

  /** Why a move did not happen: the shipment is missing, or its status forbids it. */
  async function refusal(id: number, to: ShipmentStatus): Promise<Error> {
    const current = await db.prisma.shipment.findUnique({ where: { id }, select: { status: true } });
    if (!current) return new NotFound(`Shipment ${id} does not exist`);
    return new Conflict(`Shipment ${id} cannot move from ${current.status} to ${to}`, {
      currentStatus: current.status,
      requestedStatus: to,
    });
  }

  return {
    /**
     * Books a shipment for an order, or answers the order's live one
     * (`created: false`) when it already has one.
     */
    async create(input: CreateShipmentInput): Promise<{ shipment: Shipment; created: boolean }> {
      const at = new Date();
      const rules = quote(
        {
          country: input.destination.country,
          weightGrams: input.weightGrams,
          serviceLevel: input.serviceLevel,
        },
        at,
      );
      for (let attempt = 1; ; attempt++) {
        const inserted = await insertUnlessLive(input, rules, at);
        if (inserted) return { shipment: toShipment(inserted), created: true };
        const live = await db.prisma.shipment.findFirst({
          where: { orderId: input.orderId, status: { not: 'cancelled' } },
        });
        if (live) return { shipment: sameDestination(live, input), created: false };
        await refuseUnbookable(input.orderId);
        if (attempt >= BOOKING_ATTEMPTS) {
          throw new Conflict(`Order ${input.orderId}'s shipment is changing; try again`);
        }
      }
    },

    get,

    /** The shipments with these ids, in the same order; null where none exists. */
    async getMany(ids: readonly number[]): Promise<Array<Shipment | null>> {
      const rows = await db.prisma.shipment.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, toShipment(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    },

    /** Each order's live shipment, else its latest cancelled one, else null; one query. */
    async ofOrders(orderIds: readonly number[]): Promise<Array<Shipment | null>> {
      const rows = await db.prisma.shipment.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: { id: 'asc' },
      });
      const chosen = new Map<number, ShipmentRow>();
      for (const row of rows) {
        const held = chosen.get(row.orderId);
        if (!held || held.status === 'cancelled') chosen.set(row.orderId, row);
      }
      return orderIds.map((orderId) => {
        const row = chosen.get(orderId);
        return row ? toShipment(row) : null;
      });
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
        const [row] = await tx.shipment.updateManyAndReturn({
          where: { id, status: { in: [...ALLOWED_FROM[to]] } },
          data: { status: to },
        });
        if (row && isReported(to)) {
          await reports.record(tx, { shipmentId: row.id, orderId: row.orderId, status: to });
        }
        return row;
      });
      if (!moved) throw await refusal(id, to);
      if (isReported(to)) reports.dispatchSoon(moved.id);
      return toShipment(moved);
    },
  };
}

export type ShipmentsDomain = ReturnType<typeof shipmentsDomain>;
