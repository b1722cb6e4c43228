// GraphQL -> domain calls, nothing more.
import { requireRole } from '@supply/service-kit/auth';
import { dateTimeScalar } from '@supply/service-kit/graphql';
import { idempotencyKeySchema } from '@supply/service-kit/idempotency';
import { connectionArgsSchema, pageOfConnection, toConnection } from '@supply/service-kit/pagination';
import { idSchema, parse, parseId } from '@supply/service-kit/validation';
import { z } from 'zod';
import type { Loaders } from './loaders.ts';
import type { Allocation, OrderItemView, OrderSummary, OrderView } from './order-view.ts';
import { placeOrderInput } from './placing.ts';
import { RETURN_STATUSES, type ReturnView } from './return-store.ts';
import { type OrderReturns, returnReceiptInput, returnRequestInput } from './returns.ts';
import { ORDER_STATUSES } from './status-machine.ts';
import type { SupplyOrders } from './supply-orders.ts';

type OrderLine = OrderItemView & { orderId: number; allocations?: Allocation[] };

export interface Context {
  orders: SupplyOrders;
  returns: OrderReturns;
  loaders: Loaders;
}

const ordersArgs = connectionArgsSchema.extend({
  status: z.enum(ORDER_STATUSES).nullish(),
  customerId: idSchema.nullish(),
});
const customerOrdersArgs = connectionArgsSchema.extend({ status: z.enum(ORDER_STATUSES).nullish() });
const placeOrderArgs = z.object({ input: placeOrderInput, idempotencyKey: idempotencyKeySchema.nullish() });
const requestReturnArgs = z.object({
  orderId: idSchema,
  input: returnRequestInput,
  idempotencyKey: idempotencyKeySchema.nullish(),
});
const receiveReturnArgs = z.object({ id: idSchema, input: returnReceiptInput.nullish() });
const product = (item: { productId: number }) => ({ __typename: 'Product', id: item.productId });

const upper = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), value]));

export const resolvers = {
  DateTime: dateTimeScalar,
  OrderStatus: upper(ORDER_STATUSES),
  ServiceLevel: upper(['standard', 'express']),
  ReturnStatus: upper(RETURN_STATUSES),
  Query: {
    order: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.order.load(parseId(args.id)),
    orders: async (_: unknown, args: unknown, ctx: Context) => {
      const { first, after, status, customerId } = parse(ordersArgs, args);
      return toConnection(
        await ctx.orders.listSummaries({
          ...pageOfConnection({ first, after }),
          status: status ?? undefined,
          customerId: customerId ?? undefined,
        }),
      );
    },
  },
  Mutation: {
    placeOrder: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { input, idempotencyKey } = parse(placeOrderArgs, args);
      return ctx.orders.place(input, idempotencyKey ?? undefined);
    },
    cancelOrder: (_: unknown, args: { id: string }, ctx: Context) => {
      requireRole('writer');
      return ctx.orders.cancel(parseId(args.id));
    },
    requestReturn: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { orderId, input, idempotencyKey } = parse(requestReturnArgs, args);
      return ctx.returns.request(orderId, input, idempotencyKey ?? undefined);
    },
    receiveReturn: (_: unknown, args: unknown, ctx: Context) => {
      requireRole('writer');
      const { id, input } = parse(receiveReturnArgs, args);
      return ctx.returns.receive(id, input ?? {});
    },
    cancelReturn: (_: unknown, args: { id: string }, ctx: Context) => {
      requireRole('writer');
      return ctx.returns.cancel(parseId(args.id));
    },
  },
  Order: {
    __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.order.load(parseId(ref.id)),
    customer: (order: OrderSummary) => ({ __typename: 'Customer', id: order.customerId }),
    // Mutations respond with the whole order; reads load the history only when it is selected.
    history: (order: OrderSummary & Partial<Pick<OrderView, 'history'>>, _: unknown, ctx: Context) =>
      order.history ?? ctx.loaders.history.load(order.id),
    // Each line knows its order, so its allocations load for the whole page at once.
    items: (order: OrderSummary) => order.items.map((item) => ({ ...item, orderId: order.id })),
    returns: (order: OrderSummary, _: unknown, ctx: Context) => ctx.loaders.returns.load(order.id),
  },
  OrderItem: {
    product,
    // Mutations respond with the allocations in hand; reads load them only when selected.
    allocations: async (item: OrderLine, _: unknown, ctx: Context) =>
      item.allocations ?? (await ctx.loaders.allocations.load(item.orderId)).get(item.productId) ?? [],
  },
  Allocation: {
    warehouse: (allocation: { warehouseId: number }) => ({
      __typename: 'Warehouse',
      id: allocation.warehouseId,
    }),
  },
  Return: {
    order: (view: ReturnView, _: unknown, ctx: Context) => ctx.loaders.order.load(view.orderId),
    warehouse: (view: ReturnView) =>
      view.warehouseId === null ? null : { __typename: 'Warehouse', id: view.warehouseId },
  },
  ReturnItem: { product },
  Customer: {
    __resolveReference: (ref: { id: string }) => ({ id: parseId(ref.id) }),
    orders: async (customer: { id: number }, args: unknown, ctx: Context) => {
      const { first, after, status } = parse(customerOrdersArgs, args);
      return toConnection(
        await ctx.loaders.customerOrders.load({ customerId: customer.id, first, after, status }),
      );
    },
  },
};
