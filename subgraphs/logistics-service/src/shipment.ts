// A shipment as logistics-service responds with it, from its row.
import { addressOf } from '@supply/service-kit/address';
import type { Shipment as ShipmentRow } from '@supply/service-kit/generated/prisma/client';
import type { ServiceLevel } from './shipping-rules.ts';
import type { ShipmentStatus } from './status-machine.ts';

/**
 * A shipment's columns under the names Prisma gives them, for prepared reads.
 * The delivery date is a DATE, which pg would read as local midnight: it is
 * read as UTC midnight, as Prisma reads it, so the day never shifts.
 */
export const SHIPMENT_COLUMNS = `id, order_id AS "orderId", origin_warehouse_id AS "originWarehouseId", carrier,
  service_level AS "serviceLevel", tracking_number AS "trackingNumber", status,
  destination_line1 AS "destinationLine1", destination_city AS "destinationCity",
  destination_postal_code AS "destinationPostalCode", destination_country AS "destinationCountry",
  weight_grams AS "weightGrams", cost_cents AS "costCents", currency,
  estimated_delivery_date::timestamp AT TIME ZONE 'UTC' AS "estimatedDeliveryDate",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

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
