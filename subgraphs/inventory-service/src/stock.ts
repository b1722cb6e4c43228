// Counted stock, adjustments and transfers per warehouse, and the products'
// locks every change to stock takes (holds.ts has the holds reservations place).
// Each change runs in a transaction that first locks the products' inventory
// rows in ascending product id order (the products' locks), then changes
// warehouse_stock rows; the database adds each change into the inventory
// row's totals, so the totals are always the sum.
import {
  type Database,
  inTransaction,
  mapViolations,
  Prisma,
  type Transaction,
} from '@supply/service-kit/database';
import { Conflict, InsufficientStock, PreconditionFailed } from '@supply/service-kit/errors';
import { idempotentWrites } from '@supply/service-kit/idempotency';
import type { PageRequest } from '@supply/service-kit/pagination';
import { idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import {
  getLevel,
  listLevels,
  locationSchema,
  type Product,
  type ProductFilter,
  productNotFound,
  quantitySchema,
  readProduct,
} from './inventory.ts';
import { warehouseIdOrDefault } from './warehouses.ts';

export const stockInput = z
  .object({
    quantityOnHand: quantitySchema,
    reorderPoint: quantitySchema.optional(),
    location: locationSchema.nullable().optional(),
  })
  .strict();
export type StockInput = z.output<typeof stockInput>;

export const adjustmentInput = z
  .object({
    delta: z.int32('must be a whole number').refine((delta) => delta !== 0, 'must not be 0'),
    reason: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    warehouseId: idSchema.optional(),
  })
  .strict();
export type AdjustmentInput = z.output<typeof adjustmentInput>;

export const transferInput = z
  .object({
    productId: idSchema,
    fromWarehouseId: idSchema,
    toWarehouseId: idSchema,
    quantity: z.int32('must be a whole number').positive('must be more than 0'),
  })
  .strict()
  .refine((input) => input.fromWarehouseId !== input.toWarehouseId, {
    message: 'must differ from fromWarehouseId',
    path: ['toWarehouseId'],
  });
export type TransferInput = z.output<typeof transferInput>;

/** Which version a conditional write expects: the product's totals, or one warehouse's row. */
export interface StockTarget {
  warehouseId?: number | undefined;
  expectedVersion?: number | undefined;
}

/** Runs `work` in the caller's transaction, or in a new one when the caller has none (`db.prisma`). */
export function within<T>(db: Database, tx: Transaction, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return tx === db.prisma ? inTransaction(db, work) : work(tx);
}

export function inventoryDomain(db: Database) {
  const adjustments = idempotentWrites(db, 'stock-adjustments', 200);
  return {
    level: (productId: number) => getLevel(db, productId),
    levels: (filter: ProductFilter, page: PageRequest) => listLevels(db, filter, page),
    setStock: (productId: number, input: StockInput, target: StockTarget = {}) =>
      changeStock(db, productId, (tx, totalsVersion) =>
        setStock(tx, productId, input, { ...target, totalsVersion }),
      ),
    /** With an Idempotency-Key, once per caller, key and input: a retry answers the first answer. */
    adjust: (productId: number, input: AdjustmentInput, idempotencyKey?: string) =>
      adjustments.once(idempotencyKey, { productId, ...input }, (tx) =>
        changeStock(db, productId, (t) => adjustStock(t, productId, input), tx),
      ),
    transfer: (input: TransferInput) => transfer(db, input),
  };
}

export type InventoryDomain = ReturnType<typeof inventoryDomain>;

interface WarehouseStock {
  quantityOnHand: number;
  quantityReserved: number;
  version: number;
}

const tooLarge = (productId: number) => () =>
  new Conflict(`The change would take the stock of product ${productId} past the largest storable quantity`);

/** Runs `work` with the product locked, and answers the product as it then stands. */
async function changeStock(
  db: Database,
  productId: number,
  work: (tx: Transaction, totalsVersion: number) => Promise<void>,
  outer: Transaction = db.prisma,
): Promise<Product> {
  return mapViolations({ outOfRange: tooLarge(productId) }, () =>
    within(db, outer, async (tx) => {
      const [totals] = await lockProducts(tx, [productId]);
      if (!totals) throw productNotFound(productId);
      await work(tx, totals.version);
      return readProduct(tx, productId);
    }),
  );
}

/** Locks the products' inventory rows, ascending product id, and answers their totals' versions. */
export async function lockProducts(tx: Transaction, productIds: number[]) {
  return tx.$queryRaw<Array<{ productId: number; version: number }>>(lockingProducts(productIds));
}

/**
 * The statement (or CTE) that locks the products' inventory rows in ascending product id, the
 * order every change to stock takes them in; `only` gates it on what the statement did before.
 */
export function lockingProducts(productIds: number[], only?: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT product_id AS "productId", version FROM inventory
    WHERE product_id = ANY(${productIds}::int[]) ${only ? Prisma.sql`AND ${only}` : Prisma.empty}
    ORDER BY product_id FOR UPDATE`;
}

async function readStock(tx: Transaction, productId: number, warehouseId: number): Promise<WarehouseStock> {
  const [row] = await tx.$queryRaw<WarehouseStock[]>`
    SELECT quantity_on_hand AS "quantityOnHand", quantity_reserved AS "quantityReserved", version
    FROM warehouse_stock WHERE product_id = ${productId} AND warehouse_id = ${warehouseId}`;
  return row ?? { quantityOnHand: 0, quantityReserved: 0, version: 0 };
}

/** Adds `delta` to on hand in one warehouse, creating its row when it has none. */
async function addOnHand(tx: Transaction, productId: number, warehouseId: number, delta: number) {
  await tx.$executeRaw`
    INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand)
    VALUES (${productId}, ${warehouseId}, greatest(${delta}::int, 0)) -- the row a receipt creates; CHECKs see it first
    ON CONFLICT (product_id, warehouse_id) DO UPDATE
    SET quantity_on_hand = warehouse_stock.quantity_on_hand + ${delta}, version = warehouse_stock.version + 1`;
}

/**
 * Sets counted stock in one warehouse (the default when none is named). With
 * `expectedVersion`, only while the version still matches: the warehouse
 * row's when a warehouse is named, otherwise the product's totals'.
 */
async function setStock(
  tx: Transaction,
  productId: number,
  input: StockInput,
  target: StockTarget & { totalsVersion: number },
) {
  const warehouseId = await warehouseIdOrDefault(tx, target.warehouseId);
  const stock = await readStock(tx, productId, warehouseId);
  const version = target.warehouseId === undefined ? target.totalsVersion : stock.version;
  if (target.expectedVersion !== undefined && version !== target.expectedVersion) {
    throw new PreconditionFailed(
      `The stock level of product ${productId} is at version ${version}, not ${target.expectedVersion}`,
    );
  }
  const { quantityOnHand, reorderPoint, location } = input;
  if (quantityOnHand < stock.quantityReserved) {
    throw new Conflict(
      `quantityOnHand ${quantityOnHand} is below the ${stock.quantityReserved} units reserved for product ${productId}`,
    );
  }
  await tx.$executeRaw`
    INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand, reorder_point, location)
    VALUES (${productId}, ${warehouseId}, ${quantityOnHand}, ${reorderPoint ?? 0}, ${location ?? null})
    ON CONFLICT (product_id, warehouse_id) DO UPDATE SET quantity_on_hand = EXCLUDED.quantity_on_hand,
      version = warehouse_stock.version + 1
      ${reorderPoint === undefined ? Prisma.empty : Prisma.sql`, reorder_point = EXCLUDED.reorder_point`}
      ${location === undefined ? Prisma.empty : Prisma.sql`, location = EXCLUDED.location`}`;
}

/** A relative change in one warehouse (the default when none is named), recorded as an adjustment. */
async function adjustStock(tx: Transaction, productId: number, input: AdjustmentInput) {
  const { delta, reason } = input;
  const warehouseId = await warehouseIdOrDefault(tx, input.warehouseId);
  const stock = await readStock(tx, productId, warehouseId);
  const after = stock.quantityOnHand + delta;
  if (after < 0) {
    throw new Conflict(
      `An adjustment of ${delta} would take product ${productId} below zero (${stock.quantityOnHand} on hand)`,
    );
  }
  if (after < stock.quantityReserved) {
    throw new Conflict(
      `An adjustment of ${delta} would leave ${after} on hand for product ${productId}, below the ${stock.quantityReserved} units reserved`,
    );
  }
  await addOnHand(tx, productId, warehouseId, delta);
  await tx.inventoryAdjustment.create({ data: { productId, warehouseId, delta, reason } });
}

/** Moves available stock from one warehouse to another, all of it or none (409 when short). */
async function transfer(db: Database, input: TransferInput) {
  const { productId, fromWarehouseId, toWarehouseId, quantity } = input;
  let id = 0;
  const product = await changeStock(db, productId, async (tx) => {
    await warehouseIdOrDefault(tx, toWarehouseId);
    const from = await readStock(tx, productId, await warehouseIdOrDefault(tx, fromWarehouseId));
    const available = from.quantityOnHand - from.quantityReserved;
    if (available < quantity) {
      throw new InsufficientStock([{ productId, requested: quantity, available }]);
    }
    await addOnHand(tx, productId, fromWarehouseId, -quantity);
    await addOnHand(tx, productId, toWarehouseId, quantity);
    ({ id } = await tx.stockTransfer.create({ data: input }));
  });
  return { id, productId, fromWarehouseId, toWarehouseId, quantity, inventory: product.inventory };
}
