// Returns: goods a customer sends back from a delivered order. order-service
// records the return and, on receipt, each item's refund; inventory-service
// puts the restocked units back on hand. No network call runs inside a
// transaction: the receipt commits first, then inventory is asked, keyed by
// the return so a repeat restocks once; a restock that does not get through
// (inventory down, or this process gone between the two) is sent again by the
// recovery sweep until it lands.
import { type Database, inTransaction, mapViolations, type Transaction } from '@supply/service-kit/database';
import { Conflict, DomainError, NotFound } from '@supply/service-kit/errors';
import { idempotentWrites } from '@supply/service-kit/idempotency';
import type { Logger } from '@supply/service-kit/logger';
import { idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import { deliveredUnits } from './delivered.ts';
import type { Neighbours } from './neighbours.ts';
import { receiptLines } from './return-receipts.ts';
import { type ReturnView, readReturn, returnInclude, returnStore, toReturnView } from './return-store.ts';
import { deliveredOrigins } from './shipping-progress.ts';

const wholeNumber = z.int32('must be a whole number');
const eachProductOnce = (items: Array<{ productId: number }>) =>
  new Set(items.map((item) => item.productId)).size === items.length;

export const returnRequestInput = z.strictObject({
  items: z
    .array(z.strictObject({ productId: idSchema, quantity: wholeNumber.positive('must be more than 0') }))
    .min(1, 'must hold at least one item')
    .max(100, 'must hold at most 100 items')
    .refine(eachProductOnce, 'must name each product once'),
  reason: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
});
export type ReturnRequestInput = z.output<typeof returnRequestInput>;

export const returnReceiptInput = z.strictObject({
  warehouseId: idSchema.nullish(),
  items: z
    .array(
      z.strictObject({
        productId: idSchema,
        quantity: wholeNumber.min(0, 'must be 0 or more'),
        restock: z.boolean(),
      }),
    )
    .min(1, 'must hold at least one item')
    .max(100, 'must hold at most 100 items')
    .refine(eachProductOnce, 'must name each product once')
    .nullish(),
});
export type ReturnReceiptInput = z.output<typeof returnReceiptInput>;

const BATCH = 100;

export function orderReturns(db: Database, neighbours: Neighbours, logger: Logger) {
  const store = returnStore(db);
  const requests = idempotentWrites(db, 'returns', 201);

  /** Asks inventory to restock a received return, then records it; left to the sweep when it fails. */
  async function restock(view: ReturnView): Promise<void> {
    if (view.status !== 'received' || view.restockedAt) return;
    const items = view.items
      .filter((item) => (item.restockQuantity ?? 0) > 0)
      .map((item) => ({ productId: item.productId, quantity: item.restockQuantity ?? 0 }));
    try {
      const { id: returnId, orderId, warehouseId } = view;
      // Unless a warehouse was named, units go back where they came from: a delivered shipment's origin.
      const shippedFrom = warehouseId ? undefined : await deliveredOrigins(db.prisma, orderId);
      await neighbours.restock({
        returnId,
        orderId,
        warehouseId: warehouseId ?? undefined,
        shippedFrom,
        items,
      });
      await db.prisma.$executeRaw`
        UPDATE returns SET restocked_at = now() WHERE id = ${returnId} AND restocked_at IS NULL`;
    } catch (error) {
      // A rejection will not pass by itself: an operator must look (the sweep keeps asking).
      const refused = error instanceof DomainError && error.status < 500;
      const why = refused ? 'inventory-service refused the restock' : 'restock not done yet';
      logger[refused ? 'error' : 'warn'](
        { err: error, returnId: view.id },
        `${why}; the recovery sweep sends it again`,
      );
    }
  }

  return {
    get: store.get,
    list: store.list,
    ofOrders: store.ofOrders,

    /** Records a return of delivered goods; with an Idempotency-Key, once per caller, key and input. */
    request(orderId: number, input: ReturnRequestInput, idempotencyKey?: string): Promise<ReturnView> {
      const work = (tx: Transaction) => createReturn(tx, orderId, input);
      return idempotencyKey === undefined
        ? inTransaction(db, work)
        : requests.once(idempotencyKey, { orderId, ...input }, work);
    },

    /** Cancels a requested return; a cancelled one is returned as it is, a received one is a 409. */
    async cancel(id: number): Promise<ReturnView> {
      await db.prisma.$executeRaw`
        UPDATE returns SET status = 'cancelled', cancelled_at = now() WHERE id = ${id} AND status = 'requested'`;
      const view = await store.get(id);
      if (view.status !== 'cancelled') {
        throw new Conflict(`Return ${id} is ${view.status}; only a requested return can be cancelled`, {
          currentStatus: view.status,
        });
      }
      return view;
    },

    /**
     * Records what arrived and its refund, then restocks. Receipts racing for
     * one return queue on its row: the first records, the others find it
     * received and respond with it (inventory restocks the return once, whoever asks).
     */
    async receive(id: number, input: ReturnReceiptInput): Promise<ReturnView> {
      const warehouseMissing = () => new NotFound(`Warehouse ${input.warehouseId} does not exist`);
      const received = await mapViolations({ foreignKey: warehouseMissing }, () =>
        inTransaction(db, (tx) => recordReceipt(tx, id, input)),
      );
      await restock(received);
      return store.get(id);
    },

    /** The recovery sweep's share: restocks received returns whose restock has not landed. */
    async restockOwed(): Promise<void> {
      const rows = await db.prisma.orderReturn.findMany({
        where: { status: 'received', restockedAt: null },
        include: returnInclude,
        orderBy: { id: 'asc' },
        take: BATCH,
      });
      for (const row of rows) await restock(toReturnView(row));
    },
  };
}

export type OrderReturns = ReturnType<typeof orderReturns>;

/** Checks each item against what was delivered and not yet returned, under the order's lock, and records it. */
async function createReturn(
  tx: Transaction,
  orderId: number,
  input: ReturnRequestInput,
): Promise<ReturnView> {
  // Requests for one order queue here, so two of them never both take the same units.
  const [order] = await tx.$queryRaw<Array<{ status: string; currency: string }>>`
    SELECT status, currency FROM orders WHERE id = ${orderId} FOR NO KEY UPDATE`;
  if (!order) throw new NotFound(`Order ${orderId} does not exist`);
  const delivered = await deliveredUnits(tx, orderId);
  if (delivered.size === 0) {
    throw new Conflict(`Order ${orderId} is ${order.status}; it has no delivered goods to return`, {
      currentStatus: order.status,
    });
  }
  const returned = await returnedUnits(tx, orderId);
  const over = input.items
    .map(({ productId, quantity }) => ({
      productId,
      requested: quantity,
      returnable: (delivered.get(productId) ?? 0) - (returned.get(productId) ?? 0),
    }))
    .filter((item) => item.requested > item.returnable);
  if (over.length > 0) {
    const named = over.map(
      (i) => `product ${i.productId} (requested ${i.requested}, returnable ${i.returnable})`,
    );
    throw new Conflict(`More than was delivered and not yet returned: ${named.join(', ')}`, { items: over });
  }
  const prices = await tx.orderItem.findMany({
    where: { orderId },
    select: { productId: true, unitPriceCents: true },
  });
  const priceOf = new Map(prices.map((item) => [item.productId, item.unitPriceCents]));
  const items = input.items.map((item) => ({ ...item, unitPriceCents: priceOf.get(item.productId) ?? 0 }));
  const row = await tx.orderReturn.create({
    data: { orderId, reason: input.reason, currency: order.currency, items: { createMany: { data: items } } },
    include: returnInclude,
  });
  return toReturnView(row);
}

/** Units per product already sent back or on their way: received returns count what arrived. */
async function returnedUnits(tx: Transaction, orderId: number): Promise<Map<number, number>> {
  const rows = await tx.$queryRaw<Array<{ productId: number; quantity: number }>>`
    SELECT i.product_id AS "productId",
      sum(CASE WHEN r.status = 'received' THEN i.received_quantity ELSE i.quantity END)::int AS quantity
    FROM return_items i JOIN returns r ON r.id = i.return_id
    WHERE r.order_id = ${orderId} AND r.status <> 'cancelled'
    GROUP BY i.product_id`;
  return new Map(rows.map((row) => [row.productId, row.quantity]));
}

/** Moves a requested return to received with its refund, under its row lock; a received one as it is. */
async function recordReceipt(tx: Transaction, id: number, input: ReturnReceiptInput): Promise<ReturnView> {
  await tx.$queryRaw`SELECT 1 FROM returns WHERE id = ${id} FOR UPDATE`;
  const current = await readReturn(tx, id);
  if (current.status === 'received') return current;
  if (current.status === 'cancelled') {
    throw new Conflict(`Return ${id} is cancelled; it cannot be received`, { currentStatus: current.status });
  }
  const lines = receiptLines(current, input.items ?? undefined);
  const refund = lines.reduce((sum, line) => sum + line.received * line.unitPriceCents, 0);
  const restocksNothing = lines.every((line) => line.restock === 0);
  await tx.$executeRaw`
    UPDATE return_items i SET received_quantity = l.received, restock_quantity = l.restock,
      refund_cents = l.received * i.unit_price_cents
    FROM unnest(${lines.map((l) => l.productId)}::int[], ${lines.map((l) => l.received)}::int[],
      ${lines.map((l) => l.restock)}::int[]) AS l(product_id, received, restock)
    WHERE i.return_id = ${id} AND i.product_id = l.product_id`;
  // Nothing to put back: nothing is owed to inventory.
  await tx.$executeRaw`
    UPDATE returns SET status = 'received', received_at = now(), refund_cents = ${refund},
      warehouse_id = ${input.warehouseId ?? null}::int,
      restocked_at = CASE WHEN ${restocksNothing} THEN now() END
    WHERE id = ${id}`;
  return readReturn(tx, id);
}
