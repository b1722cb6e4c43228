// Crash recovery. An order left pending (its process died between saga steps)
// is failed and what it held released; a key whose owner died is settled from
// its order's final state; a failed or cancelled order whose compensation did
// not get through (a neighbour was down) is released again until it is. Runs
// at start-up and then periodically; every replica may run it. No network call
// runs inside a transaction: work is claimed (a row lock or a lease) in one
// statement that commits, then the neighbours are called. Clocks are the
// database's.
import type { Database } from '@supply/service-kit/database';
import type { Logger } from '@supply/service-kit/logger';
import { recoverySweeps } from '@supply/service-kit/metrics';
import type { SupplyOrders } from './supply-orders.ts';

export interface RecoveryOptions {
  /** A pending order untouched for this long, with no live key lease, is taken as abandoned. */
  pendingTimeoutMs: number;
  intervalMs: number;
}

const BATCH = 100;

export function orderRecovery(
  db: Database,
  orders: SupplyOrders,
  logger: Logger,
  options: RecoveryOptions,
  /** More work owed after a crash (restocks of received returns), run after the orders'. */
  alsoOwed: Array<() => Promise<void>> = [],
) {
  const { prisma } = db;

  /** Fails pending orders nobody is placing any more (no key lease is live on them). */
  async function settlePending(): Promise<void> {
    const rows = await prisma.$queryRaw<Array<{ id: number; traceParent: string | null }>>`
      SELECT o.id, o.trace_parent AS "traceParent" FROM orders o
      WHERE o.status = 'pending'
        AND o.updated_at < now() - make_interval(secs => ${options.pendingTimeoutMs / 1_000}::double precision)
        AND NOT EXISTS (SELECT FROM idempotency_keys k
          WHERE k.order_id = o.id AND k.state = 'in_progress' AND k.locked_until > now())
      ORDER BY o.id LIMIT ${BATCH}`;
    for (const { id, traceParent } of rows) {
      // The move is the claim: of two replicas, one fails the order and undoes it.
      if (await orders.recover(id, traceParent)) {
        // Only a key whose lease ran out: one a retry took over meanwhile is that claim's to settle.
        await prisma.$executeRaw`
          DELETE FROM idempotency_keys
          WHERE order_id = ${id} AND state = 'in_progress' AND locked_until <= now()`;
        logger.warn({ orderId: id }, 'settled an order left pending');
      }
    }
  }

  /** Releases stock and cancels shipments that failed or cancelled orders still hold. */
  async function releaseLeftovers(): Promise<void> {
    // Starts from what is held now (few rows, by the status indexes), not from every failed or
    // cancelled order ever recorded; an order that holds only one of the two is found too.
    const rows = await prisma.$queryRaw<Array<{ orderId: number }>>`
      SELECT o.id AS "orderId" FROM orders o
      WHERE o.status IN ('failed', 'cancelled') AND o.id IN (
        SELECT order_id FROM reservations WHERE status = 'reserved'
        UNION SELECT order_id FROM shipments WHERE status = 'label_created')
      ORDER BY o.id LIMIT ${BATCH}`;
    for (const row of rows) await orders.compensate(row.orderId);
  }

  async function sweep(): Promise<void> {
    await orders.sweepKeys();
    await settlePending();
    await releaseLeftovers();
    for (const owed of alsoOwed) await owed();
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
    /** Runs a sweep now and then periodically; responds once the first is done. */
    start(): Promise<void> {
      const first = runOnce();
      timer = setInterval(runOnce, options.intervalMs);
      timer.unref();
      return first;
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
