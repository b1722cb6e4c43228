// Placing an order is a saga: record it (pending, durable first), reserve all
// items in inventory-service (which allocates them across warehouses), book one
// shipment per warehouse in logistics-service, confirm. Any step that fails
// undoes the ones before it: the reservation is released, every booked
// shipment cancelled, and the order kept as failed with its reason.
import type { Database } from '@supply/service-kit/database';
import { remainingMs, withDeadline } from '@supply/service-kit/deadline';
import { Conflict, DomainError, Unavailable } from '@supply/service-kit/errors';
import type { Order } from '@supply/service-kit/generated/prisma/client';
import type { Logger } from '@supply/service-kit/logger';
import { countOrder } from '@supply/service-kit/metrics';
import { currentTraceParent } from '@supply/service-kit/telemetry';
import { type AddressInput, addressSchema, idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import { orderCompensation } from './compensation.ts';
import type { ClaimedKey } from './idempotency.ts';
import type { Neighbours, ReservedLine } from './neighbours.ts';
import {
  fullOrder,
  type OrderView,
  type ShipmentSummary,
  type StatusChange,
  toOrderSummary,
  toShipmentSummary,
} from './order-view.ts';
import { allocationsByProduct, parcelsOf, recordAllocations } from './parcels.ts';
import { priceOrder } from './pricing.ts';
import { transition } from './transition.ts';

export const placeOrderInput = z.strictObject({
  customerId: idSchema,
  items: z
    .array(
      z.strictObject({
        productId: idSchema,
        quantity: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(10_000, 'must be at most 10000'),
      }),
    )
    .min(1, 'must hold at least one item')
    .max(100, 'must hold at most 100 items'),
  shippingAddress: addressSchema.nullish(),
  serviceLevel: z.enum(['standard', 'express']).default('standard'),
});
export type PlaceOrderInput = z.output<typeof placeOrderInput>;

interface Deps {
  db: Database;
  neighbours: Neighbours;
  logger: Logger;
}

/** How much of its deadline the saga keeps back to fail the order and undo its steps. */
const UNDO_RESERVE_MS = 2_000;

interface Recorded {
  order: Order & {
    items: Array<{ orderId: number; productId: number; quantity: number; unitPriceCents: number }>;
  };
  pending: StatusChange;
  lines: Array<{ productId: number; quantity: number; unitPriceCents: number }>;
  address: AddressInput;
  unitWeights: Map<number, number>;
}

/** What the saga holds once its steps are done: the lines as reserved, and the shipments booked. */
interface Held {
  reserved: ReservedLine[];
  shipments: ShipmentSummary[];
}

export function orderPlacing({ db, neighbours, logger }: Deps) {
  const { prisma } = db;
  const compensate = orderCompensation({ db, neighbours, logger });

  /**
   * Records the priced order as pending with its items and first history row,
   * and links its Idempotency-Key to it: one statement, so all of it or none.
   */
  async function record(input: PlaceOrderInput, claim: ClaimedKey | undefined): Promise<Recorded> {
    const priced = await priceOrder(db, input);
    const { address, lines } = priced;
    const [row] = await prisma.$queryRaw<Array<Order & { changedAt: Date; linked: boolean }>>`
      WITH o AS (
        INSERT INTO orders (customer_id, status, service_level, total_cents, currency, shipping_line1,
          shipping_city, shipping_postal_code, shipping_country, trace_parent)
        VALUES (${priced.customerId}, 'pending', ${input.serviceLevel}, ${priced.totalCents}, ${priced.currency},
          ${address.line1}, ${address.city}, ${address.postalCode}, ${address.country}, ${currentTraceParent()})
        RETURNING *
      ), items AS (
        INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
        SELECT o.id, l.product_id, l.quantity, l.unit_price_cents
        FROM o, unnest(${lines.map((l) => l.productId)}::int[], ${lines.map((l) => l.quantity)}::int[],
          ${lines.map((l) => l.unitPriceCents)}::int[]) AS l(product_id, quantity, unit_price_cents)
      ), history AS (
        INSERT INTO order_status_history (order_id, from_status, to_status)
        SELECT id, NULL, status FROM o
        RETURNING changed_at
      ), linked AS (
        UPDATE idempotency_keys k SET order_id = o.id FROM o
        WHERE k.scope = ${claim?.scope ?? null} AND k.caller = ${claim?.caller ?? null} AND k.key = ${claim?.key ?? null}
          AND k.locked_by = ${claim?.owner ?? null} AND k.state = 'in_progress'
        RETURNING k.key
      )
      SELECT o.id, o.customer_id AS "customerId", o.status, o.service_level AS "serviceLevel",
        o.total_cents AS "totalCents", o.currency, o.shipping_line1 AS "shippingLine1",
        o.shipping_city AS "shippingCity", o.shipping_postal_code AS "shippingPostalCode",
        o.shipping_country AS "shippingCountry", o.failure_reason AS "failureReason",
        o.trace_parent AS "traceParent", o.created_at AS "createdAt", o.updated_at AS "updatedAt",
        history.changed_at AS "changedAt", EXISTS (SELECT FROM linked) AS linked
      FROM o, history`;
    if (!row) throw new Error('recording the order returned no row');
    const { changedAt, linked, ...order } = row;
    // Taken over meanwhile (this process stalled past its lease): stop before reserving
    // anything; the pending order is failed by recovery like any other left pending.
    if (claim && !linked)
      throw new Error(`Idempotency-Key ${claim.key} was taken over before its order was recorded`);
    const pending: StatusChange = { from: null, to: 'pending', reason: null, at: changedAt };
    return {
      ...priced,
      order: { ...order, items: lines.map((l) => ({ orderId: order.id, ...l })) },
      pending,
    };
  }

  /**
   * Keeps the order as failed with the reason, then undoes what the saga did.
   * Failed first, under the row lock: from then on inventory and logistics
   * reject a reservation or booking for it that lands late.
   */
  async function fail(orderId: number, reason: string): Promise<void> {
    await transition(prisma, orderId, ['pending'], 'failed', reason);
    await compensate(orderId);
  }

  /** Reserves and books within the saga's own deadline, which leaves time to fail and undo. */
  async function steps(order: Recorded, input: PlaceOrderInput): Promise<Held> {
    const orderId = order.order.id;
    let step = 'reserving stock';
    let metricStep = 'reserve';
    try {
      const reserved = await neighbours.reserve(
        orderId,
        order.lines.map(({ productId, quantity }) => ({ productId, quantity })),
        order.address.country,
      );
      step = 'booking the shipment';
      metricStep = 'ship';
      // The allocations are recorded while the shipments are booked: neither waits for the other.
      const [recorded, booked] = await Promise.allSettled([
        recordAllocations(db, orderId, reserved),
        bookAll(order, input, reserved),
      ]);
      if (booked.status === 'rejected') throw booked.reason;
      if (recorded.status === 'rejected') throw recorded.reason;
      return { reserved, shipments: booked.value };
    } catch (error) {
      countOrder('failed', metricStep, error);
      await fail(orderId, reasonFor(step, error));
      throw error;
    }
  }

  /**
   * Books one shipment per warehouse, side by side, and waits for every response, so the
   * undo that follows a rejection finds every booking made; the first rejection is the error.
   */
  async function bookAll(order: Recorded, input: PlaceOrderInput, reserved: ReservedLine[]) {
    const bookings = await Promise.allSettled(
      parcelsOf(reserved, order.unitWeights).map((parcel) =>
        neighbours.bookShipment({
          orderId: order.order.id,
          originWarehouseId: parcel.originWarehouseId,
          destination: order.address,
          weightGrams: parcel.weightGrams,
          serviceLevel: input.serviceLevel,
        }),
      ),
    );
    const rejected = bookings.find((b) => b.status === 'rejected');
    if (rejected) throw rejected.reason;
    return bookings
      .flatMap((b) => (b.status === 'fulfilled' ? [toShipmentSummary(b.value)] : []))
      .sort((a, b) => a.id - b.id);
  }

  return {
    /**
     * Places the order within the request's deadline: it ends confirmed (the
     * response is the order) or failed and undone (the response is the error).
     */
    async place(input: PlaceOrderInput, claim?: ClaimedKey): Promise<OrderView> {
      const recorded = await record(input, claim);
      const { order, pending } = recorded;
      const orderId = order.id;
      countOrder('placed');
      const left = remainingMs() ?? Number.POSITIVE_INFINITY;
      const held = await withDeadline(left - Math.min(UNDO_RESERVE_MS, left / 4), () =>
        steps(recorded, input),
      );
      if ((remainingMs() ?? 1) <= 0) {
        countOrder('failed', 'confirm');
        await fail(orderId, 'not confirmed before its deadline');
        throw new Unavailable(`Order ${orderId} could not be confirmed in time; it was failed and undone`);
      }
      const outcome = await transition(prisma, orderId, ['pending'], 'confirmed');
      if (!outcome.moved) {
        // Cancelled, or failed by a replica that took its key over, while the saga ran.
        await compensate(orderId);
        if (outcome.current === 'cancelled') throw cancelledWhilePlaced(orderId);
        throw new Unavailable(`Order ${orderId} was failed while it was being placed`);
      }
      countOrder('confirmed');
      // Moved from pending, so its history is these two rows and its shipments the ones just booked:
      // the response is what reading the order back would give, without reading it.
      const { status, failureReason, updatedAt } = outcome.moved;
      return fullOrder(
        toOrderSummary({ ...order, status, failureReason, updatedAt }),
        allocationsByProduct(held.reserved),
        held.shipments,
        [pending, outcome.moved.change],
      );
    },

    /**
     * Fails an order whose saga died (its process or its lease ended) and
     * undoes what it held; true when this call failed it.
     */
    async abandon(orderId: number, reason: string): Promise<boolean> {
      const { moved } = await transition(prisma, orderId, ['pending'], 'failed', reason);
      if (moved) await compensate(orderId);
      return moved !== null;
    },
    compensate,
  };
}

/** The response for an order cancelled before it was confirmed: the live saga's and a taken-over key's alike. */
export const cancelledWhilePlaced = (orderId: number) =>
  new Conflict(`Order ${orderId} was cancelled while it was being placed`);

function reasonFor(step: string, error: unknown): string {
  if (error instanceof DomainError) return `${step}: ${error.message}`;
  return `${step}: unexpected error`;
}

export type OrderPlacing = ReturnType<typeof orderPlacing>;
