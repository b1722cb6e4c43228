// The process's Prometheus metrics (prom-client): one registry per process,
// served at GET /metrics by every app the kit builds. Metrics are process
// facts, so they live here once; services count with one call.
import type { Express, Request, RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { requireRole } from './auth.ts';
import { DomainError } from './errors.ts';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests served, by route template, method and status',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const graphqlOperations = new Counter({
  name: 'graphql_operations_total',
  help: 'GraphQL operations answered, by operation name and outcome (success, error)',
  labelNames: ['operation', 'outcome'],
  registers: [registry],
});

export const subgraphFetches = new Histogram({
  name: 'graphql_subgraph_fetch_duration_seconds',
  help: "The gateway's fetches from each subgraph, by outcome (success, error)",
  labelNames: ['subgraph', 'outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const orders = new Counter({
  name: 'orders_total',
  help: 'Orders by outcome (placed, confirmed, failed); a failure by the step that failed and its error code',
  labelNames: ['outcome', 'step', 'reason'],
  registers: [registry],
});

/** Counts an order placed or confirmed, or failed at `step` because of `error`. */
export function countOrder(outcome: 'placed' | 'confirmed' | 'failed', step = '', error?: unknown): void {
  const reason = error === undefined ? '' : error instanceof DomainError ? error.code : 'UNEXPECTED';
  orders.inc({ outcome, step, reason });
}

export const reservationsRefused = new Counter({
  name: 'reservations_refused_total',
  help: 'Stock reservations refused, by reason (INSUFFICIENT_STOCK, NOT_FOUND)',
  labelNames: ['reason'],
  registers: [registry],
});

export const recoverySweeps = new Counter({
  name: 'order_recovery_sweeps_total',
  help: "order-service's recovery sweeps, by outcome (done, failed)",
  labelNames: ['outcome'],
  registers: [registry],
});

export interface OutboxState {
  /** Messages not yet settled. */
  backlog: number;
  /** Age of the oldest of them, 0 when there is none. */
  oldestAgeSeconds: number;
}

const outboxes = new Map<string, () => Promise<OutboxState>>();
const outboxBacklog = new Gauge({
  name: 'outbox_backlog',
  help: 'Messages waiting in each outbox',
  labelNames: ['outbox'],
  registers: [registry],
  collect: () => collectOutboxes(),
});
const outboxOldest = new Gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'Age of the oldest message waiting in each outbox',
  labelNames: ['outbox'],
  registers: [registry],
});

async function collectOutboxes(): Promise<void> {
  for (const [outbox, read] of outboxes) {
    const state = await read().catch(() => undefined);
    if (!state) continue;
    outboxBacklog.set({ outbox }, state.backlog);
    outboxOldest.set({ outbox }, state.oldestAgeSeconds);
  }
}

/** Reports an outbox's backlog at each scrape (the latest registration of a name wins). */
export function watchOutbox(outbox: string, read: () => Promise<OutboxState>): void {
  outboxes.set(outbox, read);
}

export interface PoolState {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const pools = new Set<PoolState>();
// Registered by construction; read at each scrape.
new Gauge({
  name: 'db_pool_connections',
  help: 'Database pool connections: in_use, idle, and requests waiting for one',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    let inUse = 0;
    let idle = 0;
    let waiting = 0;
    for (const pool of pools) {
      inUse += pool.totalCount - pool.idleCount;
      idle += pool.idleCount;
      waiting += pool.waitingCount;
    }
    this.set({ state: 'in_use' }, inUse);
    this.set({ state: 'idle' }, idle);
    this.set({ state: 'waiting' }, waiting);
  },
});

/** Counts a pool in db_pool_connections until the returned function is called. */
export function watchPool(pool: PoolState): () => void {
  pools.add(pool);
  return () => pools.delete(pool);
}

/** The route template a request matched ("/customers/:id"), not its path. */
export function routeOf(req: Request): string {
  if (req.route?.path) return `${req.baseUrl}${req.route.path}`;
  return req.baseUrl || 'unmatched';
}

/** Times every request but the probes and scrapes, labelled once the answer is sent. */
export function requestMetrics(): RequestHandler {
  return (req, res, next) => {
    if (req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics') return next();
    const stop = httpDuration.startTimer({ method: req.method });
    // 499: the caller hung up before the answer was sent.
    res.once('close', () =>
      stop({ route: routeOf(req), status_code: res.writableFinished ? res.statusCode : 499 }),
    );
    next();
  };
}

/** GET /metrics: open without API keys, for the admin role with them. */
export function serveMetrics(app: Express): void {
  app.get('/metrics', async (_req, res) => {
    requireRole('admin');
    res.type(registry.contentType).send(await registry.metrics());
  });
}
