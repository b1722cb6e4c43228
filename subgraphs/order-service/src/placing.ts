// Placing an order is a saga: record it (pending, durable first), reserve all
// items in inventory-service, book the shipment in logistics-service, confirm.
// Any step that fails undoes the ones before it: the reservation is released,
// a booked shipment cancelled, and the order kept as failed with its reason.
import type { Database } from '@supply/service-kit/database';
import { Conflict, DomainError, NotFound, Unprocessable } from '@supply/service-kit/errors';
import type { Logger } from '@supply/service-kit/logger';
import { addressSchema, idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import type { Neighbours } from './neighbours.ts';
import { type OrdersStore, type OrderView, transition } from './orders.ts';

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
  store: OrdersStore;
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

export function orderPlacing({ db, store, neighbours, logger }: Deps) {
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

  /** Records the priced order as pending, with its first history row. */
  async function record(input: PlaceOrderInput, link: (orderId: number) => Promise<void>) {
    const priced = await price(input);
    const { address } = priced;
    const order = await prisma.order.create({
      data: {
        customerId: priced.customerId,
        serviceLevel: input.serviceLevel,
        totalCents: priced.totalCents,
        currency: priced.currency,
        shippingLine1: address.line1,
        shippingCity: address.city,
        shippingPostalCode: address.postalCode,
        shippingCountry: address.country,
        items: { create: priced.lines },
        statusHistory: { create: { fromStatus: null, toStatus: 'pending' } },
      },
    });
    await link(order.id);
    return { orderId: order.id, ...priced };
  }

  /** Undoes what the saga did for an order and keeps it as failed with the reason. */
  async function fail(orderId: number, reason: string, shipmentId?: number): Promise<void> {
    await compensate(orderId, shipmentId);
    await prisma.$transaction((tx) => transition(tx, orderId, ['pending'], 'failed', reason));
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
    async place(
      input: PlaceOrderInput,
      link: (orderId: number) => Promise<void> = async () => {},
    ): Promise<OrderView> {
      const { orderId, lines, address, weightGrams } = await record(input, link);
      try {
        await neighbours.reserve(
          orderId,
          lines.map(({ productId, quantity }) => ({ productId, quantity })),
        );
      } catch (error) {
        await fail(orderId, reasonFor('reserving stock', error));
        throw error;
      }
      let shipmentId: number;
      try {
        ({ id: shipmentId } = await neighbours.bookShipment({
          orderId,
          destination: address,
          weightGrams,
          serviceLevel: input.serviceLevel,
        }));
      } catch (error) {
        await fail(orderId, reasonFor('booking the shipment', error));
        throw error;
      }
      const confirmed = await prisma.$transaction((tx) => transition(tx, orderId, ['pending'], 'confirmed'));
      if (!confirmed) {
        // Cancelled (or settled by recovery) while the saga ran: undo what it did.
        await compensate(orderId, shipmentId);
        throw new Conflict(`Order ${orderId} was cancelled while it was being placed`);
      }
      return store.get(orderId);
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
