// Stock levels: how a product and its level are read, and every change to a
// level. The only file that knows stock arithmetic. A change is one
// conditional statement, or runs on rows locked in ascending product id
// order inside the caller's transaction; either way it bumps `version`.
import {
  type Database,
  Prisma,
  refusing,
  type Statement,
  type Transaction,
} from '@supply/service-kit/database';
import {
  Conflict,
  type DomainError,
  InsufficientStock,
  NotFound,
  PreconditionFailed,
  type ShortItem,
} from '@supply/service-kit/errors';
import type { Inventory, Product as ProductRow } from '@supply/service-kit/generated/prisma/client';
import { idempotentWrites } from '@supply/service-kit/idempotency';
import { reservationsRefused } from '@supply/service-kit/metrics';
import { type Page, toPage } from '@supply/service-kit/pagination';
import { z } from 'zod';

export const quantitySchema = z.int32('must be a whole number').min(0, 'must be 0 or more');
export const locationSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters');

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
  })
  .strict();
export type AdjustmentInput = z.output<typeof adjustmentInput>;

type StockColumns = Pick<
  Inventory,
  'quantityOnHand' | 'quantityReserved' | 'reorderPoint' | 'location' | 'version'
>;

/** A product joined to its stock level: the row every read answers. */
export type ProductStockRow = ProductRow & StockColumns & { stockUpdatedAt: Date };

export type StockLevel = { productId: number } & Pick<ProductRow, 'sku' | 'name'> &
  StockColumns & { quantityAvailable: number; updatedAt: Date };

export type Product = ProductRow & { inventory: StockLevel };

export interface StockItem {
  productId: number;
  quantity: number;
}

export interface ProductFilter {
  /** Only products with an id above this one (the decoded cursor). */
  after?: number | undefined;
  /** true: available at or below the reorder point; false: above it. */
  lowStock?: boolean | undefined;
  sku?: string | undefined;
}

/** The ProductStockRow columns of `p` (products) joined to `i` (inventory rows). */
export const PRODUCT_STOCK_COLUMNS = Prisma.sql`
  p.id, p.sku, p.name, p.unit_price_cents AS "unitPriceCents", p.currency, p.weight_grams AS "weightGrams",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  i.quantity_on_hand AS "quantityOnHand", i.quantity_reserved AS "quantityReserved",
  i.reorder_point AS "reorderPoint", i.location, i.version, i.updated_at AS "stockUpdatedAt"`;

export function toProduct(row: ProductStockRow): Product {
  const { quantityOnHand, quantityReserved, reorderPoint, location, version, stockUpdatedAt, ...product } =
    row;
  const inventory: StockLevel = {
    productId: row.id,
    sku: row.sku,
    name: row.name,
    quantityOnHand,
    quantityReserved,
    quantityAvailable: quantityOnHand - quantityReserved,
    reorderPoint,
    location,
    version,
    updatedAt: stockUpdatedAt,
  };
  return { ...product, inventory };
}

/** Products with their stock level in one statement, in id order. */
export function readProducts(db: Transaction, conditions: Prisma.Sql[], limit?: number) {
  return db.$queryRaw<ProductStockRow[]>`
    SELECT ${PRODUCT_STOCK_COLUMNS} FROM products p JOIN inventory i ON i.product_id = p.id
    WHERE ${Prisma.join(conditions, ' AND ')}
    ORDER BY p.id ${limit === undefined ? Prisma.empty : Prisma.sql`LIMIT ${limit}`}`;
}

/** One page of products (ordered by id) that pass the filter. */
export async function findProducts(
  db: Transaction,
  filter: ProductFilter,
  limit: number,
): Promise<Page<Product>> {
  const conditions = [Prisma.sql`p.id > ${filter.after ?? 0}`];
  if (filter.lowStock !== undefined) {
    const available = Prisma.sql`i.quantity_on_hand - i.quantity_reserved`;
    conditions.push(
      filter.lowStock
        ? Prisma.sql`${available} <= i.reorder_point`
        : Prisma.sql`${available} > i.reorder_point`,
    );
  }
  if (filter.sku !== undefined) conditions.push(Prisma.sql`p.sku = ${filter.sku}`);
  const rows = await readProducts(db, conditions, limit + 1);
  return toPage(rows.map(toProduct), limit);
}

const notFound = (productId: number) => new NotFound(`Product ${productId} does not exist`);

export function inventoryDomain(db: Database) {
  const adjustments = idempotentWrites(db, 'stock-adjustments', 200);
  return {
    level: (productId: number) => getLevel(db, productId),
    levels: (filter: ProductFilter, limit: number) => listLevels(db, filter, limit),
    setStock: (productId: number, input: StockInput, expectedVersion?: number) =>
      setStock(db, productId, input, expectedVersion),
    /** With an Idempotency-Key, once per caller, key and input: a retry answers the first answer. */
    adjust: (productId: number, input: AdjustmentInput, idempotencyKey?: string) =>
      adjustments.once(idempotencyKey, { productId, ...input }, (tx) => adjustStock(tx, productId, input)),
  };
}

/** The hottest read of the service (GET /inventory/:productId), a prepared statement. */
const LEVEL_BY_ID: Statement = {
  text: `SELECT ${PRODUCT_STOCK_COLUMNS.text} FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.id = $1`,
};

async function getLevel(db: Database, productId: number): Promise<StockLevel> {
  const [row] = await db.read<ProductStockRow>(LEVEL_BY_ID, [productId]);
  if (!row) throw notFound(productId);
  return toProduct(row).inventory;
}

async function listLevels(db: Database, filter: ProductFilter, limit: number): Promise<Page<StockLevel>> {
  const page = await findProducts(db.prisma, filter, limit);
  return { items: page.items.map((product) => product.inventory), nextCursor: page.nextCursor };
}

/** Sets counted stock; with `expectedVersion`, only while the level is still at that version. */
function setStock(db: Database, productId: number, input: StockInput, expectedVersion?: number) {
  const { quantityOnHand, reorderPoint, location } = input;
  const change = Prisma.sql`
    UPDATE inventory SET quantity_on_hand = ${quantityOnHand}, version = version + 1
      ${reorderPoint === undefined ? Prisma.empty : Prisma.sql`, reorder_point = ${reorderPoint}`}
      ${location === undefined ? Prisma.empty : Prisma.sql`, location = ${location}`}
    WHERE product_id = ${productId} AND quantity_reserved <= ${quantityOnHand}
      ${expectedVersion === undefined ? Prisma.empty : Prisma.sql`AND version = ${expectedVersion}`}
    RETURNING *`;
  return changeLevel(db.prisma, productId, { change }, (row) => {
    if (expectedVersion !== undefined && row.version !== expectedVersion) {
      return new PreconditionFailed(
        `The stock level of product ${productId} is at version ${row.version}, not ${expectedVersion}`,
      );
    }
    if (quantityOnHand < row.quantityReserved) {
      return new Conflict(
        `quantityOnHand ${quantityOnHand} is below the ${row.quantityReserved} units reserved for product ${productId}`,
      );
    }
    return undefined;
  });
}

/** A relative change, recorded as an inventory adjustment by the same statement. */
function adjustStock(tx: Transaction, productId: number, { delta, reason }: AdjustmentInput) {
  const change = Prisma.sql`
    UPDATE inventory SET quantity_on_hand = quantity_on_hand + ${delta}, version = version + 1
    WHERE product_id = ${productId} AND quantity_on_hand + ${delta} >= quantity_reserved
    RETURNING *`;
  const record = Prisma.sql`a AS (
    INSERT INTO inventory_adjustments (product_id, delta, reason)
    SELECT product_id, ${delta}::int, ${reason}::text FROM i)`;
  return changeLevel(tx, productId, { change, record }, (row) => {
    const after = row.quantityOnHand + delta;
    if (after < 0) {
      return new Conflict(
        `An adjustment of ${delta} would take product ${productId} below zero (${row.quantityOnHand} on hand)`,
      );
    }
    if (after < row.quantityReserved) {
      return new Conflict(
        `An adjustment of ${delta} would leave ${after} on hand for product ${productId}, below the ${row.quantityReserved} units reserved`,
      );
    }
    return undefined;
  });
}

export type InventoryDomain = ReturnType<typeof inventoryDomain>;

interface LevelChange {
  /** An UPDATE of one inventory row, RETURNING *; its condition guards the change. */
  change: Prisma.Sql;
  /** A further data-modifying CTE reading the changed row as `i`. */
  record?: Prisma.Sql;
}

/**
 * Applies a conditional change and answers the product. When the condition
 * held for no row, `refusal` says why from the row as it is now; if the row
 * has changed since and would now pass, the change is tried again.
 */
async function changeLevel(
  tx: Transaction,
  productId: number,
  { change, record }: LevelChange,
  refusal: (row: ProductStockRow) => DomainError | undefined,
): Promise<Product> {
  const outOfRange = () =>
    new Conflict(
      `The change would take the stock of product ${productId} past the largest storable quantity`,
    );
  for (let attempt = 1; ; attempt++) {
    const [row] = await refusing(
      { outOfRange },
      () =>
        tx.$queryRaw<ProductStockRow[]>`
        WITH i AS (${change}) ${record ? Prisma.sql`, ${record}` : Prisma.empty}
        SELECT ${PRODUCT_STOCK_COLUMNS} FROM products p JOIN i ON i.product_id = p.id`,
    );
    if (row) return toProduct(row);
    const [current] = await readProducts(tx, [Prisma.sql`p.id = ${productId}`]);
    const error = current ? refusal(current) : notFound(productId);
    if (error) throw error;
    if (attempt === 3) throw new Conflict(`The stock of product ${productId} is changing; try again`);
  }
}

interface LockedLevel {
  productId: number;
  quantityOnHand: number;
  quantityReserved: number;
}

/** Locks stock rows in ascending product id order, the order every multi-row writer uses. */
async function lockLevels(tx: Transaction, items: StockItem[]): Promise<Map<number, LockedLevel>> {
  const rows = await tx.$queryRaw<LockedLevel[]>`
    SELECT product_id AS "productId", quantity_on_hand AS "quantityOnHand", quantity_reserved AS "quantityReserved"
    FROM inventory WHERE product_id = ANY(${items.map((item) => item.productId)}::int[])
    ORDER BY product_id FOR UPDATE`;
  return new Map(rows.map((row) => [row.productId, row]));
}

/** Applies `set` (reading the row as `i`, the item's quantity as `m.quantity`) to each item's row. */
async function moveStock(tx: Transaction, items: StockItem[], set: Prisma.Sql): Promise<void> {
  const ids = items.map((item) => item.productId);
  const quantities = items.map((item) => item.quantity);
  await tx.$executeRaw`
    UPDATE inventory i SET ${set}, version = i.version + 1
    FROM unnest(${ids}::int[], ${quantities}::int[]) AS m(product_id, quantity)
    WHERE i.product_id = m.product_id`;
}

/** Holds stock for every item or for none: unknown products are NotFound, short ones InsufficientStock. */
export async function holdStock(tx: Transaction, items: StockItem[]): Promise<void> {
  const levels = await lockLevels(tx, items);
  const unknown = items.filter((item) => !levels.has(item.productId)).map((item) => item.productId);
  if (unknown.length > 0) {
    reservationsRefused.inc({ reason: 'NOT_FOUND' });
    throw new NotFound(`Product ${unknown.join(', ')} does not exist`, { productIds: unknown });
  }
  const short = items.flatMap((item): ShortItem[] => {
    const level = levels.get(item.productId)!;
    const available = level.quantityOnHand - level.quantityReserved;
    return available < item.quantity
      ? [{ productId: item.productId, requested: item.quantity, available }]
      : [];
  });
  if (short.length > 0) {
    reservationsRefused.inc({ reason: 'INSUFFICIENT_STOCK' });
    throw new InsufficientStock(short);
  }
  await moveStock(tx, items, Prisma.sql`quantity_reserved = i.quantity_reserved + m.quantity`);
}

/** Gives held stock back. */
export async function releaseStock(tx: Transaction, items: StockItem[]): Promise<void> {
  await lockLevels(tx, items);
  await moveStock(tx, items, Prisma.sql`quantity_reserved = i.quantity_reserved - m.quantity`);
}

/** Held stock left the warehouse: it is neither on hand nor reserved any more. */
export async function shipStock(tx: Transaction, items: StockItem[]): Promise<void> {
  await lockLevels(tx, items);
  await moveStock(
    tx,
    items,
    Prisma.sql`quantity_on_hand = i.quantity_on_hand - m.quantity, quantity_reserved = i.quantity_reserved - m.quantity`,
  );
}
