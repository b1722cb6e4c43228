// Per-request DataLoaders: N entity references cost one query.
import DataLoader from 'dataloader';
import type { Shipment, ShipmentsDomain } from './shipments.ts';

export function createLoaders(shipments: ShipmentsDomain) {
  return {
    shipment: new DataLoader<number, Shipment | null>((ids) => shipments.getMany(ids)),
    /** Keyed by order id: the shipment Order.shipment shows. */
    shipmentOfOrder: new DataLoader<number, Shipment | null>((orderIds) => shipments.ofOrders(orderIds)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
