// Undoing what an order holds once it is failed or cancelled: its shipments
// are cancelled (all or none), then its stock is released once logistics has
// accepted. Goods already on their way keep their stock committed, and the
// order says so. A step that does not get through is left to the recovery sweep.
import type { Database } from '@supply/service-kit/database';
import { pastDeadline } from '@supply/service-kit/deadline';
import { Conflict } from '@supply/service-kit/errors';
import type { Logger } from '@supply/service-kit/logger';
import type { Neighbours } from './neighbours.ts';

/** Shipment statuses past cancelling: the goods are on their way, or arrived. */
const MOVING = ['in_transit', 'delivered', 'exception'];

type Cancelled = { outcome: 'accepted' | 'failed' } | { outcome: 'left'; shipmentId: number };

export function orderCompensation({
  db,
  neighbours,
  logger,
}: {
  db: Database;
  neighbours: Neighbours;
  logger: Logger;
}) {
  const undoFailed = (orderId: number, err: unknown) =>
    logger.warn({ orderId, err }, 'compensation step failed');

  /** Asks logistics to cancel every shipment: accepted (or none live), rejected as one left, or failed. */
  async function cancelShipments(orderId: number): Promise<Cancelled> {
    try {
      await neighbours.cancelShipments(orderId);
      return { outcome: 'accepted' };
    } catch (error) {
      const current = error instanceof Conflict ? String(error.details.currentStatus) : undefined;
      if (current !== undefined && MOVING.includes(current)) {
        return { outcome: 'left', shipmentId: Number((error as Conflict).details.shipmentId) };
      }
      undoFailed(orderId, error);
      return { outcome: 'failed' };
    }
  }

  /** A shipment left before it could be cancelled: the stock is committed, not released, and recorded. */
  async function keepCommitted(orderId: number, shipmentId: number): Promise<void> {
    const reason = `its shipment ${shipmentId} had already left: stock committed, not released`;
    try {
      await neighbours.commit(orderId);
      await db.prisma.$executeRaw`
        INSERT INTO order_status_history (order_id, from_status, to_status, reason)
        SELECT id, status, status, ${reason} FROM orders o WHERE o.id = ${orderId}
          AND NOT EXISTS (SELECT FROM order_status_history h WHERE h.order_id = o.id AND h.reason = ${reason})`;
      logger.error({ orderId, shipmentId }, 'the shipment of an undone order had already left');
    } catch (error) {
      undoFailed(orderId, error);
    }
  }

  /** Cancels the order's shipments, then releases its stock once logistics has accepted. */
  return async function compensate(orderId: number): Promise<void> {
    const live = await db.prisma.shipment.findFirst({
      where: { orderId, status: { not: 'cancelled' } },
      select: { id: true },
    });
    // Each call keeps its own timeout and retries, past the request's deadline: the order is
    // already failed or cancelled, and what it holds is better given back before the response.
    await pastDeadline(async () => {
      const cancelled: Cancelled = live ? await cancelShipments(orderId) : { outcome: 'accepted' };
      if (cancelled.outcome === 'left') await keepCommitted(orderId, cancelled.shipmentId);
      else if (cancelled.outcome === 'accepted')
        await neighbours.release(orderId).catch((err) => undoFailed(orderId, err));
    });
  };
}
