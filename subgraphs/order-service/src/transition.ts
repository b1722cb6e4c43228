// Every status change goes through `transition`: one statement locks the
// order's row, checks the move against the status machine, and writes the
// change and its history row, so no disallowed move is ever written, whatever
// runs at the same time.
import type { Transaction } from '@supply/service-kit/database';
import type { StatusChange } from './order-view.ts';
import { MOVES, type OrderStatus } from './status-machine.ts';

/** A move made: the order's changed columns and its history row. */
export interface Moved {
  status: OrderStatus;
  failureReason: string | null;
  updatedAt: Date;
  change: StatusChange;
}

/** What `transition` did: the move, or where the order stands (null: no such order). */
export type MoveOutcome = { moved: Moved } | { moved: null; current: OrderStatus | null };

/**
 * Moves an order from one of `from` to `to` and records the change, in one
 * statement. A move racing another waits for the row lock, and is checked
 * against the status the lock returns (the latest): the UPDATE's own
 * snapshot of the row may be older, so no condition reads it. When the order
 * was not in any of `from`, nothing is written.
 */
export async function transition(
  client: Transaction,
  orderId: number,
  from: readonly OrderStatus[],
  to: OrderStatus,
  reason: string | null = null,
): Promise<MoveOutcome> {
  const legal = from.filter((status) => MOVES[status].includes(to));
  const [row] = await client.$queryRaw<
    Array<{
      current: OrderStatus;
      failureReason: string | null;
      updatedAt: Date | null;
      changedAt: Date | null;
    }>
  >`
    WITH prev AS (
      SELECT id, status FROM orders WHERE id = ${orderId} FOR UPDATE
    ), moved AS (
      UPDATE orders o SET status = ${to}, failure_reason = ${to === 'failed' ? reason : null}
      FROM prev WHERE o.id = prev.id AND prev.status = ANY(${legal}::text[])
      RETURNING o.id, prev.status AS from_status, o.failure_reason, o.updated_at
    ), logged AS (
      INSERT INTO order_status_history (order_id, from_status, to_status, reason)
      SELECT id, from_status, ${to}::text, ${reason}::text FROM moved
      RETURNING changed_at
    )
    SELECT prev.status AS "current", moved.failure_reason AS "failureReason",
      moved.updated_at AS "updatedAt", logged.changed_at AS "changedAt"
    FROM prev LEFT JOIN moved ON true LEFT JOIN logged ON true`;
  if (!row?.updatedAt || !row.changedAt) return { moved: null, current: row?.current ?? null };
  return {
    moved: {
      status: to,
      failureReason: row.failureReason,
      updatedAt: row.updatedAt,
      change: { from: row.current, to, reason, at: row.changedAt },
    },
  };
}
