// GraphQL -> domain calls, nothing more.
import { requireRole } from '@supply/service-kit/auth';
import { dateTimeScalar } from '@supply/service-kit/graphql';
import { idempotencyKeySchema } from '@supply/service-kit/idempotency';
import { connectionArgsSchema, pageOfConnection, toConnection } from '@supply/service-kit/pagination';
import { parse, parseId } from '@supply/service-kit/validation';
import { z } from 'zod';
import { type CustomersDomain, createCustomerInput, updateCustomerInput } from './customers.ts';
import type { Loaders } from './loaders.ts';

export interface Context {
  customers: CustomersDomain;
  loaders: Loaders;
}

const customersArgs = connectionArgsSchema.extend({
  search: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
});

const keyArgs = z.object({ idempotencyKey: idempotencyKeySchema.nullish() });

export const resolvers = {
  DateTime: dateTimeScalar,
  Query: {
    customer: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.customer.load(parseId(args.id)),
    customers: async (_: unknown, args: unknown, ctx: Context) => {
      const { search, ...page } = parse(customersArgs, args);
      return toConnection(
        await ctx.customers.list({ ...pageOfConnection(page), search: search ?? undefined }),
      );
    },
  },
  Mutation: {
    createCustomer: (_: unknown, args: { input: unknown; idempotencyKey?: unknown }, ctx: Context) => {
      requireRole('writer');
      // The input's fields are named as they are in REST: `email`, not `input.email`.
      const input = parse(createCustomerInput, args.input);
      const { idempotencyKey } = parse(keyArgs, { idempotencyKey: args.idempotencyKey });
      return ctx.customers.create(input, idempotencyKey ?? undefined);
    },
    updateCustomer: (_: unknown, args: { id: string; input: unknown }, ctx: Context) => {
      requireRole('writer');
      return ctx.customers.update(parseId(args.id), parse(updateCustomerInput, args.input));
    },
  },
  Customer: {
    __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.customer.load(parseId(ref.id)),
  },
};
