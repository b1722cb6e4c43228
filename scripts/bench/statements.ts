// SQL statements per request, from pg_stat_statements: reset before a
// scenario, read after it. Statements no request sent are left out: the
// readiness ping, the services' background sweeps, and the benchmark's own.
import type pg from 'pg';

export interface StatementStat {
  query: string;
  calls: number;
  meanMs: number;
  totalMs: number;
}

export interface StatementCount {
  calls: number;
  /** The heaviest statements by total time. */
  top: StatementStat[];
  /** Every statement seen, normalised. */
  all: string[];
}

export interface SeqScan {
  query: string;
  table: string;
  /** Rows in the table (pg_class.reltuples). */
  rows: number;
}

// pg_stat_statements shows statements normalised: constants become $1, $2...
const NOT_FROM_REQUESTS = [
  /^SELECT (\$\d+|1)$/i, // db.ping behind /readyz
  /pg_stat_statements|pg_stat_activity/i, // this benchmark
  /UPDATE shipment_reports AS r\s+SET next_attempt_at/i, // logistics-service report outbox sweep
  /FROM orders WHERE status = \$\d+ AND updated_at </i, // order-service recovery sweep
  /LEFT JOIN reservations r ON r\.order_id = o\.id AND r\.status = \$\d+/i, // recovery sweep
  /DELETE FROM "public"\."idempotency_keys" WHERE .*"order_id" IS NULL/i, // recovery sweep's key clean-up
];

export async function enableStatements(client: pg.Client): Promise<void> {
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
}

export async function resetStatements(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_stat_statements_reset()');
}

async function read(client: pg.Client): Promise<StatementStat[]> {
  const { rows } = await client.query<{ query: string; calls: string; mean: number; total: number }>(
    `SELECT s.query, s.calls, s.mean_exec_time AS mean, s.total_exec_time AS total
     FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
     WHERE d.datname = current_database()`,
  );
  return rows
    .filter((row) => !NOT_FROM_REQUESTS.some((pattern) => pattern.test(row.query)))
    .map((row) => ({ query: row.query, calls: Number(row.calls), meanMs: row.mean, totalMs: row.total }));
}

/**
 * Waits until no request still in flight sends statements (the count holds
 * still for three reads in a row, at most 5 s), then answers the statements.
 */
export async function settleStatements(client: pg.Client): Promise<StatementStat[]> {
  let stats = await read(client);
  let calls = sum(stats);
  for (let waited = 0, stable = 0; waited < 5_000 && stable < 3; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    stats = await read(client);
    const now = sum(stats);
    stable = now === calls ? stable + 1 : 0;
    calls = now;
  }
  return stats;
}

/** Statements since the last reset, once requests in flight have finished; the heaviest by total time. */
export async function countStatements(client: pg.Client, top = 5): Promise<StatementCount> {
  const stats = await settleStatements(client);
  const all = stats.map((stat) => stat.query);
  return { calls: sum(stats), top: stats.sort((a, b) => b.totalMs - a.totalMs).slice(0, top), all };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/**
 * Statements whose generic plan (EXPLAIN (GENERIC_PLAN), PostgreSQL 16+: no
 * parameter values needed, nothing executed) reads a table of more than
 * `minRows` rows from end to end: the usual sign of a missing index. (Small
 * tables are left out: the planner rightly scans them whole for an IN list.)
 */
export async function findSeqScans(
  client: pg.Client,
  queries: Iterable<string>,
  minRows = 5_000,
): Promise<SeqScan[]> {
  const { rows: sizes } = await client.query<{ relname: string; reltuples: number }>(
    "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
  );
  const size = new Map(sizes.map((row) => [row.relname, row.reltuples]));
  const found: SeqScan[] = [];
  for (const query of new Set(queries)) {
    if (!/^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(query)) continue;
    const plan = await client
      .query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${query}`)
      .then((result) => result.rows[0]?.['QUERY PLAN'][0]?.Plan)
      .catch(() => undefined);
    const walk = (node: PlanNode | undefined): void => {
      if (!node) return;
      const table = node['Relation Name'];
      const rows = table ? (size.get(table) ?? 0) : 0;
      if (node['Node Type'] === 'Seq Scan' && table && rows > minRows) found.push({ query, table, rows });
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(plan);
  }
  return found;
}

function sum(stats: StatementStat[]): number {
  return stats.reduce((total, stat) => total + stat.calls, 0);
}
