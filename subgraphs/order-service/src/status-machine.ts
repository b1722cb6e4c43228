// The order's statuses and the moves between them: the one place that knows
// which move is allowed. `transition` checks every move against it.
export const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'partially_shipped',
  'shipped',
  'delivered',
  'cancelled',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The moves the contract allows: pending → confirmed → partially_shipped → shipped → delivered
 * (confirmed → shipped when every shipment moves at once), pending|confirmed → cancelled,
 * pending → failed.
 */
export const MOVES: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['confirmed', 'cancelled', 'failed'],
  confirmed: ['partially_shipped', 'shipped', 'cancelled'],
  partially_shipped: ['shipped'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
  failed: [],
};

/** How far an order has gone on its way, as its shipments move. */
export const SHIPPING_PROGRESS = ['confirmed', 'partially_shipped', 'shipped', 'delivered'] as const;
export type ShippingProgress = (typeof SHIPPING_PROGRESS)[number];

/** The statuses that come before this one on the way to delivery. */
export function before(status: ShippingProgress): ShippingProgress[] {
  return SHIPPING_PROGRESS.slice(0, SHIPPING_PROGRESS.indexOf(status));
}

/** Whether an order in `status` has already come as far as `progress`. */
export function reached(status: OrderStatus, progress: ShippingProgress): boolean {
  const at = SHIPPING_PROGRESS.indexOf(status as ShippingProgress);
  return at >= SHIPPING_PROGRESS.indexOf(progress);
}
