// Booking a shipment: one per order and origin warehouse. The database settles
// every race: one live shipment per order and origin is the index
// shipments_live_order_key, and an order failed or cancelled takes none.
import { type Database, SQLSTATE, type Statement, sqlState } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import type { Shipment as ShipmentRow } from '@supply/service-kit/generated/prisma/client';
import { addressSchema, idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import { type Shipment, toShipment } from './shipment.ts';
import { type Carrier, type Quote, quote, serviceLevels } from './shipping-rules.ts';

export const createShipmentInput = z
  .object({
    orderId: idSchema,
    /** The warehouse the parcel leaves from; the default warehouse when absent. */
    originWarehouseId: idSchema.optional(),
    destination: addressSchema.strict(),
    weightGrams: z
      .number({ error: 'must be a whole number of grams' })
      .int('must be a whole number of grams')
      .positive('must be greater than 0'),
    serviceLevel: z.enum(serviceLevels, { error: `must be one of ${serviceLevels.join(', ')}` }),
  })
  .strict();
export type CreateShipmentInput = z.output<typeof createShipmentInput>;

interface Origin {
  id: number;
  country: string | null;
}

/** The named warehouse, or the default one (a prepared read: it prices every booking). */
const ORIGIN: Statement = {
  text: `SELECT id, address_country AS country FROM warehouses WHERE id = coalesce($1::int, default_warehouse_id())`,
};

// Collisions of 12 random characters are rare; a few tries settle them.
const TRACKING_ATTEMPTS = 5;
// A live shipment cancelled between our insert and our read makes us insert again.
const BOOKING_ATTEMPTS = 3;

export function shipmentBooking(db: Database, tracking: (carrier: Carrier) => string) {
  /** The named warehouse, or the default one; 404 when there is no such warehouse. */
  async function originOf(input: CreateShipmentInput): Promise<Origin> {
    const named = input.originWarehouseId ?? null;
    const [origin] = await db.read<Origin>(ORIGIN, [named]);
    if (!origin) throw new NotFound(`Warehouse ${named} does not exist`);
    return origin;
  }

  /** Inserts the shipment unless the order has a live one from this origin; the new row, or undefined. */
  async function insertUnlessLive(input: CreateShipmentInput, origin: number, rules: Quote, at: Date) {
    const { destination: d } = input;
    for (let attempt = 1; ; attempt++) {
      try {
        // Every column, named as Prisma names them, so the response needs no second read.
        // The order's row is shared-locked (order_status_for_work): an order failed or cancelled meanwhile (a booking that
        // lands after its saga gave up) takes no shipment, and one failing now waits for this one.
        const rows = await db.prisma.$queryRaw<ShipmentRow[]>`
          INSERT INTO shipments (order_id, origin_warehouse_id, carrier, service_level, tracking_number,
            destination_line1, destination_city, destination_postal_code, destination_country, weight_grams,
            cost_cents, currency, estimated_delivery_date, created_at, updated_at)
          SELECT ${input.orderId}::int, ${origin}::int, ${rules.carrier}, ${input.serviceLevel}, ${tracking(rules.carrier)},
            ${d.line1}, ${d.city}, ${d.postalCode}, ${d.country}, ${input.weightGrams}, ${rules.costCents},
            ${rules.currency}, ${rules.estimatedDeliveryDate}::date, ${at}, ${at}
          WHERE order_status_for_work(${input.orderId}) NOT IN ('failed', 'cancelled')
          ON CONFLICT (order_id, origin_warehouse_id) WHERE status <> 'cancelled' DO NOTHING
          RETURNING id, order_id AS "orderId", origin_warehouse_id AS "originWarehouseId", carrier,
            service_level AS "serviceLevel", tracking_number AS "trackingNumber", status,
            destination_line1 AS "destinationLine1", destination_city AS "destinationCity",
            destination_postal_code AS "destinationPostalCode", destination_country AS "destinationCountry",
            weight_grams AS "weightGrams", cost_cents AS "costCents", currency,
            estimated_delivery_date AS "estimatedDeliveryDate", created_at AS "createdAt", updated_at AS "updatedAt"`;
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
  async function rejectUnbookable(orderId: number): Promise<void> {
    const [order] = await db.prisma.$queryRaw<Array<{ status: string | null }>>`
      SELECT order_status_for_work(${orderId}) AS status`;
    if (!order?.status) throw new NotFound(`Order ${orderId} does not exist`);
    if (order.status === 'failed' || order.status === 'cancelled') {
      throw new Conflict(`Order ${orderId} is ${order.status}; it takes no shipment`, {
        currentStatus: order.status,
      });
    }
  }

  /**
   * Books a shipment for an order from one warehouse, or responds with the order's
   * live one from there (`created: false`) when it already has one.
   */
  return async function create(
    input: CreateShipmentInput,
  ): Promise<{ shipment: Shipment; created: boolean }> {
    const at = new Date();
    const origin = await originOf(input);
    const rules = quote(
      {
        country: input.destination.country,
        originCountry: origin.country,
        weightGrams: input.weightGrams,
        serviceLevel: input.serviceLevel,
      },
      at,
    );
    for (let attempt = 1; ; attempt++) {
      const inserted = await insertUnlessLive(input, origin.id, rules, at);
      if (inserted) return { shipment: toShipment(inserted), created: true };
      const live = await db.prisma.shipment.findFirst({
        where: { orderId: input.orderId, originWarehouseId: origin.id, status: { not: 'cancelled' } },
      });
      if (live) return { shipment: sameDestination(live, input), created: false };
      await rejectUnbookable(input.orderId);
      if (attempt >= BOOKING_ATTEMPTS) {
        throw new Conflict(`Order ${input.orderId}'s shipment is changing; try again`);
      }
    }
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
