// Per-request DataLoaders: N entity references cost one query.
import { batched } from '@supply/service-kit/limits';
import DataLoader from 'dataloader';
import type { Shipment, ShipmentsDomain } from './shipments.ts';

export function createLoaders(shipments: ShipmentsDomain) {
  return {
    shipment: new DataLoader<number, Shipment | null>((ids) => shipments.getMany(ids), batched),
    /** Keyed by order id: the shipment Order.shipment shows. */
    shipmentOfOrder: new DataLoader<number, Shipment | null>(
      (orderIds) => shipments.ofOrders(orderIds),
      batched,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
