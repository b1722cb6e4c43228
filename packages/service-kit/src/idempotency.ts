// Idempotency-Key, the rules every service shares: what a key looks like, whose
// it is (keys are per caller), and the store for writes that are one database
// transaction (creating a customer or a product, adjusting stock). There the
// key and its answer are written in the write's own transaction: the key is
// inserted first, so a concurrent request with the same key waits on it and
// then replays the answer; the answer is set before commit, so a key is kept
// exactly when its effect is. A 4xx is kept (its effect undone to a savepoint);
// anything else rolls the key back with the effect, so a retry runs afresh.
// A replay answers the first answer's text; another body under the key is a
// 422. Keys last 24 hours; an expired key is used afresh.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { currentContext } from './context.ts';
import { type Database, inTransaction, type Transaction } from './database.ts';
import { Conflict, DomainError, Unprocessable } from './errors.ts';
import { reviveProblem, toProblem } from './problem.ts';
import { parse } from './validation.ts';

/** The one caller of a setup without API keys. */
const OPEN_CALLER = 'open';
/** Expired keys each keyed write deletes, so the table holds about one day of keys. */
const EXPIRED_BATCH = 20;

export const idempotencyKeySchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** The request's Idempotency-Key header, validated; undefined when it sent none. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  return parse(z.object({ 'Idempotency-Key': idempotencyKeySchema }), { 'Idempotency-Key': key })[
    'Idempotency-Key'
  ];
}

/** Whose keys the current request uses: two callers' keys never meet. */
export function keyOwner(): string {
  return currentContext()?.caller.identity ?? OPEN_CALLER;
}

/** A stable hash of a parsed request: the same content always hashes the same. */
export function requestHash(input: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(input)))
    .digest('hex');
}

/** The answer a caller is given back for a kept 4xx or 5xx: the same error, revived. */
export function replayedError(status: number, body: unknown): DomainError {
  return reviveProblem(status, body) ?? new Conflict('The first request with this Idempotency-Key failed');
}

interface StoredResponse {
  status: number;
  /** The answer's JSON text, as it was first given. */
  body: string;
}

type Outcome<T> = { result: T } | { error: DomainError } | { replay: StoredResponse };

/**
 * Keyed writes of one scope (e.g. 'customers'). `successStatus` is the status
 * the route answers a success with, kept beside the answer.
 */
export function idempotentWrites(db: Database, scope: string, successStatus: number) {
  /** Runs `effect`; with a key, in a transaction with the key, once per caller, key and body. */
  async function once<T>(
    key: string | undefined,
    input: unknown,
    effect: (tx: Transaction) => Promise<T>,
  ): Promise<T> {
    if (key === undefined) return effect(db.prisma);
    const id = { caller: keyOwner(), key, hash: requestHash(input) };
    const outcome: Outcome<T> = await inTransaction(db, async (tx) => {
      await expireSome(tx);
      if (!(await claim(tx, id))) return { replay: await storedResponseOf(tx, id) };
      const done = await attempt(tx, effect);
      const answer =
        'result' in done
          ? { status: successStatus, body: JSON.stringify(done.result) }
          : { status: done.error.status, body: JSON.stringify(toProblem(done.error)) };
      await tx.$executeRaw`
        UPDATE idempotent_requests SET response_status = ${answer.status}, response_body = ${answer.body}::json
        WHERE scope = ${scope} AND caller = ${id.caller} AND key = ${key}`;
      return done;
    });
    if ('error' in outcome) throw outcome.error;
    if ('result' in outcome) return outcome.result;
    const body = JSON.parse(outcome.replay.body);
    if (outcome.replay.status >= 400) throw replayedError(outcome.replay.status, body);
    return body as T;
  }

  /** Inserts the key, or takes it over when it expired; false when it is another request's. */
  async function claim(tx: Transaction, id: { caller: string; key: string; hash: string }) {
    const claimed = await tx.$executeRaw`
      INSERT INTO idempotent_requests (scope, caller, key, request_hash)
      VALUES (${scope}, ${id.caller}, ${id.key}, ${id.hash})
      ON CONFLICT (scope, caller, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL, created_at = now()
        WHERE idempotent_requests.created_at <= now() - interval '24 hours'`;
    return claimed === 1;
  }

  /** The kept answer; a different body under the key is refused. */
  async function storedResponseOf(tx: Transaction, id: { caller: string; key: string; hash: string }) {
    const [row] = await tx.$queryRaw<Array<{ requestHash: string; status: number; body: string }>>`
      SELECT request_hash AS "requestHash", response_status AS status, response_body::text AS body
      FROM idempotent_requests WHERE scope = ${scope} AND caller = ${id.caller} AND key = ${id.key}`;
    // Committed with its answer by the request that held it (ours waited for that).
    if (!row) throw new Error(`Idempotency-Key ${id.key} vanished while it was read`);
    if (row.requestHash !== id.hash) {
      throw new Unprocessable('This Idempotency-Key was used with a different request body');
    }
    return { status: row.status, body: row.body };
  }

  /** Deletes a few expired keys of any caller; replicas skip each other's rows. */
  async function expireSome(tx: Transaction) {
    await tx.$executeRaw`
      DELETE FROM idempotent_requests WHERE (scope, caller, key) IN (
        SELECT scope, caller, key FROM idempotent_requests
        WHERE created_at <= now() - interval '24 hours'
        LIMIT ${EXPIRED_BATCH} FOR UPDATE SKIP LOCKED)`;
  }

  return { once };
}

/** The effect's result, or its 4xx with its writes undone to a savepoint (the key stays). */
async function attempt<T>(
  tx: Transaction,
  effect: (tx: Transaction) => Promise<T>,
): Promise<{ result: T } | { error: DomainError }> {
  await tx.$executeRaw`SAVEPOINT effect`;
  try {
    return { result: await effect(tx) };
  } catch (error) {
    if (!(error instanceof DomainError) || error.status >= 500) throw error;
    await tx.$executeRaw`ROLLBACK TO SAVEPOINT effect`;
    return { error };
  }
}

export type IdempotentWrites = ReturnType<typeof idempotentWrites>;
