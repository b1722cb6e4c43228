// The outbox of shipment reports to order-service. A status move writes its
// report row in the move's own transaction; this file sends the rows: once
// right after the move commits, and by a periodic sweep that any replica may
// run. Delivery is at least once and in order per shipment.
import type { AxiosInstance } from '@supply/service-kit/client';
import { type Database, Prisma, type Transaction } from '@supply/service-kit/database';
import type { Logger } from '@supply/service-kit/logger';
import { type OutboxState, watchOutbox } from '@supply/service-kit/metrics';
import { currentTraceParent, withLinkedSpan } from '@supply/service-kit/telemetry';

export const reportedStatuses = ['in_transit', 'delivered', 'cancelled'] as const;
export type ReportedStatus = (typeof reportedStatuses)[number];

export function isReported(status: string): status is ReportedStatus {
  return (reportedStatuses as readonly string[]).includes(status);
}

export interface ReportOptions {
  /** How often the sweep looks for due reports. */
  intervalMs: number;
  /** Delay before the first retry; doubles with each failed attempt. */
  retryBaseMs: number;
  /** The longest delay between two attempts. */
  retryCapMs: number;
  /** Bound on one call to order-service; a claim outlives it by a margin. */
  sendTimeoutMs: number;
}

export const DEFAULT_REPORT_OPTIONS = { intervalMs: 5_000, retryBaseMs: 1_000, retryCapMs: 5 * 60_000 };

/** Delay before the next attempt after `attempts` failed ones: base, 2×base, 4×base… up to cap. */
export function retryDelayMs(attempts: number, baseMs: number, capMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), capMs);
}

type Outcome = { kind: 'landed' } | { kind: 'retry'; error: string } | { kind: 'rejected'; error: string };

/**
 * What a response from order-service means. 2xx: accepted (a move the order
 * already made included). 4xx: it can never apply, and the report is parked
 * for an operator, except 401/403 (a key being rotated), 408, 425 and 429,
 * which say "not now". Anything else, 503 "the order is still being placed"
 * among them, says "later": retry.
 */
export function classifyResponse(status: number, body: unknown): Outcome {
  if (status >= 200 && status < 300) return { kind: 'landed' };
  const detail = (body as { detail?: unknown } | null)?.detail;
  const error = `order-service answered ${status}${typeof detail === 'string' ? `: ${detail}` : ''}`.slice(
    0,
    1_000,
  );
  const final = status >= 400 && status < 500 && ![401, 403, 408, 425, 429].includes(status);
  return { kind: final ? 'rejected' : 'retry', error };
}

export interface ParkedReport {
  id: number;
  shipmentId: number;
  orderId: number;
  status: ReportedStatus;
  attempts: number;
  reason: string | null;
  parkedAt: Date;
}

interface ClaimedReport {
  id: number;
  shipmentId: number;
  orderId: number;
  status: ReportedStatus;
  attempts: number;
  createdAt: Date;
  traceParent: string | null;
}

export interface ReportOutboxDeps {
  db: Database;
  logger: Logger;
  /** The order-service client (no retries of its own: the outbox retries). */
  orderService: AxiosInstance;
  options: ReportOptions;
}

const BATCH_SIZE = 50;
// A drain stops after this many rounds and leaves the rest to the next sweep.
const MAX_ROUNDS = 20;
const LEASE_MARGIN_MS = 10_000;

export function createReportOutbox({ db, logger, orderService, options }: ReportOutboxDeps) {
  const leaseSeconds = (options.sendTimeoutMs + LEASE_MARGIN_MS) / 1_000;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;
  let closed = false;

  /**
   * Claims due reports (of one shipment, or all) by pushing their next attempt
   * past the time a send can take: a crashed sender's claim simply expires.
   * SKIP LOCKED keeps two replicas off the same rows, and a report waits while
   * an earlier one of its shipment is unsettled, which keeps them in order.
   */
  async function claim(shipmentId: number | null): Promise<ClaimedReport[]> {
    const ofShipment = shipmentId === null ? Prisma.empty : Prisma.sql`AND due.shipment_id = ${shipmentId}`;
    return db.prisma.$queryRaw<ClaimedReport[]>`
      UPDATE shipment_reports AS r
      SET next_attempt_at = now() + make_interval(secs => ${leaseSeconds}::double precision)
      WHERE r.id IN (
        SELECT due.id FROM shipment_reports AS due
        WHERE due.delivered_at IS NULL AND due.rejected_at IS NULL AND due.next_attempt_at <= now()
          ${ofShipment}
          AND NOT EXISTS (
            SELECT 1 FROM shipment_reports AS earlier
            WHERE earlier.shipment_id = due.shipment_id AND earlier.id < due.id
              AND earlier.delivered_at IS NULL AND earlier.rejected_at IS NULL)
        ORDER BY due.next_attempt_at, due.id
        LIMIT ${BATCH_SIZE}
        FOR UPDATE SKIP LOCKED)
      RETURNING r.id, r.shipment_id AS "shipmentId", r.order_id AS "orderId", r.status, r.attempts,
        r.created_at AS "createdAt", r.trace_parent AS "traceParent"`;
  }

  async function send(report: ClaimedReport): Promise<Outcome> {
    const body = {
      shipmentId: report.shipmentId,
      status: report.status,
      occurredAt: report.createdAt.toISOString(),
    };
    try {
      const response = await orderService.post(`/supply-orders/${report.orderId}/shipment-events`, body, {
        validateStatus: () => true,
      });
      return classifyResponse(response.status, response.data);
    } catch (error) {
      return { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
  }

  async function settle(report: ClaimedReport, outcome: Outcome): Promise<void> {
    const where = Prisma.sql`WHERE id = ${report.id} AND delivered_at IS NULL AND rejected_at IS NULL`;
    if (outcome.kind === 'landed') {
      await db.prisma.$executeRaw`
        UPDATE shipment_reports SET delivered_at = now(), attempts = attempts + 1 ${where}`;
      return;
    }
    const log = {
      reportId: report.id,
      shipmentId: report.shipmentId,
      status: report.status,
      err: outcome.error,
    };
    if (outcome.kind === 'rejected') {
      logger.error(log, 'order-service refused a shipment report; it is parked until replayed');
      await db.prisma.$executeRaw`
        UPDATE shipment_reports
        SET rejected_at = now(), attempts = attempts + 1, last_error = ${outcome.error} ${where}`;
      return;
    }
    const delay = retryDelayMs(report.attempts + 1, options.retryBaseMs, options.retryCapMs);
    logger.warn({ ...log, retryInMs: delay }, 'shipment report not delivered; will retry');
    await db.prisma.$executeRaw`
      UPDATE shipment_reports
      SET attempts = attempts + 1, last_error = ${outcome.error},
        next_attempt_at = now() + make_interval(secs => ${delay / 1_000}::double precision) ${where}`;
  }

  /** Sends one report and records the outcome, in a span linked to the move that wrote it. */
  function deliver(report: ClaimedReport): Promise<void> {
    const attributes = { 'shipment.id': report.shipmentId, 'shipment_report.id': report.id };
    return withLinkedSpan(
      'send shipment_reports',
      report.traceParent,
      async () => settle(report, await send(report)),
      { kind: 'producer', attributes },
    );
  }

  /** Sends due reports round after round: a landed report may let its shipment's next one go. */
  async function drain(shipmentId: number | null): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS && !closed; round++) {
      const claimed = await claim(shipmentId);
      if (claimed.length === 0) return;
      // At most one report per shipment is claimed, so these may go in parallel.
      await Promise.all(claimed.map(deliver));
    }
  }

  function track(work: () => Promise<void>): Promise<void> {
    const running: Promise<void> = work()
      .catch((error: unknown) => logger.error({ err: error }, 'shipment report dispatch failed'))
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
    return running;
  }

  async function backlog(): Promise<OutboxState> {
    const [row] = await db.prisma.$queryRaw<Array<{ backlog: number; oldest: number }>>`
      SELECT count(*)::int AS backlog,
        COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest
      FROM shipment_reports WHERE delivered_at IS NULL AND rejected_at IS NULL`;
    return { backlog: row?.backlog ?? 0, oldestAgeSeconds: row?.oldest ?? 0 };
  }

  /** One sweep over every due report; a sweep still running makes this a no-op. */
  async function sweep(): Promise<void> {
    if (sweeping || closed) return;
    sweeping = true;
    await track(() => drain(null)).finally(() => {
      sweeping = false;
    });
  }

  return {
    /** Queues a report inside the transaction of the status move it reports. */
    async record(
      tx: Transaction,
      report: { shipmentId: number; orderId: number; status: ReportedStatus },
    ): Promise<void> {
      // Raw SQL so created_at and next_attempt_at come from the database clock the
      // sweep compares with. A shipment back in transit after an exception was
      // already reported in transit: the second report is a no-op.
      await tx.$executeRaw`
        INSERT INTO shipment_reports (shipment_id, order_id, status, trace_parent)
        VALUES (${report.shipmentId}, ${report.orderId}, ${report.status}, ${currentTraceParent()})
        ON CONFLICT (shipment_id, status) DO NOTHING`;
    },

    /** Fire and forget: sends the shipment's due reports now, never failing the caller. */
    dispatchSoon(shipmentId: number): void {
      if (!closed) void track(() => drain(shipmentId));
    },

    /** Reports order-service rejected, newest first, with the reason. */
    parked(): Promise<ParkedReport[]> {
      return db.prisma.$queryRaw<ParkedReport[]>`
        SELECT id, shipment_id AS "shipmentId", order_id AS "orderId", status, attempts,
          last_error AS "reason", rejected_at AS "parkedAt"
        FROM shipment_reports WHERE rejected_at IS NOT NULL ORDER BY rejected_at DESC, id DESC LIMIT 100`;
    },

    /** Sends a parked report again, now; false when there is no such parked report. */
    async replay(id: number): Promise<boolean> {
      const [row] = await db.prisma.$queryRaw<Array<{ shipmentId: number }>>`
        UPDATE shipment_reports SET rejected_at = NULL, next_attempt_at = now()
        WHERE id = ${id} AND rejected_at IS NOT NULL
        RETURNING shipment_id AS "shipmentId"`;
      if (row && !closed) void track(() => drain(row.shipmentId));
      return row !== undefined;
    },

    /** Starts the periodic sweep over every due report, and reports the backlog at each scrape. */
    start(): void {
      watchOutbox('shipment_reports', backlog);
      timer = setInterval(() => void sweep(), options.intervalMs);
      // The sweep never keeps a process alive on its own.
      timer.unref();
    },

    /** Stops the sweep and waits for sends in flight to settle. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type ReportOutbox = ReturnType<typeof createReportOutbox>;
