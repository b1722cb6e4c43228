// GraphQL -> domain calls, nothing more.
import { requireRole } from '@supply/service-kit/auth';
import { dateTimeScalar } from '@supply/service-kit/graphql';
import { idempotencyKeySchema } from '@supply/service-kit/idempotency';
import { connectionArgsSchema, pageOfConnection, toConnection } from '@supply/service-kit/pagination';
import { idSchema, parse, parseId } from '@supply/service-kit/validation';
import { z } from 'zod';
import { locationSchema, quantitySchema, type StockTotals, type WarehouseLevel } from './inventory.ts';
import type { Loaders } from './loaders.ts';
import { type ProductsDomain, productInput } from './products.ts';
import { adjustmentInput, type InventoryDomain, transferInput } from './stock.ts';
import { type WarehousesDomain, warehouseInput } from './warehouses.ts';

export interface Context {
  loaders: Loaders;
  products: ProductsDomain;
  inventory: InventoryDomain;
  warehouses: WarehousesDomain;
}

const productsArgs = connectionArgsSchema.extend({ lowStockOnly: z.boolean().nullish() });

const setStockArgs = z.object({
  productId: idSchema,
  quantityOnHand: quantitySchema,
  expectedVersion: z.int32().positive('must be a version, 1 or more').nullish(),
});

const key = { idempotencyKey: idempotencyKeySchema.nullish() };
const createProductArgs = z.object({ input: productInput, ...key });
const adjustStockArgs = adjustmentInput.extend({
  productId: idSchema,
  warehouseId: idSchema.nullish(),
  ...key,
});

const setWarehouseStockArgs = setStockArgs.extend({
  warehouseId: idSchema,
  reorderPoint: quantitySchema.nullish(),
  location: locationSchema.nullish(),
});

export const resolvers = {
  DateTime: dateTimeScalar,
  Query: {
    product: (_: unknown, args: { id: unknown }, ctx: Context) => ctx.loaders.product.load(parseId(args.id)),
    products: async (_: unknown, args: unknown, ctx: Context) => {
      const { lowStockOnly, ...page } = parse(productsArgs, args);
      const filter = { lowStock: lowStockOnly ? true : undefined };
      return toConnection(await ctx.products.list(filter, pageOfConnection(page)));
    },
    warehouses: (_: unknown, _args: unknown, ctx: Context) => ctx.warehouses.list(),
    warehouse: (_: unknown, args: { id: unknown }, ctx: Context) =>
      ctx.loaders.warehouse.load(parseId(args.id)),
  },
  Mutation: {
    createProduct: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { input, idempotencyKey } = parse(createProductArgs, args);
      return ctx.products.create(input, idempotencyKey ?? undefined);
    },
    setStock: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { productId, quantityOnHand, expectedVersion } = parse(setStockArgs, args);
      return ctx.inventory.setStock(
        productId,
        { quantityOnHand },
        { expectedVersion: expectedVersion ?? undefined },
      );
    },
    adjustStock: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { productId, warehouseId, idempotencyKey, ...adjustment } = parse(adjustStockArgs, args);
      const input = { ...adjustment, warehouseId: warehouseId ?? undefined };
      return ctx.inventory.adjust(productId, input, idempotencyKey ?? undefined);
    },
    createWarehouse: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      return ctx.warehouses.create(parse(z.object({ input: warehouseInput }), args).input);
    },
    setWarehouseStock: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { productId, warehouseId, quantityOnHand, reorderPoint, location, expectedVersion } = parse(
        setWarehouseStockArgs,
        args,
      );
      const input = { quantityOnHand, reorderPoint: reorderPoint ?? undefined, location };
      return ctx.inventory.setStock(productId, input, {
        warehouseId,
        expectedVersion: expectedVersion ?? undefined,
      });
    },
    transferStock: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      return ctx.inventory.transfer(parse(z.object({ input: transferInput }), args).input);
    },
  },
  StockLevel: {
    // A written product arrives with its warehouses, read in the write's transaction; a read one without.
    byWarehouse: (level: StockTotals & { warehouses?: WarehouseLevel[] }, _: unknown, ctx: Context) =>
      level.warehouses ?? ctx.loaders.warehouseLevels.load(level.productId),
  },
  WarehouseStock: {
    warehouse: (stock: WarehouseLevel, _: unknown, ctx: Context) =>
      ctx.loaders.warehouse.load(stock.warehouseId),
  },
  StockTransfer: {
    product: (transfer: { productId: number }, _: unknown, ctx: Context) =>
      ctx.loaders.product.load(transfer.productId),
    from: (transfer: { fromWarehouseId: number }, _: unknown, ctx: Context) =>
      ctx.loaders.warehouse.load(transfer.fromWarehouseId),
    to: (transfer: { toWarehouseId: number }, _: unknown, ctx: Context) =>
      ctx.loaders.warehouse.load(transfer.toWarehouseId),
  },
  Warehouse: {
    __resolveReference: (ref: { id: unknown }, ctx: Context) => ctx.loaders.warehouse.load(parseId(ref.id)),
  },
  Product: {
    __resolveReference: (ref: { id: unknown }, ctx: Context) => ctx.loaders.product.load(parseId(ref.id)),
  },
};
