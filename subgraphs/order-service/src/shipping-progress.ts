// How far an order has come, read from its shipments: partially shipped while
// only some move, shipped when all do, delivered when all are delivered. Each
// report re-reads every shipment, so reports landing in any order, twice or at
// once, bring the order to the same place.
import type { Transaction } from '@supply/service-kit/database';
import type { ShipmentSummary } from './order-view.ts';
import type { ShippingProgress } from './status-machine.ts';

export type ReportedStatus = 'in_transit' | 'delivered';

// How far a live shipment has gone; an exception is on its way, held up.
const SHIPMENT_RANK: Record<string, number> = {
  label_created: 0,
  in_transit: 1,
  exception: 1,
  delivered: 2,
};

/**
 * The order's progress once `reported` is taken into account: a report is a fact about its
 * shipment even when the copy read here is older. Cancelled shipments carry nothing.
 */
export function progressOf(
  shipments: readonly ShipmentSummary[],
  reported: { shipmentId: number; status: ReportedStatus },
): ShippingProgress {
  const ranks = shipments
    .filter((s) => s.status !== 'cancelled')
    .map((s) => {
      const rank = SHIPMENT_RANK[s.status] ?? 0;
      return s.id === reported.shipmentId ? Math.max(rank, SHIPMENT_RANK[reported.status] ?? 0) : rank;
    });
  const moving = ranks.filter((rank) => rank > 0).length;
  if (moving === 0) return 'confirmed';
  if (moving < ranks.length) return 'partially_shipped';
  return ranks.every((rank) => rank === 2) ? 'delivered' : 'shipped';
}

/**
 * How many units of each product were delivered for the order: the lines
 * allocated to each warehouse whose shipment is delivered. Products with none
 * delivered are left out.
 */
export async function deliveredQuantities(
  client: Transaction,
  orderId: number,
): Promise<Array<{ productId: number; quantity: number }>> {
  return client.$queryRaw<Array<{ productId: number; quantity: number }>>`
    SELECT a.product_id AS "productId", sum(a.quantity)::int AS quantity
    FROM order_item_allocations a
    JOIN shipments s ON s.order_id = a.order_id AND s.origin_warehouse_id = a.warehouse_id
      AND s.status = 'delivered'
    WHERE a.order_id = ${orderId}
    GROUP BY a.product_id
    ORDER BY a.product_id`;
}

/** The warehouses whose shipment for the order was delivered: where returned units came from. */
export async function deliveredOrigins(client: Transaction, orderId: number): Promise<number[]> {
  const rows = await client.$queryRaw<Array<{ warehouseId: number }>>`
    SELECT DISTINCT origin_warehouse_id AS "warehouseId" FROM shipments
    WHERE order_id = ${orderId} AND status = 'delivered' ORDER BY 1`;
  return rows.map((row) => row.warehouseId);
}
