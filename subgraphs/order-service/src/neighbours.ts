// The calls order-service makes to inventory-service and logistics-service.
// Every call has the kit's bounded timeout; the ones that are safe to repeat
// (reservations and shipments are idempotent per order) carry an
// Idempotency-Key so the kit retries them with backoff.
import { createServiceClient } from '@supply/service-kit/client';
import type { Config } from '@supply/service-kit/config';
import type { Logger } from '@supply/service-kit/logger';
import type { AddressInput } from '@supply/service-kit/validation';
import type { Allocation, ShipmentSummary } from './order-view.ts';

export interface ReservationLine {
  productId: number;
  quantity: number;
}

/** A reserved line and the warehouses it is held in, as inventory-service responds with it. */
export interface ReservedLine extends ReservationLine {
  allocations: Allocation[];
}

/** Units of a received return to put back on hand (inventory picks the warehouses unless one is named). */
export interface RestockRequest {
  returnId: number;
  orderId: number;
  warehouseId?: number | undefined;
  /** The warehouses whose shipments were delivered, when no warehouse is named. */
  shippedFrom?: number[] | undefined;
  items: ReservationLine[];
}

export interface ShipmentRequest {
  orderId: number;
  originWarehouseId: number;
  destination: AddressInput;
  weightGrams: number;
  serviceLevel: 'standard' | 'express';
}

export function neighbours(config: Config, logger: Logger) {
  const options = { timeoutMs: config.serviceTimeoutMs, serviceApiKey: config.serviceApiKey, logger };
  const inventory = createServiceClient({
    name: 'inventory-service',
    baseURL: config.urls.inventory,
    ...options,
  });
  const logistics = createServiceClient({
    name: 'logistics-service',
    baseURL: config.urls.logistics,
    ...options,
  });
  const repeatable = (key: string) => ({ headers: { 'Idempotency-Key': key } });

  return {
    /** Holds the items; warehouses in the destination's country are preferred. The lines as held. */
    async reserve(
      orderId: number,
      items: ReservationLine[],
      destinationCountry: string,
    ): Promise<ReservedLine[]> {
      const body = { orderId, items, destinationCountry };
      const { data } = await inventory.post<{ items: ReservedLine[] }>(
        '/inventory/reservations',
        body,
        repeatable(`reserve-${orderId}`),
      );
      return data.items;
    },
    async release(orderId: number): Promise<void> {
      await inventory.delete(`/inventory/reservations/${orderId}`);
    },
    async commit(orderId: number): Promise<void> {
      await inventory.post(
        `/inventory/reservations/${orderId}/commit`,
        undefined,
        repeatable(`commit-${orderId}`),
      );
    },
    /** The shipment as logistics-service responds with it (the contract's fields, a summary's among them). */
    async bookShipment(request: ShipmentRequest): Promise<ShipmentSummary> {
      const { data } = await logistics.post<ShipmentSummary>(
        '/shipments',
        request,
        repeatable(`ship-${request.orderId}-${request.originWarehouseId}`),
      );
      return data;
    },
    /** Cancels every shipment of the order, or none (409 when one has moved); safe to repeat. */
    async cancelShipments(orderId: number): Promise<void> {
      await logistics.post('/shipments/cancellations', { orderId }, repeatable(`cancel-${orderId}`));
    },
    /** Puts a received return's units back on hand; keyed by the return, so a repeat restocks once. */
    async restock(request: RestockRequest): Promise<void> {
      await inventory.post('/inventory/restocks', request, repeatable(`restock-${request.returnId}`));
    },
    readiness: [
      {
        name: 'inventory-service',
        check: () => inventory.get('/healthz', { 'axios-retry': { retries: 0 } }),
      },
      {
        name: 'logistics-service',
        check: () => logistics.get('/healthz', { 'axios-retry': { retries: 0 } }),
      },
    ],
  };
}

export type Neighbours = ReturnType<typeof neighbours>;
