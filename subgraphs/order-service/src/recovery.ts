// Crash recovery. An order left pending (the process died between saga steps)
// is failed and what it held released; a failed or cancelled order whose
// compensation did not get through (a neighbour was down) is released again
// until it does. Runs at start-up and then periodically; every replica may
// run it, as rows are claimed with FOR UPDATE SKIP LOCKED.
import type { Database } from '@supply/service-kit/database';
import type { Logger } from '@supply/service-kit/logger';
import { recoverySweeps } from '@supply/service-kit/metrics';
import { transition } from './orders.ts';
import type { OrderPlacing } from './placing.ts';

export interface RecoveryOptions {
  /** A pending order untouched for this long is taken as abandoned. */
  pendingTimeoutMs: number;
  intervalMs: number;
}

const INTERRUPTED = 'interrupted before it was confirmed; stock released';
const BATCH = 100;

export function orderRecovery(db: Database, placing: OrderPlacing, logger: Logger, options: RecoveryOptions) {
  const { prisma } = db;
  const cutoff = () => new Date(Date.now() - options.pendingTimeoutMs);

  /** Fails one abandoned pending order; false when there is none left. */
  async function settleOne(): Promise<boolean> {
    return prisma.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<Array<{ id: number }>>`
          SELECT id FROM orders WHERE status = 'pending' AND updated_at < ${cutoff()}
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
        if (!row) return false;
        const shipment = await tx.shipment.findFirst({
          where: { orderId: row.id, status: { not: 'cancelled' } },
        });
        await placing.compensate(row.id, shipment?.id);
        await transition(tx, row.id, ['pending'], 'failed', INTERRUPTED);
        // The caller never got an answer: let a retry with the same key start afresh.
        await tx.idempotencyKey.deleteMany({ where: { orderId: row.id, state: 'in_progress' } });
        logger.warn({ orderId: row.id }, 'settled an order left pending');
        return true;
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  }

  /** Releases stock and cancels shipments that failed or cancelled orders still hold. */
  async function releaseLeftovers(): Promise<void> {
    // Starts from what is held now (few rows, by the status indexes), not from every failed or
    // cancelled order ever recorded; the full join keeps an order that holds only one of the two.
    const rows = await prisma.$queryRaw<Array<{ orderId: number; shipmentId: number | null }>>`
      SELECT o.id AS "orderId", s.id AS "shipmentId"
      FROM (SELECT order_id FROM reservations WHERE status = 'reserved') r
      FULL JOIN (SELECT id, order_id FROM shipments WHERE status = 'label_created') s USING (order_id)
      JOIN orders o ON o.id = order_id
      WHERE o.status IN ('failed', 'cancelled')
      ORDER BY o.id LIMIT ${BATCH}`;
    for (const row of rows) await placing.compensate(row.orderId, row.shipmentId ?? undefined);
  }

  async function sweep(): Promise<void> {
    while (await settleOne()) {}
    await releaseLeftovers();
    // Keys claimed by a request that died before it recorded an order.
    await prisma.idempotencyKey.deleteMany({
      where: { state: 'in_progress', orderId: null, createdAt: { lt: cutoff() } },
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const runOnce = () => {
    running = running
      .then(sweep)
      .then(() => recoverySweeps.inc({ outcome: 'done' }))
      .catch((error: unknown) => {
        recoverySweeps.inc({ outcome: 'failed' });
        logger.error({ err: error }, 'recovery sweep failed');
      });
    return running;
  };

  return {
    runOnce,
    start(): void {
      void runOnce();
      timer = setInterval(runOnce, options.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
