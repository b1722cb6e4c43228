// A shipment's statuses and the moves between them; docs/shipping-rules.md
// draws the same machine.
export const shipmentStatuses = [
  'label_created',
  'in_transit',
  'delivered',
  'exception',
  'cancelled',
] as const;
export type ShipmentStatus = (typeof shipmentStatuses)[number];

/** Each status, and the statuses a shipment may reach it from. */
export const ALLOWED_FROM: Record<ShipmentStatus, readonly ShipmentStatus[]> = {
  label_created: [],
  in_transit: ['label_created', 'exception'],
  delivered: ['in_transit'],
  exception: ['in_transit'],
  cancelled: ['label_created'],
};

export function canMove(from: ShipmentStatus, to: ShipmentStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}
