// Requests per API key, counted by rate-limiter-flexible in PostgreSQL's
// rate_limits table, so every replica of a process shares one count. Past the
// limit a caller gets 429 with Retry-After. The health checks need no key and
// are never counted; nor is the service key, whose calls were counted where
// their callers came in.
import type { RequestHandler } from 'express';
import pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config.ts';
import { currentContext } from './context.ts';
import { TooManyRequests } from './errors.ts';
import type { Logger } from './logger.ts';

/** The store: a pool on the database whose role may write rate_limits (docs/db-schema.sql). */
export type RateLimitStore = pg.Pool;

/** A small pool of its own, for a process that opens no database otherwise (the gateway). */
export function openRateLimitStore(databaseUrl: string, logger: Logger): RateLimitStore {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 2_000 });
  pool.on('error', (error) => logger.warn({ reason: error.message }, 'idle rate-limit connection lost'));
  return pool;
}

export function rateLimit(config: Config, store: RateLimitStore | undefined, logger: Logger): RequestHandler {
  if (!config.apiKeys || !store) return (_req, _res, next) => next();
  const { requests, windowSeconds } = config.rateLimit;
  const limiter = new RateLimiterPostgres({
    storeClient: store,
    storeType: 'pool',
    tableName: 'rate_limits',
    // The migration creates the table; a service role may not.
    tableCreated: true,
    // A row per key and process, reused window after window: nothing to sweep.
    clearExpiredByTimeout: false,
    keyPrefix: config.service,
    points: requests,
    duration: windowSeconds,
  });
  return async (_req, res, next) => {
    const key = currentContext()?.caller.limitKey;
    if (!key) return next();
    try {
      await limiter.consume(key);
      next();
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        // The count is a guard, not a dependency: with its store away, callers are still served.
        logger.warn({ err: rejection }, 'rate limit not checked: its store did not answer');
        return next();
      }
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      res.setHeader('Retry-After', String(retryAfterSeconds));
      next(
        new TooManyRequests(
          `This API key may make ${requests} requests per ${windowSeconds} s here; retry in ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        ),
      );
    }
  };
}
