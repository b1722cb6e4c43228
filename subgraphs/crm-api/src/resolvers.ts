// GraphQL -> domain calls, nothing more.
import { dateTimeScalar } from '@supply/service-kit/graphql';
import { parseId } from '@supply/service-kit/validation';
import type { Loaders } from './loaders.ts';

export interface Context {
  loaders: Loaders;
}

export const resolvers = {
  DateTime: dateTimeScalar,
  Query: {
    customer: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.customer.load(parseId(args.id)),
  },
  Customer: {
    __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.customer.load(parseId(ref.id)),
  },
};
