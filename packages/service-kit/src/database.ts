// The one database client: Prisma over the pg driver adapter.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';
import type { Logger } from './logger.ts';

export type { PrismaClient } from './generated/prisma/client.ts';
export { Prisma } from './generated/prisma/client.ts';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  logger: Logger;
  /** Called once per SQL statement sent (tests count statements with it). */
  onQuery?: (sql: string) => void;
}

export interface Database {
  prisma: PrismaClient;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function openDatabase(options: DatabaseOptions): Database {
  const adapter = new PrismaPg({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const prisma = new PrismaClient({
    adapter,
    log: [
      { emit: 'event', level: 'query' },
      { emit: 'event', level: 'warn' },
      { emit: 'event', level: 'error' },
    ],
  });
  prisma.$on('query', (event) => options.onQuery?.(event.query));
  prisma.$on('warn', (event) => options.logger.warn({ target: event.target }, event.message));
  prisma.$on('error', (event) => options.logger.error({ target: event.target }, event.message));
  return {
    prisma,
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    close: () => prisma.$disconnect(),
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
} as const;
