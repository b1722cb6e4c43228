// Stock levels: how a product and its level (totals over warehouses, and each
// warehouse's stock) are read. Changes live in stock.ts, and holds.ts for reservations' holds.
import { type Database, Prisma, type Statement, type Transaction } from '@supply/service-kit/database';
import { NotFound } from '@supply/service-kit/errors';
import type { Inventory, Product as ProductRow } from '@supply/service-kit/generated/prisma/client';
import { groupedInOrder, inIdOrder } from '@supply/service-kit/lists';
import { type Page, type PageRequest, toPage } from '@supply/service-kit/pagination';
import { z } from 'zod';

export const quantitySchema = z.int32('must be a whole number').min(0, 'must be 0 or more');
export const locationSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters');

type StockColumns = Pick<
  Inventory,
  'quantityOnHand' | 'quantityReserved' | 'reorderPoint' | 'location' | 'version'
>;

/** A product's stock in one warehouse. */
export type WarehouseLevel = { warehouseId: number; code: string; country: string | null } & StockColumns & {
    quantityAvailable: number;
    lowStock: boolean;
  };

/** A product joined to its totals (its inventory row). */
type ProductTotalsRow = ProductRow & StockColumns & { stockUpdatedAt: Date };

/** A product's totals over its warehouses, kept in its inventory row. */
export type StockTotals = { productId: number } & Pick<ProductRow, 'sku' | 'name'> &
  StockColumns & { quantityAvailable: number; updatedAt: Date };

/** Totals over the product's warehouses, and each warehouse's stock. */
export type StockLevel = StockTotals & { warehouses: WarehouseLevel[] };

/** A product with its totals only: what an entity reference needs. */
export type ProductWithTotals = ProductRow & { inventory: StockTotals };

export type Product = ProductRow & { inventory: StockLevel };

export interface StockItem {
  productId: number;
  quantity: number;
}

export interface ProductFilter {
  /** true: some warehouse's available stock is at or below its reorder point; false: none is. */
  lowStock?: boolean | undefined;
  sku?: string | undefined;
}

/** The ProductTotalsRow columns of `p` (products) joined to `i` (inventory rows). */
const PRODUCT_TOTALS_COLUMNS = `
  p.id, p.sku, p.name, p.unit_price_cents AS "unitPriceCents", p.currency, p.weight_grams AS "weightGrams",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  i.quantity_on_hand AS "quantityOnHand", i.quantity_reserved AS "quantityReserved",
  i.reorder_point AS "reorderPoint", i.location, i.version, i.updated_at AS "stockUpdatedAt"`;

/** The products with these ids ($1) and their totals, in no particular order. */
const TOTALS_BY_IDS: Statement = {
  text: `SELECT ${PRODUCT_TOTALS_COLUMNS} FROM products p JOIN inventory i ON i.product_id = p.id
    WHERE p.id = ANY($1::int[])`,
};

/** One warehouse's stock (`s`, in warehouse `w`); null where a product has none. */
type WarehouseLevelRow = {
  [K in keyof WarehouseLevel as `warehouse${Capitalize<K>}`]: WarehouseLevel[K] | null;
};
/** A warehouse's stock beside its product's totals. */
type ProductLevelRow = ProductTotalsRow & WarehouseLevelRow;

const WAREHOUSE_LEVEL_COLUMNS = `w.id AS "warehouseWarehouseId", w.code AS "warehouseCode",
  w.address_country AS "warehouseCountry", s.quantity_on_hand AS "warehouseQuantityOnHand",
  s.quantity_reserved AS "warehouseQuantityReserved",
  s.quantity_on_hand - s.quantity_reserved AS "warehouseQuantityAvailable", s.reorder_point AS "warehouseReorderPoint",
  s.quantity_on_hand - s.quantity_reserved <= s.reorder_point AS "warehouseLowStock",
  s.location AS "warehouseLocation", s.version AS "warehouseVersion"`;

/**
 * The products that meet `conditions` (on `p` and `i`), in id order, each with
 * its totals and its stock per warehouse: one row per warehouse, read together
 * so the totals are the sum of the warehouses shown (REST and the writes'
 * answers; GraphQL reads the warehouses apart, only when selected:
 * WAREHOUSE_LEVELS_OF). The warehouses are joined per product (LATERAL), so
 * each product costs an index lookup whatever the plan.
 */
function productLevels(conditions: Prisma.Sql, limit?: number): Prisma.Sql {
  const chosen =
    limit === undefined
      ? conditions
      : Prisma.sql`p.id IN (SELECT p.id FROM products p JOIN inventory i ON i.product_id = p.id
          WHERE ${conditions} ORDER BY p.id LIMIT ${limit})`;
  return Prisma.sql`SELECT ${Prisma.raw(PRODUCT_TOTALS_COLUMNS)}, l.*
    FROM products p JOIN inventory i ON i.product_id = p.id LEFT JOIN LATERAL (
      SELECT ${Prisma.raw(WAREHOUSE_LEVEL_COLUMNS)}
      FROM warehouse_stock s JOIN warehouses w ON w.id = s.warehouse_id WHERE s.product_id = p.id) l ON true
    WHERE ${chosen}
    ORDER BY p.id, l."warehouseWarehouseId"`;
}

/** The stock per warehouse of the products with these ids ($1), by product, then warehouse. */
const WAREHOUSE_LEVELS_OF: Statement = {
  text: `SELECT s.product_id AS "productId", ${WAREHOUSE_LEVEL_COLUMNS}
    FROM warehouse_stock s JOIN warehouses w ON w.id = s.warehouse_id
    WHERE s.product_id = ANY($1::int[]) ORDER BY s.product_id, w.id`,
};

// One id by equality: PostgreSQL plans an array of ids afresh on each call, which costs more than this read.
/** The product with this id ($1), with its stock per warehouse. */
const LEVEL_BY_ID: Statement = { text: productLevels(Prisma.raw('p.id = $1')).text };

function toProductWithTotals(row: ProductTotalsRow): ProductWithTotals {
  const { id, sku, name, quantityOnHand, quantityReserved } = row;
  return {
    id,
    sku,
    name,
    unitPriceCents: row.unitPriceCents,
    currency: row.currency,
    weightGrams: row.weightGrams,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    inventory: {
      productId: id,
      sku,
      name,
      quantityOnHand,
      quantityReserved,
      quantityAvailable: quantityOnHand - quantityReserved,
      reorderPoint: row.reorderPoint,
      location: row.location,
      version: row.version,
      updatedAt: row.stockUpdatedAt,
    },
  };
}

function toWarehouseLevel(row: WarehouseLevelRow): WarehouseLevel {
  return {
    warehouseId: row.warehouseWarehouseId!,
    code: row.warehouseCode!,
    country: row.warehouseCountry,
    quantityOnHand: row.warehouseQuantityOnHand!,
    quantityReserved: row.warehouseQuantityReserved!,
    quantityAvailable: row.warehouseQuantityAvailable!,
    reorderPoint: row.warehouseReorderPoint!,
    lowStock: row.warehouseLowStock!,
    location: row.warehouseLocation,
    version: row.warehouseVersion!,
  };
}

/** Rows of productLevels (one per warehouse, in product id order) folded into products. */
function toProducts(rows: ProductLevelRow[]): Product[] {
  const products: Product[] = [];
  let last: Product | undefined;
  for (const row of rows) {
    if (last?.id !== row.id) {
      const product = toProductWithTotals(row);
      last = { ...product, inventory: { ...product.inventory, warehouses: [] } };
      products.push(last);
    }
    if (row.warehouseWarehouseId !== null) last.inventory.warehouses.push(toWarehouseLevel(row));
  }
  return products;
}

/** Products with their totals and stock per warehouse in one statement, in id order. */
export async function readProducts(db: Transaction, conditions: Prisma.Sql[], limit?: number) {
  return toProducts(
    await db.$queryRaw<ProductLevelRow[]>(productLevels(Prisma.join(conditions, ' AND '), limit)),
  );
}

/** The products with these ids and their totals, in the same order, null where none exists (an entity batch). */
export async function readTotals(db: Database, ids: readonly number[]) {
  const rows = await db.read<ProductTotalsRow>(TOTALS_BY_IDS, [[...ids]]);
  return inIdOrder(ids, rows, toProductWithTotals);
}

/** Each product's stock per warehouse, in the order of `ids` (none for an unknown product): one statement. */
export async function readWarehouseLevels(db: Database, ids: readonly number[]): Promise<WarehouseLevel[][]> {
  const rows = await db.read<WarehouseLevelRow & { productId: number }>(WAREHOUSE_LEVELS_OF, [[...ids]]);
  return groupedInOrder(ids, rows, (row) => row.productId, toWarehouseLevel);
}

/** The product with this id, with its stock per warehouse: GET /inventory/:productId and GET /products/:id. */
export async function readLevel(db: Database, productId: number): Promise<Product> {
  const [product] = toProducts(await db.read<ProductLevelRow>(LEVEL_BY_ID, [productId]));
  if (!product) throw productNotFound(productId);
  return product;
}

/** One page of products (ordered by id) that pass the filter. */
export async function findProducts(
  db: Transaction,
  filter: ProductFilter,
  page: PageRequest,
): Promise<Page<Product>> {
  const conditions = [Prisma.sql`p.id > ${page.after ?? 0}`];
  if (filter.lowStock !== undefined) {
    // Low stock is per warehouse: plenty in one does not hide a shortage in another.
    const low = Prisma.sql`EXISTS (SELECT 1 FROM warehouse_stock s WHERE s.product_id = p.id
      AND s.quantity_on_hand - s.quantity_reserved <= s.reorder_point)`;
    conditions.push(filter.lowStock ? low : Prisma.sql`NOT ${low}`);
  }
  if (filter.sku !== undefined) conditions.push(Prisma.sql`p.sku = ${filter.sku}`);
  return toPage(await readProducts(db, conditions, page.limit + 1), page.limit);
}

export const productNotFound = (productId: number) => new NotFound(`Product ${productId} does not exist`);

/** The product as it stands, read inside the writer's transaction. */
export async function readProduct(tx: Transaction, productId: number): Promise<Product> {
  const [product] = await readProducts(tx, [Prisma.sql`p.id = ${productId}`]);
  if (!product) throw productNotFound(productId);
  return product;
}

/** The hottest read of the service (GET /inventory/:productId), a prepared statement. */
export async function getLevel(db: Database, productId: number): Promise<StockLevel> {
  return (await readLevel(db, productId)).inventory;
}

export async function listLevels(
  db: Database,
  filter: ProductFilter,
  page: PageRequest,
): Promise<Page<StockLevel>> {
  const products = await findProducts(db.prisma, filter, page);
  return { items: products.items.map((product) => product.inventory), nextCursor: products.nextCursor };
}
