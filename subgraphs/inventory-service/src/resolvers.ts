// GraphQL -> domain calls, nothing more.
import { requireRole } from '@supply/service-kit/auth';
import { dateTimeScalar } from '@supply/service-kit/graphql';
import { idempotencyKeySchema } from '@supply/service-kit/idempotency';
import { decodeCursor, limitSchema, toConnection } from '@supply/service-kit/pagination';
import { idSchema, parse, parseId } from '@supply/service-kit/validation';
import { z } from 'zod';
import { adjustmentInput, type InventoryDomain, quantitySchema } from './inventory.ts';
import type { Loaders } from './loaders.ts';
import { type ProductsDomain, productInput } from './products.ts';

export interface Context {
  loaders: Loaders;
  products: ProductsDomain;
  inventory: InventoryDomain;
}

const productsArgs = z.object({
  first: limitSchema,
  after: z.string().nullish(),
  lowStockOnly: z.boolean().nullish(),
});

const setStockArgs = z.object({
  productId: idSchema,
  quantityOnHand: quantitySchema,
  expectedVersion: z.int32().positive('must be a version, 1 or more').nullish(),
});

const key = { idempotencyKey: idempotencyKeySchema.nullish() };
const createProductArgs = z.object({ input: productInput, ...key });
const adjustStockArgs = adjustmentInput.extend({ productId: idSchema, ...key });

export const resolvers = {
  DateTime: dateTimeScalar,
  Query: {
    product: (_: unknown, args: { id: unknown }, ctx: Context) => ctx.loaders.product.load(parseId(args.id)),
    products: async (_: unknown, args: unknown, ctx: Context) => {
      const { first, after, lowStockOnly } = parse(productsArgs, args);
      const filter = { after: decodeCursor(after, 'after'), lowStock: lowStockOnly ? true : undefined };
      return toConnection(await ctx.products.list(filter, first));
    },
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
      return ctx.inventory.setStock(productId, { quantityOnHand }, expectedVersion ?? undefined);
    },
    adjustStock: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { productId, idempotencyKey, ...adjustment } = parse(adjustStockArgs, args);
      return ctx.inventory.adjust(productId, adjustment, idempotencyKey ?? undefined);
    },
  },
  Product: {
    __resolveReference: (ref: { id: unknown }, ctx: Context) => ctx.loaders.product.load(parseId(ref.id)),
  },
};
