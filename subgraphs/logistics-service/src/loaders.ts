// Per-request DataLoaders: N entity references cost one query.
import { batched } from '@supply/service-kit/limits';
import DataLoader from 'dataloader';
import type { Shipment } from './shipment.ts';
import type { ShipmentsDomain } from './shipments.ts';

export function createLoaders(shipments: ShipmentsDomain) {
  return {
    shipment: new DataLoader<number, Shipment | null>((ids) => shipments.getMany(ids), batched),
    /** Keyed by order id: every shipment of the order, for Order.shipments and Order.shipment. */
    shipmentsOfOrder: new DataLoader<number, Shipment[]>((orderIds) => shipments.ofOrders(orderIds), batched),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
