// What the saga ships: the order records where each line is held (the
// reservation's allocations), and ships one parcel from each warehouse.
import type { Database } from '@supply/service-kit/database';
import type { ReservedLine } from './neighbours.ts';
import type { Allocation } from './order-view.ts';

/** One parcel: what leaves one warehouse for the order, and its weight. */
export interface Parcel {
  originWarehouseId: number;
  weightGrams: number;
}

/** One parcel per warehouse the lines are held in, in warehouse order. */
export function parcelsOf(lines: ReservedLine[], unitWeights: ReadonlyMap<number, number>): Parcel[] {
  const weights = new Map<number, number>();
  for (const line of lines) {
    for (const { warehouseId, quantity } of line.allocations) {
      const grams = quantity * (unitWeights.get(line.productId) ?? 0);
      weights.set(warehouseId, (weights.get(warehouseId) ?? 0) + grams);
    }
  }
  return [...weights]
    .sort(([a], [b]) => a - b)
    .map(([originWarehouseId, weightGrams]) => ({ originWarehouseId, weightGrams }));
}

/** Each product's allocations, from the reservation's response. */
export function allocationsByProduct(lines: ReservedLine[]): Map<number, Allocation[]> {
  return new Map(
    lines.map((line) => [
      line.productId,
      line.allocations
        .map(({ warehouseId, quantity }) => ({ warehouseId, quantity }))
        .sort((a, b) => a.warehouseId - b.warehouseId),
    ]),
  );
}

/** Records the order's allocations, once: a repeat (a retried saga step) changes nothing. */
export async function recordAllocations(db: Database, orderId: number, lines: ReservedLine[]): Promise<void> {
  const rows = lines.flatMap((line) => line.allocations.map((a) => ({ productId: line.productId, ...a })));
  await db.prisma.$executeRaw`
    INSERT INTO order_item_allocations (order_id, product_id, warehouse_id, quantity)
    SELECT ${orderId}::int, a.product_id, a.warehouse_id, a.quantity
    FROM unnest(${rows.map((r) => r.productId)}::int[], ${rows.map((r) => r.warehouseId)}::int[],
      ${rows.map((r) => r.quantity)}::int[]) AS a(product_id, warehouse_id, quantity)
    ON CONFLICT DO NOTHING`;
}
