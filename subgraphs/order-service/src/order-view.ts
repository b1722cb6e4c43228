// An order as REST and GraphQL respond with it, from its rows or from what the saga
// has in hand.
import { addressOf } from '@supply/service-kit/address';
import type { Prisma } from '@supply/service-kit/generated/prisma/client';
import type { AddressInput } from '@supply/service-kit/validation';
import type { OrderStatus } from './status-machine.ts';

/** Units of a line held in, and shipped from, one warehouse. */
export interface Allocation {
  warehouseId: number;
  quantity: number;
}

export interface OrderItemView {
  productId: number;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

/** A line with the warehouses it is held in and ships from (none until reserved). */
export type AllocatedItem = OrderItemView & { allocations: Allocation[] };

export interface ShipmentSummary {
  id: number;
  originWarehouseId: number;
  carrier: string;
  serviceLevel: string;
  trackingNumber: string;
  status: string;
  estimatedDeliveryDate: string;
  costCents: number;
  currency: string;
}

export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  at: Date;
}

export interface OrderView {
  id: number;
  customerId: number;
  status: OrderStatus;
  serviceLevel: 'standard' | 'express';
  shippingAddress: AddressInput;
  items: AllocatedItem[];
  totalCents: number;
  currency: string;
  failureReason: string | null;
  /** The first live shipment, else the latest cancelled one: what callers before split shipments read. */
  shipment: ShipmentSummary | null;
  /** Every shipment, one per warehouse the order ships from (and any cancelled), in id order. */
  shipments: ShipmentSummary[];
  history: StatusChange[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An order as GraphQL reads it: the history and allocations are loaded only
 * when selected, and the shipments come from logistics-service.
 */
export type OrderSummary = Omit<OrderView, 'shipment' | 'shipments' | 'history' | 'items'> & {
  items: OrderItemView[];
};

/** An order's columns as read (its trace parent is for recovery alone). */
export type OrderRow = Omit<Prisma.OrderGetPayload<object>, 'traceParent'>;
export type ItemRow = Prisma.OrderItemGetPayload<object>;
type StatusChangeRow = Prisma.OrderStatusHistoryGetPayload<object>;

export function toOrderSummary(row: OrderRow & { items: Omit<ItemRow, 'orderId'>[] }): OrderSummary {
  return {
    id: row.id,
    customerId: row.customerId,
    status: row.status as OrderStatus,
    serviceLevel: row.serviceLevel as OrderView['serviceLevel'],
    // The shipping columns are NOT NULL and never blank (db-schema.sql), so the address is always whole.
    shippingAddress: addressOf(row, 'shipping')!,
    items: row.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      unitPriceCents: item.unitPriceCents,
      lineTotalCents: item.quantity * item.unitPriceCents,
    })),
    totalCents: row.totalCents,
    currency: row.currency,
    failureReason: row.failureReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The whole order from its parts, whether read back or already in hand. */
export function fullOrder(
  order: OrderSummary,
  allocations: ReadonlyMap<number, Allocation[]>,
  shipments: ShipmentSummary[],
  history: StatusChange[],
): OrderView {
  // Taken apart so the timestamps stay last, where REST responses have always had them;
  // the lines keep their place, as a key written again stays where it was.
  const { createdAt, updatedAt, ...summary } = order;
  const items = order.items.map((item) => ({ ...item, allocations: allocations.get(item.productId) ?? [] }));
  const shipment = shipments.find((s) => s.status !== 'cancelled') ?? shipments.at(-1) ?? null;
  return { ...summary, items, shipment, shipments, history, createdAt, updatedAt };
}

/** The summary's fields alone, in the order REST responds with them, from a row or logistics' response. */
export function toShipmentSummary(shipment: ShipmentSummary): ShipmentSummary {
  return {
    id: shipment.id,
    originWarehouseId: shipment.originWarehouseId,
    carrier: shipment.carrier,
    serviceLevel: shipment.serviceLevel,
    trackingNumber: shipment.trackingNumber,
    status: shipment.status,
    estimatedDeliveryDate: shipment.estimatedDeliveryDate,
    costCents: shipment.costCents,
    currency: shipment.currency,
  };
}

export function toStatusChange(change: StatusChangeRow): StatusChange {
  return {
    from: change.fromStatus as OrderStatus | null,
    to: change.toStatus as OrderStatus,
    reason: change.reason,
    at: change.changedAt,
  };
}
