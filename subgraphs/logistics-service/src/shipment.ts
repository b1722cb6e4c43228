// A shipment as logistics-service responds with it, from its row.
import { addressOf } from '@supply/service-kit/address';
import type { Shipment as ShipmentRow } from '@supply/service-kit/generated/prisma/client';
import type { ServiceLevel } from './shipping-rules.ts';
import type { ShipmentStatus } from './status-machine.ts';

export interface Shipment {
  id: number;
  orderId: number;
  /** The warehouse the parcel leaves from. */
  originWarehouseId: number;
  carrier: string;
  serviceLevel: ServiceLevel;
  trackingNumber: string;
  status: ShipmentStatus;
  destination: { line1: string; city: string; postalCode: string; country: string };
  weightGrams: number;
  costCents: number;
  currency: string;
  /** YYYY-MM-DD */
  estimatedDeliveryDate: string;
  createdAt: Date;
  updatedAt: Date;
}

export function toShipment(row: ShipmentRow): Shipment {
  return {
    id: row.id,
    orderId: row.orderId,
    originWarehouseId: row.originWarehouseId,
    carrier: row.carrier,
    serviceLevel: row.serviceLevel as ServiceLevel,
    trackingNumber: row.trackingNumber,
    status: row.status as ShipmentStatus,
    // The destination columns are NOT NULL and never blank (db-schema.sql), so the address is always whole.
    destination: addressOf(row, 'destination')!,
    weightGrams: row.weightGrams,
    costCents: row.costCents,
    currency: row.currency,
    estimatedDeliveryDate: row.estimatedDeliveryDate.toISOString().slice(0, 10),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
