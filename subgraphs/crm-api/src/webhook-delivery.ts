// Sends the outbox's events to the endpoints that subscribe to them, at least
// once, in every replica. Each round: read each new event's data (the entity
// as REST responds with it), fan events out into deliveries, claim due deliveries
// under a lease on the database clock (SKIP LOCKED, so no two replicas send
// one at once), send them, and record what happened.
import type { AxiosInstance } from '@supply/service-kit/client';
import { type Database, Prisma } from '@supply/service-kit/database';
import type { Logger } from '@supply/service-kit/logger';
import { type OutboxState, watchOutbox } from '@supply/service-kit/metrics';
import axios from 'axios';
import { Webhook } from 'standardwebhooks';
import { publicAddresses } from './webhook-urls.ts';

/** A 2xx within this long is delivered; anything else is retried. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
// Longer than an attempt, so a lease outlives the send it covers.
const LEASE_SECONDS = 30;
const FAILING_DAYS_BEFORE_DISABLED = 5;
const BATCH_SIZE = 50;
const MAX_ROUNDS = 20;

/** Where each event type's data is read: the entity's REST response. */
export interface EventSources {
  orders: AxiosInstance;
  logistics: AxiosInstance;
  inventory: AxiosInstance;
}

export interface DelivererDeps {
  db: Database;
  logger: Logger;
  sources: EventSources;
  retrySchedule: readonly number[];
  production: boolean;
  intervalMs?: number;
}

interface Claimed {
  id: bigint;
  eventId: bigint;
  attempts: number;
  endpointId: number;
  url: string;
  secret: string;
  type: string;
  data: unknown;
  occurredAt: Date;
}

function sourceOf(sources: EventSources, type: string, subjectId: number): [AxiosInstance, string] {
  if (type.startsWith('order.')) return [sources.orders, `/supply-orders/${subjectId}`];
  if (type.startsWith('shipment.')) return [sources.logistics, `/shipments/${subjectId}`];
  if (type.startsWith('return.')) return [sources.orders, `/returns/${subjectId}`];
  return [sources.inventory, `/inventory/${subjectId}`];
}

const SUBSCRIBED = Prisma.sql`EXISTS (SELECT 1 FROM webhook_endpoints e
  WHERE ev.type = ANY (e.events) AND e.disabled_at IS NULL AND e.created_at <= ev.occurred_at)`;

export function createDeliverer({
  db,
  logger,
  sources,
  retrySchedule,
  production,
  intervalMs = 1_000,
}: DelivererDeps) {
  const { prisma } = db;
  const http = axios.create({
    timeout: ATTEMPT_TIMEOUT_MS,
    maxRedirects: 0,
    maxContentLength: 64 * 1024,
    validateStatus: () => true,
    // In production each connection goes only to an address checked public.
    ...(production && { lookup: (hostname: string) => publicAddresses(hostname) }),
  });
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let closed = false;

  /** Reads the data of new subscribed events, oldest first, stopping at the first that fails. */
  async function readData(): Promise<void> {
    const events = await prisma.$queryRaw<Array<{ id: bigint; type: string; subjectId: number }>>`
      SELECT id, type, subject_id AS "subjectId" FROM webhook_events ev
      WHERE fanned_at IS NULL AND data IS NULL AND ${SUBSCRIBED}
      ORDER BY id LIMIT ${BATCH_SIZE}`;
    for (const event of events) {
      const [client, path] = sourceOf(sources, event.type, event.subjectId);
      const response = await client.get(path, { validateStatus: (s) => s === 200 || s === 404 });
      // An entity gone since is sent as null rather than holding every later event back.
      const data = response.status === 200 ? response.data : null;
      await prisma.$executeRaw`
        UPDATE webhook_events SET data = ${JSON.stringify(data)}::json WHERE id = ${event.id} AND data IS NULL`;
    }
  }

  /**
   * One delivery per subscribed endpoint for each event read, in event order; an
   * event whose data is not read yet holds back those after it, so one order's
   * events never overtake each other. Replicas racing here meet on the unique key.
   */
  async function fanOut(): Promise<void> {
    await prisma.$executeRaw`
      WITH waiting AS (
        SELECT min(id) AS id FROM webhook_events ev WHERE fanned_at IS NULL AND data IS NULL AND ${SUBSCRIBED}
      ), batch AS (
        SELECT ev.id, ev.type, ev.order_id, ev.occurred_at FROM webhook_events ev, waiting
        WHERE ev.fanned_at IS NULL AND (waiting.id IS NULL OR ev.id < waiting.id)
        ORDER BY ev.id LIMIT ${BATCH_SIZE * 4}
      ), fanned AS (
        INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id)
        SELECT b.id, e.id, b.order_id FROM batch b
        JOIN webhook_endpoints e ON b.type = ANY (e.events) AND e.disabled_at IS NULL AND e.created_at <= b.occurred_at
        ORDER BY b.id, e.id
        ON CONFLICT (event_id, endpoint_id) DO NOTHING
      )
      UPDATE webhook_events SET fanned_at = now() WHERE id IN (SELECT id FROM batch)`;
  }

  /** Due deliveries, at most one per endpoint and order: the earliest pending one. */
  function claim(): Promise<Claimed[]> {
    return prisma.$queryRaw<Claimed[]>`
      WITH due AS (
        SELECT d.id FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.disabled_at IS NULL
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          AND (d.locked_until IS NULL OR d.locked_until <= now())
          AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries earlier
            WHERE earlier.endpoint_id = d.endpoint_id AND earlier.order_id = d.order_id
              AND earlier.status = 'pending' AND earlier.event_id < d.event_id)
        ORDER BY d.next_attempt_at, d.id
        LIMIT ${BATCH_SIZE}
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE webhook_deliveries d
      SET locked_until = now() + make_interval(secs => ${LEASE_SECONDS}::double precision), attempts = d.attempts + 1
      FROM due, webhook_endpoints e, webhook_events ev
      WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id
      RETURNING d.id, d.event_id AS "eventId", d.attempts, e.id AS "endpointId", e.url, e.secret,
        ev.type, ev.data, ev.occurred_at AS "occurredAt"`;
  }

  /** One attempt: the HTTP status, or why there was none. */
  async function send(delivery: Claimed): Promise<{ status: number | null; error: string | null }> {
    const body = JSON.stringify({
      type: delivery.type,
      timestamp: delivery.occurredAt.toISOString(),
      data: delivery.data,
    });
    // webhook-id names the event, so a receiver sees the same one on every retry.
    const id = `msg_${delivery.eventId}`;
    const now = new Date();
    try {
      const response = await http.post(delivery.url, body, {
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': new Webhook(delivery.secret).sign(id, now, body),
        },
        responseType: 'text',
      });
      const ok = response.status >= 200 && response.status < 300;
      return { status: response.status, error: ok ? null : `answered ${response.status}` };
    } catch (error) {
      return { status: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Records an attempt: delivered; or retried after the schedule's next wait; or failed after
   * the last. The endpoint's row is written first, the order a removal locks them in.
   */
  async function settle(delivery: Claimed, outcome: { status: number | null; error: string | null }) {
    if (outcome.error === null) {
      await prisma.$executeRaw`
        WITH endpoint AS (
          UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ${delivery.endpointId} RETURNING id)
        UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), locked_until = NULL,
          last_status = ${outcome.status}, last_error = NULL
        WHERE id = ${delivery.id} AND endpoint_id IN (SELECT id FROM endpoint)`;
      return;
    }
    const wait = retrySchedule[delivery.attempts - 1];
    logger.warn(
      { deliveryId: String(delivery.id), attempt: delivery.attempts, err: outcome.error },
      'webhook not delivered',
    );
    await prisma.$executeRaw`
      WITH endpoint AS (
        UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()),
          disabled_at = CASE WHEN failing_since < now() - make_interval(days => ${FAILING_DAYS_BEFORE_DISABLED}::int)
            THEN now() ELSE disabled_at END
        WHERE id = ${delivery.endpointId} RETURNING id)
      UPDATE webhook_deliveries SET locked_until = NULL, last_status = ${outcome.status},
        last_error = ${outcome.error.slice(0, 500)},
        status = ${wait === undefined ? 'failed' : 'pending'},
        next_attempt_at = now() + make_interval(secs => ${wait ?? 0}::double precision)
      WHERE id = ${delivery.id} AND endpoint_id IN (SELECT id FROM endpoint)`;
  }

  async function round(): Promise<number> {
    await readData();
    await fanOut();
    const claimed = await claim();
    await Promise.all(claimed.map(async (delivery) => settle(delivery, await send(delivery))));
    return claimed.length;
  }

  async function sweep(): Promise<void> {
    if (running || closed) return;
    running = true;
    const work = (async () => {
      for (let i = 0; i < MAX_ROUNDS && !closed && (await round()) > 0; i++);
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'webhook sweep failed'))
      .finally(() => {
        running = false;
        inFlight.delete(work);
      });
    inFlight.add(work);
    await work;
  }

  async function backlog(): Promise<OutboxState> {
    const [row] = await prisma.$queryRaw<Array<{ backlog: number; oldest: number }>>`
      SELECT count(*)::int AS backlog, COALESCE(EXTRACT(EPOCH FROM now() - min(since)), 0)::float8 AS oldest
      FROM (SELECT occurred_at AS since FROM webhook_events WHERE fanned_at IS NULL
        UNION ALL SELECT created_at FROM webhook_deliveries WHERE status = 'pending') waiting`;
    return { backlog: row?.backlog ?? 0, oldestAgeSeconds: row?.oldest ?? 0 };
  }

  return {
    sweep,
    /** Starts sweeping, and reports the backlog at each scrape. */
    start(): void {
      watchOutbox('webhooks', backlog);
      timer = setInterval(() => void sweep(), intervalMs);
      // The sweep never keeps a process alive on its own.
      timer.unref();
    },
    /** Stops sweeping and waits for sends in flight to settle. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
