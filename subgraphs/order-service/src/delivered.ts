// What a customer has received of an order: the units a return may send back,
// those of its shipments that were delivered (shipping-progress.ts counts them).
import type { Transaction } from '@supply/service-kit/database';
import { deliveredQuantities } from './shipping-progress.ts';

/** Delivered units per product id; empty when nothing of the order was delivered. */
export async function deliveredUnits(tx: Transaction, orderId: number): Promise<Map<number, number>> {
  const lines = await deliveredQuantities(tx, orderId);
  return new Map(lines.map((line) => [line.productId, line.quantity]));
}
