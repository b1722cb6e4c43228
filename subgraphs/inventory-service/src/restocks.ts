// Restocks: the units of a received return put back on hand. order-service
// asks once per return, and may ask again after a failure or a crash: the
// first call claims the return's row and restocks, a repeat answers what was
// done. Units go back to the warehouses the order's goods shipped from (its
// committed reservation's allocations), or to the one named; over all of an
// order's returns, never more units of a product than shipped.
import { type Database, inTransaction, mapViolations, type Transaction } from '@supply/service-kit/database';
import { Conflict, NotFound } from '@supply/service-kit/errors';
import { idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import type { Allocation } from './allocation.ts';
import { returnStock } from './holds.ts';
import type { StockItem } from './inventory.ts';
import { lockProducts } from './stock.ts';
import { warehouseIdOrDefault } from './warehouses.ts';

export const restockInput = z.strictObject({
  returnId: idSchema,
  orderId: idSchema,
  /** Where every unit goes; left out, where it shipped from. */
  warehouseId: idSchema.optional(),
  /** The warehouses whose goods were delivered: units go back only there. Left out, any it shipped from. */
  shippedFrom: z.array(idSchema).min(1, 'must name at least one warehouse').max(100).optional(),
  items: z
    .array(z.strictObject({ productId: idSchema, quantity: z.int32('must be a whole number').positive() }))
    .min(1, 'must hold at least one item')
    .max(100, 'must hold at most 100 items')
    .refine(
      (items) => new Set(items.map((i) => i.productId)).size === items.length,
      'must name each product once',
    ),
});
export type RestockInput = z.output<typeof restockInput>;

export interface Restock {
  returnId: number;
  orderId: number;
  /** Where each product's units went, by product then warehouse id. */
  items: Allocation[];
  createdAt: Date;
}

export function restocksDomain(db: Database) {
  return { restock: (input: RestockInput) => restock(db, input) };
}

export type RestocksDomain = ReturnType<typeof restocksDomain>;

async function restock(db: Database, input: RestockInput): Promise<Restock> {
  const { returnId, orderId } = input;
  const missing = () => new NotFound(`Order ${orderId} has no return ${returnId}`);
  return mapViolations({ foreignKey: missing }, () =>
    inTransaction(db, async (tx) => {
      // A repeat racing this call waits on the primary key, then finds the restock done.
      const claimed = await tx.$executeRaw`
        INSERT INTO restocks (return_id, order_id) VALUES (${returnId}, ${orderId})
        ON CONFLICT (return_id) DO NOTHING`;
      if (claimed === 0) return answerRepeat(tx, input);
      // Restocks of one order's returns queue on the products' locks before counting what is left.
      await lockProducts(
        tx,
        input.items.map((item) => item.productId).sort((a, b) => a - b),
      );
      const placed = await place(tx, input);
      await returnStock(tx, placed);
      await tx.restockItem.createMany({ data: placed.map((line) => ({ returnId, ...line })) });
      return readRestock(tx, returnId);
    }),
  );
}

/** Where each unit goes: the named warehouse, or back where it shipped from (warehouse id order). */
async function place(tx: Transaction, input: RestockInput): Promise<Allocation[]> {
  const held = await tx.$queryRaw<Allocation[]>`
    SELECT a.product_id AS "productId", a.warehouse_id AS "warehouseId", a.quantity
    FROM reservation_allocations a JOIN reservations r ON r.order_id = a.order_id
    WHERE a.order_id = ${input.orderId} AND r.status = 'committed'
    ORDER BY a.product_id, a.warehouse_id`;
  const restocked = await tx.$queryRaw<Allocation[]>`
    SELECT i.product_id AS "productId", i.warehouse_id AS "warehouseId", sum(i.quantity)::int AS quantity
    FROM restock_items i JOIN restocks r ON r.return_id = i.return_id
    WHERE r.order_id = ${input.orderId} GROUP BY i.product_id, i.warehouse_id`;
  const sumOf = (lines: Allocation[], productId: number) =>
    lines.filter((l) => l.productId === productId).reduce((sum, l) => sum + l.quantity, 0);
  // Named delivered warehouses take back at most what they sent less what went back there.
  const from = input.shippedFrom;
  const there = (lines: Allocation[]) => (from ? lines.filter((l) => from.includes(l.warehouseId)) : lines);
  const [shipped, restockedThere] = [there(held), there(restocked)];
  const leftOf = (productId: number) =>
    Math.min(
      sumOf(held, productId) - sumOf(restocked, productId),
      sumOf(shipped, productId) - sumOf(restockedThere, productId),
    );
  const over = input.items
    .map((item) => ({ ...item, left: leftOf(item.productId) }))
    .filter((item) => item.quantity > item.left);
  if (over.length > 0) {
    const named = over.map(
      (i) => `product ${i.productId} (restock ${i.quantity}, shipped and not restocked ${i.left})`,
    );
    throw new Conflict(`Order ${input.orderId} shipped fewer units than this restock: ${named.join(', ')}`);
  }
  if (input.warehouseId !== undefined) {
    const warehouseId = await warehouseIdOrDefault(tx, input.warehouseId);
    return input.items.map((item) => ({ ...item, warehouseId }));
  }
  return input.items.flatMap((item) => spread(item, shipped, restockedThere));
}

/**
 * A product's units over the warehouses it shipped from, each taking back at
 * most what it sent less what went back there before: the check above leaves
 * room enough for all of them.
 */
function spread(item: StockItem, shipped: Allocation[], restocked: Allocation[]): Allocation[] {
  let left = item.quantity;
  const placed: Allocation[] = [];
  for (const from of shipped.filter((a) => a.productId === item.productId)) {
    const back = restocked.find((r) => r.productId === item.productId && r.warehouseId === from.warehouseId);
    const quantity = Math.min(left, from.quantity - (back?.quantity ?? 0));
    if (quantity > 0) placed.push({ productId: item.productId, warehouseId: from.warehouseId, quantity });
    left -= Math.max(quantity, 0);
  }
  return placed;
}

/** A repeat for the same return: what was done, when it asked for the same units. */
async function answerRepeat(tx: Transaction, input: RestockInput): Promise<Restock> {
  const done = await readRestock(tx, input.returnId);
  const asked = new Map(input.items.map((item) => [item.productId, item.quantity]));
  const got = new Map<number, number>();
  for (const line of done.items) got.set(line.productId, (got.get(line.productId) ?? 0) + line.quantity);
  const same =
    done.orderId === input.orderId &&
    got.size === asked.size &&
    [...asked].every(([productId, quantity]) => got.get(productId) === quantity);
  if (!same) throw new Conflict(`Return ${input.returnId} was restocked already, with other units`);
  return done;
}

async function readRestock(tx: Transaction, returnId: number): Promise<Restock> {
  const row = await tx.restock.findUniqueOrThrow({
    where: { returnId },
    include: { items: { orderBy: [{ productId: 'asc' }, { warehouseId: 'asc' }] } },
  });
  return {
    returnId: row.returnId,
    orderId: row.orderId,
    items: row.items.map(({ productId, warehouseId, quantity }) => ({ productId, warehouseId, quantity })),
    createdAt: row.createdAt,
  };
}
