// What a customer has received of an order: the units a return may send back.
// An order is delivered whole today, so every item of a delivered order counts.
import type { Transaction } from '@supply/service-kit/database';

/** Delivered units per product id; empty when nothing of the order was delivered. */
export async function deliveredUnits(tx: Transaction, orderId: number): Promise<Map<number, number>> {
  const items = await tx.orderItem.findMany({
    where: { orderId, order: { status: 'delivered' } },
    select: { productId: true, quantity: true },
  });
  return new Map(items.map((item) => [item.productId, item.quantity]));
}
