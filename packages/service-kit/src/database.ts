// The one database client: Prisma over the pg driver adapter, and the same
// pool's prepared statements for the few reads where Prisma's own work per
// call would cost more than the query.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { currentContext } from './context.ts';
import { Conflict, type DomainError, Invalid, Unavailable } from './errors.ts';
import { Prisma, PrismaClient } from './generated/prisma/client.ts';
import type { Logger } from './logger.ts';
import { watchPool } from './metrics.ts';
import { traceQueries } from './telemetry.ts';

export type { PrismaClient } from './generated/prisma/client.ts';
export { Prisma };

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  logger: Logger;
  /** Called once per SQL statement sent (tests count statements with it). */
  onQuery?: (sql: string) => void;
  /** The server's bound on one statement (15 s unless given). */
  statementTimeoutMs?: number;
}

const STATEMENT_TIMEOUT_MS = 15_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

/** A read sent as a named prepared statement: `text` with $1, $2 … placeholders. */
export interface Statement {
  text: string;
}

export interface Database {
  prisma: PrismaClient;
  /**
   * The rows of one fixed statement, straight from pg on Prisma's pool, for
   * hot reads by key. Column types as pg gives them (int4 a number,
   * timestamptz a Date, int8 and numeric strings).
   */
  read<Row extends pg.QueryResultRow>(statement: Statement, values: unknown[]): Promise<Row[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** The pool under Prisma, for libraries that speak pg (the rate limiter's store). */
  pool: pg.Pool;
  close(): Promise<void>;
}

export function openDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // No statement runs, and no transaction sits idle, long enough to hold locks others wait on.
    statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  // A connection the server drops (restart, failover) is replaced on the next query.
  pool.on('error', (error) => options.logger.warn(lostBecause(error), 'idle database connection lost'));
  const unwatch = watchPool(pool);
  pool.on('connect', (client) => traceQueries(client as unknown as Parameters<typeof traceQueries>[0]));
  const nameOf = preparedStatements();
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    // Typed as always naming; the adapter passes undefined on to pg, which then sends the text unnamed.
    statementNameGenerator: nameOf as (query: { sql: string }) => string,
    onConnectionError: (error) => options.logger.warn(lostBecause(error), 'database connection lost'),
  });
  const { onQuery } = options;
  const base = new PrismaClient({
    adapter,
    // Query events only when someone counts them: Prisma builds each one, parameters included.
    log: [
      ...(onQuery ? [{ emit: 'event', level: 'query' } as const] : []),
      { emit: 'event', level: 'warn' },
      { emit: 'event', level: 'error' },
    ],
  });
  if (onQuery) base.$on('query' as never, (event: Prisma.QueryEvent) => onQuery(event.query));
  base.$on('warn', (event) => options.logger.warn({ target: event.target }, event.message));
  // Failed statements the domain expects (a unique or foreign key refusal) are
  // answered as domain errors; the ones it does not are logged where they surface.
  base.$on('error', (event) => options.logger.debug({ target: event.target }, event.message));
  const prisma = budgeted(base);
  return {
    prisma,
    pool,
    read: async <Row extends pg.QueryResultRow>(statement: Statement, values: unknown[]) => {
      spendStatement();
      onQuery?.(statement.text);
      const result = await pool.query<Row>({
        name: nameOf({ sql: statement.text }),
        text: statement.text,
        values,
      });
      return result.rows;
    },
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    close: async () => {
      unwatch();
      await prisma.$disconnect();
      // Prisma ends the pool only if it ever connected; reads alone may have used it.
      if (!pool.ended) await pool.end();
    },
  };
}

/** The client with every operation counted against the request's statement budget; its API is Prisma's own. */
function budgeted(client: PrismaClient): PrismaClient {
  return client.$extends({
    query: {
      async $allOperations({ args, query }) {
        spendStatement();
        return query(args);
      },
    },
  }) as unknown as PrismaClient;
}

/**
 * Counts one statement against the current request's budget, where it has one
 * (a subgraph's GraphQL request, graphql.ts); past it, the statement is refused.
 */
function spendStatement(): void {
  const context = currentContext();
  if (context?.statementsLeft === undefined) return;
  context.statementsLeft -= 1;
  if (context.statementsLeft < 0) {
    throw new Invalid(
      'This operation needs more database statements than one request may send; ask for fewer fields or smaller pages',
    );
  }
}

/** Why a connection went: pg's error carries its whole client, which a log line does not need. */
function lostBecause(error: Error & { code?: unknown }) {
  return { reason: error.message, ...(typeof error.code === 'string' && { code: error.code }) };
}

/** Distinct statements one process prepares at most; past it, new texts are sent unprepared. */
const MAX_PREPARED = 500;
/** `IN ($1,$2,…)`: Prisma writes a list's length into the text, one text per length. */
const VARIABLE_LIST = /\bIN \(\$/;

/**
 * Names each fixed SQL text once, so every connection parses and plans it
 * once and then only binds and executes it (a named prepared statement).
 * Texts that vary with a list's length stay unnamed: naming them would
 * prepare a statement per length on every connection.
 */
function preparedStatements(): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < MAX_PREPARED && !VARIABLE_LIST.test(sql)) {
      name = `s${names.size + 1}`;
      names.set(sql, name);
    }
    return name;
  };
}

/**
 * The PostgreSQL SQLSTATE behind a failed statement (e.g. 23505 for a unique
 * violation), whether it came through a Prisma model call or raw SQL.
 */
export function sqlState(error: unknown): string | undefined {
  // Prisma's own codes (P1xxx..P6xxx) look like SQLSTATEs but are not.
  const isSqlState = (code: unknown): code is string =>
    typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9][0-9]{3}$/.test(code);
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; originalCode?: unknown; meta?: unknown; cause?: unknown };
    if (typeof candidate.originalCode === 'string') return candidate.originalCode;
    if (isSqlState(candidate.code)) return candidate.code;
    const meta = candidate.meta as { driverAdapterError?: unknown; code?: unknown } | undefined;
    if (isSqlState(meta?.code)) return meta.code;
    current = meta?.driverAdapterError ?? candidate.cause;
  }
  return undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  numericOutOfRange: '22003',
} as const;

export type Transaction = Prisma.TransactionClient;

// Writers queue on hot rows (a popular product's stock), so waiting for a
// connection gets more room than Prisma's 2 s default; a transaction that
// runs away is still cut off.
const TRANSACTION_OPTIONS = { maxWait: 5_000, timeout: 10_000 };

/** Runs `work` in one interactive transaction; no connection in time is a 503. */
export async function inTransaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  try {
    return await db.prisma.$transaction(work, TRANSACTION_OPTIONS);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2028') {
      throw new Unavailable('The database is busy; try again shortly');
    }
    throw error;
  }
}

/** The domain error for each kind of constraint a statement may break. */
export interface ViolationErrors {
  unique?: () => DomainError;
  foreignKey?: () => DomainError;
  check?: () => DomainError;
  outOfRange?: () => DomainError;
}

/**
 * Runs `work`; when the database rejects it for a broken constraint, throws
 * the matching domain error. A broken CHECK is a Conflict unless the caller
 * names another error: the database has the last word on its rules.
 */
export async function mapViolations<T>(work: () => Promise<T>): Promise<T>;
export async function mapViolations<T>(errors: ViolationErrors, work: () => Promise<T>): Promise<T>;
export async function mapViolations<T>(
  first: ViolationErrors | (() => Promise<T>),
  second?: () => Promise<T>,
): Promise<T> {
  const [errors, work] = typeof first === 'function' ? [{}, first] : [first, second!];
  try {
    return await work();
  } catch (error) {
    throw violationError(sqlState(error), errors) ?? error;
  }
}

function violationError(state: string | undefined, errors: ViolationErrors): DomainError | undefined {
  switch (state) {
    case SQLSTATE.uniqueViolation:
      return errors.unique?.();
    case SQLSTATE.foreignKeyViolation:
      return errors.foreignKey?.();
    case SQLSTATE.checkViolation:
      return errors.check?.() ?? new Conflict('The change would break a rule the database enforces');
    case SQLSTATE.numericOutOfRange:
      return errors.outOfRange?.();
    default:
      return undefined;
  }
}
