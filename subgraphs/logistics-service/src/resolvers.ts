// GraphQL -> domain calls, nothing more. Enum values arrive and leave in
// capitals; the enum maps below hand the domain its lowercase statuses.
import { requireRole } from '@supply/service-kit/auth';
import { dateTimeScalar } from '@supply/service-kit/graphql';
import { connectionArgsSchema, pageOfConnection, toConnection } from '@supply/service-kit/pagination';
import { parse, parseId } from '@supply/service-kit/validation';
import type { Loaders } from './loaders.ts';
import type { Shipment } from './shipment.ts';
import { firstShipment, type ShipmentsDomain } from './shipments.ts';
import type { ShipmentStatus } from './status-machine.ts';

export interface Context {
  shipments: ShipmentsDomain;
  loaders: Loaders;
}

interface ShipmentsArgs {
  first?: number | null;
  after?: string | null;
  status?: ShipmentStatus | null;
}

export const resolvers = {
  DateTime: dateTimeScalar,
  ShipmentStatus: {
    LABEL_CREATED: 'label_created',
    IN_TRANSIT: 'in_transit',
    DELIVERED: 'delivered',
    EXCEPTION: 'exception',
    CANCELLED: 'cancelled',
  },
  ServiceLevel: { STANDARD: 'standard', EXPRESS: 'express' },
  Query: {
    shipment: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.shipment.load(parseId(args.id)),
    shipments: async (_: unknown, args: ShipmentsArgs, ctx: Context) => {
      const page = parse(connectionArgsSchema, { first: args.first ?? undefined, after: args.after });
      return toConnection(
        await ctx.shipments.list({ ...pageOfConnection(page), status: args.status ?? undefined }),
      );
    },
  },
  Mutation: {
    updateShipmentStatus: (_: unknown, args: { id: string; status: ShipmentStatus }, ctx: Context) => {
      requireRole('writer');
      return ctx.shipments.updateStatus(parseId(args.id), args.status);
    },
  },
  Shipment: {
    __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.shipment.load(parseId(ref.id)),
    origin: (shipment: Shipment) => ({ __typename: 'Warehouse', id: shipment.originWarehouseId }),
  },
  Order: {
    __resolveReference: (ref: { id: string }) => ref,
    shipments: (order: { id: string }, _: unknown, ctx: Context) =>
      ctx.loaders.shipmentsOfOrder.load(parseId(order.id)),
    shipment: async (order: { id: string }, _: unknown, ctx: Context) =>
      firstShipment(await ctx.loaders.shipmentsOfOrder.load(parseId(order.id))),
  },
};
