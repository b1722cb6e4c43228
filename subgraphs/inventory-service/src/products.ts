// The catalogue: adding a product (always with its stock level, in the default warehouse) and finding
// products. How a product and its level are read lives in inventory.ts.

import { type Database, mapViolations, type Transaction } from '@supply/service-kit/database';
import { Conflict } from '@supply/service-kit/errors';
import { idempotentWrites } from '@supply/service-kit/idempotency';
import type { Page, PageRequest } from '@supply/service-kit/pagination';
import { z } from 'zod';
import {
  findProducts,
  locationSchema,
  type Product,
  type ProductFilter,
  quantitySchema,
  readLevel,
  readProduct,
  readTotals,
  readWarehouseLevels,
  type WarehouseLevel,
} from './inventory.ts';
import { within } from './stock.ts';

// The same rule as the products.sku CHECK in docs/db-schema.sql.
export const skuSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

export const productInput = z
  .object({
    sku: skuSchema,
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    unitPriceCents: z.int32('must be a whole number of cents').min(0, 'must be 0 or more'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three uppercase letters, e.g. USD'),
    weightGrams: z.int32('must be a whole number of grams').positive('must be more than 0'),
    quantityOnHand: quantitySchema.nullish(),
    reorderPoint: quantitySchema.nullish(),
    location: locationSchema.nullish(),
  })
  .strict();
export type ProductInput = z.output<typeof productInput>;

export function productsDomain(db: Database) {
  const creations = idempotentWrites(db, 'products', 201);
  return {
    /** With an Idempotency-Key, once per caller, key and input: a retry answers the first answer. */
    create: (input: ProductInput, idempotencyKey?: string) =>
      creations.once(idempotencyKey, input, (tx) => within(db, tx, (t) => createProduct(t, input))),
    get: (id: number) => readLevel(db, id),
    /** With totals only, for entity references; their stock per warehouse comes from warehouseLevels. */
    getMany: (ids: readonly number[]) => readTotals(db, ids),
    /** Each product's stock per warehouse, in the order of `ids`: one statement for all. */
    warehouseLevels: (ids: readonly number[]): Promise<WarehouseLevel[][]> => readWarehouseLevels(db, ids),
    list: (filter: ProductFilter, page: PageRequest): Promise<Page<Product>> =>
      findProducts(db.prisma, filter, page),
  };
}

export type ProductsDomain = ReturnType<typeof productsDomain>;

/** The product, its totals and its stock in the default warehouse come into being together. */
async function createProduct(tx: Transaction, input: ProductInput): Promise<Product> {
  const duplicate = () =>
    new Conflict(`A product with sku ${input.sku} already exists`, {
      errors: [{ field: 'sku', message: 'is already taken' }],
    });
  return mapViolations({ unique: duplicate }, async () => {
    const [product] = await tx.$queryRaw<Array<{ id: number }>>`
      WITH p AS (
        INSERT INTO products (sku, name, unit_price_cents, currency, weight_grams)
        VALUES (${input.sku}, ${input.name}, ${input.unitPriceCents}, ${input.currency}, ${input.weightGrams})
        RETURNING id
      ), i AS (
        INSERT INTO inventory (product_id) SELECT id FROM p RETURNING product_id
      )
      INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand, reorder_point, location)
      SELECT product_id, (SELECT id FROM warehouses WHERE is_default), ${input.quantityOnHand ?? 0}::int,
        ${input.reorderPoint ?? 0}::int, ${input.location ?? null}::text
      FROM i
      RETURNING product_id AS id`;
    // Adding its first warehouse row counted as a change; a new level starts at version 1.
    await tx.$executeRaw`UPDATE inventory SET version = 1 WHERE product_id = ${product!.id}`;
    return readProduct(tx, product!.id);
  });
}
