// Placing an order is a saga: record it (pending, durable first), reserve all
// items in inventory-service, book the shipment in logistics-service, confirm.
// Any step that fails undoes the ones before it: the reservation is released,
// a booked shipment cancelled, and the order kept as failed with its reason.

import type { Database } from '@supply/service-kit/database';
import { pastDeadline, remainingMs, withDeadline } from '@supply/service-kit/deadline';
import { Conflict, DomainError, NotFound, Unavailable, Unprocessable } from '@supply/service-kit/errors';
import type { Order } from '@supply/service-kit/generated/prisma/client';
import { mergeByProduct } from '@supply/service-kit/lists';
import type { Logger } from '@supply/service-kit/logger';
import { countOrder } from '@supply/service-kit/metrics';
import { currentTraceParent } from '@supply/service-kit/telemetry';
import { type AddressInput, addressSchema, idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import type { ClaimedKey } from './idempotency.ts';
import type { Neighbours } from './neighbours.ts';
import {
  type OrderView,
  type ShipmentSummary,
  type StatusChange,
  toOrderSummary,
  toShipmentSummary,
  transition,
  wholeOrder,
} from './orders.ts';

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

/** Shipment statuses past cancelling: the goods are on their way, or arrived. */
const MOVING = ['in_transit', 'delivered', 'exception'];

/** How much of its deadline the saga keeps back to fail the order and undo its steps. */
const UNDO_RESERVE_MS = 2_000;

interface Recorded {
  order: Order & {
    items: Array<{ orderId: number; productId: number; quantity: number; unitPriceCents: number }>;
  };
  pending: StatusChange;
  lines: Array<{ productId: number; quantity: number; unitPriceCents: number }>;
  address: AddressInput;
  weightGrams: number;
}

export function orderPlacing({ db, neighbours, logger }: Deps) {
  const { prisma } = db;

  /** Checks the order against the customer and the catalogue, and prices it. */
  async function price(input: PlaceOrderInput) {
    const customer = await prisma.customer.findUnique({ where: { id: input.customerId } });
    if (!customer) throw new NotFound(`Customer ${input.customerId} does not exist`);
    const address = input.shippingAddress ?? defaultAddress(customer);
    if (!address) {
      throw new Unprocessable(`Customer ${customer.id} has no address on file: give a shippingAddress`);
    }
    const lines = mergeByProduct(input.items);
    const products = await prisma.product.findMany({ where: { id: { in: lines.map((l) => l.productId) } } });
    const byId = new Map(products.map((p) => [p.id, p]));
    const missing = lines.map((l) => l.productId).filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw new NotFound(`Product ${missing.join(', ')} does not exist`, { productIds: missing });
    }
    const currencies = new Set(products.map((p) => p.currency));
    if (currencies.size > 1)
      throw new Unprocessable(`The products are priced in ${[...currencies].join(' and ')}`);
    const priced = lines.map((l) => ({ ...l, unitPriceCents: byId.get(l.productId)?.unitPriceCents ?? 0 }));
    return {
      customerId: customer.id,
      address,
      lines: priced,
      currency: products[0]?.currency ?? 'USD',
      totalCents: priced.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
      weightGrams: lines.reduce((sum, l) => sum + l.quantity * (byId.get(l.productId)?.weightGrams ?? 0), 0),
    };
  }

  /**
   * Records the priced order as pending with its items and first history row,
   * and links its Idempotency-Key to it: one statement, so all of it or none.
   */
  async function record(input: PlaceOrderInput, claim: ClaimedKey | undefined): Promise<Recorded> {
    const priced = await price(input);
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
   * refuse a reservation or booking for it that lands late.
   */
  async function fail(orderId: number, reason: string): Promise<void> {
    await transition(prisma, orderId, ['pending'], 'failed', reason);
    await compensate(orderId);
  }

  /**
   * Cancels the order's live shipment, then releases its stock once the cancellation is
   * accepted. Goods already on their way keep their stock committed, and the order says
   * so. A step that does not get through is left to the recovery sweep.
   */
  async function compensate(orderId: number, shipmentId?: number): Promise<void> {
    const shipment =
      shipmentId ??
      (await prisma.shipment.findFirst({ where: { orderId, status: { not: 'cancelled' } } }))?.id;
    // Each call keeps its own timeout and retries, past the request's deadline: the order is
    // already failed or cancelled, and what it holds is better given back before the answer.
    await pastDeadline(async () => {
      const cancelled = shipment === undefined ? 'none' : await cancelShipment(orderId, shipment);
      if (cancelled === 'left' && shipment !== undefined) await keepCommitted(orderId, shipment);
      else if (cancelled !== 'failed')
        await neighbours.release(orderId).catch((err) => undoFailed(orderId, err));
    });
  }

  /** Asks logistics to cancel the shipment: accepted (or cancelled already), refused as it left, or failed. */
  async function cancelShipment(
    orderId: number,
    shipmentId: number,
  ): Promise<'accepted' | 'left' | 'failed'> {
    try {
      await neighbours.cancelShipment(shipmentId);
      return 'accepted';
    } catch (error) {
      const current = error instanceof Conflict ? String(error.details.currentStatus) : undefined;
      if (current === 'cancelled') return 'accepted';
      if (current !== undefined && MOVING.includes(current)) return 'left';
      undoFailed(orderId, error);
      return 'failed';
    }
  }

  const undoFailed = (orderId: number, err: unknown) =>
    logger.warn({ orderId, err }, 'compensation step failed');

  /** The shipment left before it could be cancelled: its stock is committed, not released, and recorded. */
  async function keepCommitted(orderId: number, shipmentId: number): Promise<void> {
    const reason = `its shipment ${shipmentId} had already left: stock committed, not released`;
    try {
      await neighbours.commit(orderId);
      await prisma.$executeRaw`
        INSERT INTO order_status_history (order_id, from_status, to_status, reason)
        SELECT id, status, status, ${reason} FROM orders o WHERE o.id = ${orderId}
          AND NOT EXISTS (SELECT FROM order_status_history h WHERE h.order_id = o.id AND h.reason = ${reason})`;
      logger.error({ orderId, shipmentId }, 'the shipment of an undone order had already left');
    } catch (error) {
      undoFailed(orderId, error);
    }
  }

  /** Reserves and books within the saga's own deadline, which leaves time to fail and undo. */
  async function steps(order: Recorded, input: PlaceOrderInput): Promise<ShipmentSummary> {
    const orderId = order.order.id;
    let step = 'reserving stock';
    let metricStep = 'reserve';
    try {
      await neighbours.reserve(
        orderId,
        order.lines.map(({ productId, quantity }) => ({ productId, quantity })),
        order.address.country,
      );
      step = 'booking the shipment';
      metricStep = 'ship';
      return await neighbours.bookShipment({
        orderId,
        destination: order.address,
        weightGrams: order.weightGrams,
        serviceLevel: input.serviceLevel,
      });
    } catch (error) {
      countOrder('failed', metricStep, error);
      await fail(orderId, reasonFor(step, error));
      throw error;
    }
  }

  return {
    /**
     * Places the order within the request's deadline: it ends confirmed (the
     * answer is the order) or failed and undone (the answer is the error).
     */
    async place(input: PlaceOrderInput, claim?: ClaimedKey): Promise<OrderView> {
      const recorded = await record(input, claim);
      const { order, pending } = recorded;
      const orderId = order.id;
      countOrder('placed');
      const left = remainingMs() ?? Number.POSITIVE_INFINITY;
      const shipment = await withDeadline(left - Math.min(UNDO_RESERVE_MS, left / 4), () =>
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
        await compensate(orderId, shipment.id);
        if (outcome.current === 'cancelled') throw cancelledWhilePlaced(orderId);
        throw new Unavailable(`Order ${orderId} was failed while it was being placed`);
      }
      countOrder('confirmed');
      // Moved from pending, so its history is these two rows and its shipment the one just booked:
      // the answer is what reading the order back would give, without reading it.
      const { status, failureReason, updatedAt } = outcome.moved;
      return wholeOrder(
        toOrderSummary({ ...order, status, failureReason, updatedAt }),
        toShipmentSummary(shipment),
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

/** The answer for an order cancelled before it was confirmed: the live saga's and a taken-over key's alike. */
export const cancelledWhilePlaced = (orderId: number) =>
  new Conflict(`Order ${orderId} was cancelled while it was being placed`);

function defaultAddress(customer: {
  addressLine1: string | null;
  addressCity: string | null;
  addressPostalCode: string | null;
  addressCountry: string | null;
}) {
  const { addressLine1, addressCity, addressPostalCode, addressCountry } = customer;
  if (!addressLine1 || !addressCity || !addressPostalCode || !addressCountry) return null;
  return { line1: addressLine1, city: addressCity, postalCode: addressPostalCode, country: addressCountry };
}

function reasonFor(step: string, error: unknown): string {
  if (error instanceof DomainError) return `${step}: ${error.message}`;
  return `${step}: unexpected error`;
}

export type OrderPlacing = ReturnType<typeof orderPlacing>;
