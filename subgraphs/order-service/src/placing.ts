// Placing an order is a saga: record it (pending, durable first), reserve all
// items in inventory-service, book the shipment in logistics-service, confirm.
// Any step that fails undoes the ones before it: the reservation is released,
// a booked shipment cancelled, and the order kept as failed with its reason.
import type { Database } from '@supply/service-kit/database';
import { Conflict, DomainError, NotFound, Unprocessable } from '@supply/service-kit/errors';
import type { Order } from '@supply/service-kit/generated/prisma/client';
import type { Logger } from '@supply/service-kit/logger';
import { countOrder } from '@supply/service-kit/metrics';
import { addressSchema, idSchema } from '@supply/service-kit/validation';
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

/** Lines with one entry per product, quantities summed, in product order. */
function mergeLines(items: PlaceOrderInput['items']) {
  const quantities = new Map<number, number>();
  for (const { productId, quantity } of items)
    quantities.set(productId, (quantities.get(productId) ?? 0) + quantity);
  return [...quantities].sort(([a], [b]) => a - b).map(([productId, quantity]) => ({ productId, quantity }));
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
    const lines = mergeLines(input.items);
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
  async function record(input: PlaceOrderInput, claim: ClaimedKey | undefined) {
    const priced = await price(input);
    const { address, lines } = priced;
    const [row] = await prisma.$queryRaw<Array<Order & { changedAt: Date; linked: boolean }>>`
      WITH o AS (
        INSERT INTO orders (customer_id, status, service_level, total_cents, currency, shipping_line1,
          shipping_city, shipping_postal_code, shipping_country)
        VALUES (${priced.customerId}, 'pending', ${input.serviceLevel}, ${priced.totalCents}, ${priced.currency},
          ${address.line1}, ${address.city}, ${address.postalCode}, ${address.country})
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
        WHERE k.scope = ${claim?.scope ?? null} AND k.key = ${claim?.key ?? null}
        RETURNING k.key
      )
      SELECT o.id, o.customer_id AS "customerId", o.status, o.service_level AS "serviceLevel",
        o.total_cents AS "totalCents", o.currency, o.shipping_line1 AS "shippingLine1",
        o.shipping_city AS "shippingCity", o.shipping_postal_code AS "shippingPostalCode",
        o.shipping_country AS "shippingCountry", o.failure_reason AS "failureReason",
        o.created_at AS "createdAt", o.updated_at AS "updatedAt",
        history.changed_at AS "changedAt", EXISTS (SELECT FROM linked) AS linked
      FROM o, history`;
    if (!row) throw new Error('recording the order returned no row');
    const { changedAt, linked, ...order } = row;
    // Let go meanwhile (recovery takes a claim this old as abandoned): stop before reserving
    // anything; the pending order is failed by recovery like any other left pending.
    if (claim && !linked)
      throw new Error(`Idempotency-Key ${claim.key} was let go before its order was recorded`);
    const pending: StatusChange = { from: null, to: 'pending', reason: null, at: changedAt };
    return {
      ...priced,
      order: { ...order, items: lines.map((l) => ({ orderId: order.id, ...l })) },
      pending,
    };
  }

  /** Undoes what the saga did for an order and keeps it as failed with the reason. */
  async function fail(orderId: number, reason: string, shipmentId?: number): Promise<void> {
    await compensate(orderId, shipmentId);
    await transition(prisma, orderId, ['pending'], 'failed', reason);
  }

  async function compensate(orderId: number, shipmentId?: number): Promise<void> {
    const undo = [
      shipmentId === undefined ? undefined : neighbours.cancelShipment(shipmentId),
      neighbours.release(orderId),
    ];
    for (const result of await Promise.allSettled(undo)) {
      // Left for the recovery sweep, which releases what failed orders still hold.
      if (result.status === 'rejected')
        logger.warn({ orderId, err: result.reason }, 'compensation step failed');
    }
  }

  return {
    async place(input: PlaceOrderInput, claim?: ClaimedKey): Promise<OrderView> {
      const { order, pending, lines, address, weightGrams } = await record(input, claim);
      const orderId = order.id;
      countOrder('placed');
      try {
        await neighbours.reserve(
          orderId,
          lines.map(({ productId, quantity }) => ({ productId, quantity })),
        );
      } catch (error) {
        countOrder('failed', 'reserve', error);
        await fail(orderId, reasonFor('reserving stock', error));
        throw error;
      }
      let shipment: ShipmentSummary;
      try {
        shipment = await neighbours.bookShipment({
          orderId,
          destination: address,
          weightGrams,
          serviceLevel: input.serviceLevel,
        });
      } catch (error) {
        countOrder('failed', 'ship', error);
        await fail(orderId, reasonFor('booking the shipment', error));
        throw error;
      }
      const { moved } = await transition(prisma, orderId, ['pending'], 'confirmed');
      if (!moved) {
        // Cancelled (or settled by recovery) while the saga ran: undo what it did.
        await compensate(orderId, shipment.id);
        throw new Conflict(`Order ${orderId} was cancelled while it was being placed`);
      }
      // Moved from pending, so its history is these two rows and its shipment the one just booked:
      // the answer is what reading the order back would give, without reading it.
      countOrder('confirmed');
      const { status, failureReason, updatedAt } = moved;
      return wholeOrder(
        toOrderSummary({ ...order, status, failureReason, updatedAt }),
        toShipmentSummary(shipment),
        [pending, moved.change],
      );
    },
    compensate,
  };
}

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
