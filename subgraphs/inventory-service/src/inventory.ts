// Stock levels: how a product and its level (totals over warehouses, and each
// warehouse's stock) are read. Changes live in stock.ts.
import { type Database, Prisma, type Statement, type Transaction } from '@supply/service-kit/database';
import { NotFound } from '@supply/service-kit/errors';
import type { Inventory, Product as ProductRow } from '@supply/service-kit/generated/prisma/client';
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

/** A product joined to its stock level: the row every read answers. */
export type ProductStockRow = ProductRow &
  StockColumns & { stockUpdatedAt: Date; warehouses: WarehouseLevel[] };

/** Totals over the product's warehouses, and each warehouse's stock. */
export type StockLevel = { productId: number } & Pick<ProductRow, 'sku' | 'name'> &
  StockColumns & { quantityAvailable: number; updatedAt: Date; warehouses: WarehouseLevel[] };

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

const WAREHOUSE_LEVELS = Prisma.sql`(
  SELECT coalesce(json_agg(json_build_object(
    'warehouseId', w.id, 'code', w.code, 'country', w.address_country,
    'quantityOnHand', s.quantity_on_hand, 'quantityReserved', s.quantity_reserved,
    'quantityAvailable', s.quantity_on_hand - s.quantity_reserved, 'reorderPoint', s.reorder_point,
    'lowStock', s.quantity_on_hand - s.quantity_reserved <= s.reorder_point,
    'location', s.location, 'version', s.version) ORDER BY w.id), '[]')
  FROM warehouse_stock s JOIN warehouses w ON w.id = s.warehouse_id WHERE s.product_id = p.id)`;

/** The ProductStockRow columns of `p` (products) joined to `i` (inventory rows). */
export const PRODUCT_STOCK_COLUMNS = Prisma.sql`
  p.id, p.sku, p.name, p.unit_price_cents AS "unitPriceCents", p.currency, p.weight_grams AS "weightGrams",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  i.quantity_on_hand AS "quantityOnHand", i.quantity_reserved AS "quantityReserved",
  i.reorder_point AS "reorderPoint", i.location, i.version, i.updated_at AS "stockUpdatedAt",
  ${WAREHOUSE_LEVELS} AS warehouses`;

export function toProduct(row: ProductStockRow): Product {
  const {
    quantityOnHand,
    quantityReserved,
    reorderPoint,
    location,
    version,
    stockUpdatedAt,
    warehouses,
    ...product
  } = row;
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
    warehouses,
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
  const rows = await readProducts(db, conditions, page.limit + 1);
  return toPage(rows.map(toProduct), page.limit);
}

export const productNotFound = (productId: number) => new NotFound(`Product ${productId} does not exist`);

/** The product as it stands, read inside the writer's transaction. */
export async function readProduct(tx: Transaction, productId: number): Promise<Product> {
  const [row] = await readProducts(tx, [Prisma.sql`p.id = ${productId}`]);
  if (!row) throw productNotFound(productId);
  return toProduct(row);
}

/** The hottest read of the service (GET /inventory/:productId), a prepared statement. */
const LEVEL_BY_ID: Statement = {
  text: `SELECT ${PRODUCT_STOCK_COLUMNS.text} FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.id = $1`,
};

export async function getLevel(db: Database, productId: number): Promise<StockLevel> {
  const [row] = await db.read<ProductStockRow>(LEVEL_BY_ID, [productId]);
  if (!row) throw productNotFound(productId);
  return toProduct(row).inventory;
}

export async function listLevels(
  db: Database,
  filter: ProductFilter,
  page: PageRequest,
): Promise<Page<StockLevel>> {
  const products = await findProducts(db.prisma, filter, page);
  return { items: products.items.map((product) => product.inventory), nextCursor: products.nextCursor };
}
