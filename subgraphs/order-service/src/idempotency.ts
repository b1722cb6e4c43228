// Idempotency-Key for placing orders. The first request claims the key with a
// lease (its process, and until when) before doing anything; its answer is
// stored with a hash of its body. A replay with the same body gets that answer
// without any work being done again (one that arrives while the first is still
// running waits for it); another body under the same key is a 422. Answers of
// 5xx are not kept: the key is let go, so a retry places the order afresh.
// A key whose lease ran out (its process died) is taken over by any replica,
// which settles the order it recorded and completes the key from the order's
// final state. Keys are kept 24 hours.
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { reviveProblem } from '@supply/service-kit/client';
import type { Database } from '@supply/service-kit/database';
import { remainingMs } from '@supply/service-kit/deadline';
import { Conflict, DomainError, Unprocessable } from '@supply/service-kit/errors';
import { toProblem } from '@supply/service-kit/http';

const SCOPE = 'supply-orders';
const WAIT_STEP_MS = 50;
const BATCH = 100;

/** A claimed key; the order its request records is linked to it in the order's own insert. */
export interface ClaimedKey {
  scope: string;
  key: string;
  /** The lease holder: the link is made only while the lease is still this process's. */
  owner: string;
}

export interface IdempotencyOptions {
  /** How long a claim is held: longer than any placement may last, so only a dead owner loses it. */
  leaseMs: number;
}

/**
 * What became of the order a dead owner recorded: the answer its caller
 * should get (the order, when it went through), or undefined when it failed.
 */
export type Settle<T> = (orderId: number) => Promise<T | undefined>;

interface KeyRow {
  requestHash: string;
  state: string;
  responseStatus: number | null;
  responseBody: unknown;
  leaseLive: boolean;
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

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

export function idempotency(db: Database, options: IdempotencyOptions) {
  const { prisma } = db;
  const owner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const lease = options.leaseMs / 1_000;
  const claim: (key: string) => ClaimedKey = (key) => ({ scope: SCOPE, key, owner });

  const keys = {
    claim: async (key: string, hash: string) =>
      (await prisma.$executeRaw`
        INSERT INTO idempotency_keys (scope, key, request_hash, locked_by, locked_until)
        VALUES (${SCOPE}, ${key}, ${hash}, ${owner}, now() + make_interval(secs => ${lease}::double precision))
        ON CONFLICT DO NOTHING`) === 1,
    read: async (key: string) =>
      (
        await prisma.$queryRaw<KeyRow[]>`
          SELECT request_hash AS "requestHash", state, response_status AS "responseStatus",
            response_body AS "responseBody", locked_until > now() AS "leaseLive"
          FROM idempotency_keys WHERE scope = ${SCOPE} AND key = ${key}`
      )[0],
    /** Takes over expired leases (one key, or a batch of any); the rows come back with their order. */
    takeOver: (key: string | null) =>
      prisma.$queryRaw<Array<{ key: string; orderId: number | null }>>`
        UPDATE idempotency_keys k
        SET locked_by = ${owner}, locked_until = now() + make_interval(secs => ${lease}::double precision)
        WHERE (k.scope, k.key) IN (
          SELECT scope, key FROM idempotency_keys
          WHERE state = 'in_progress' AND locked_until <= now() AND (${key}::text IS NULL OR key = ${key})
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING k.key, k.order_id AS "orderId"`,
    complete: (key: string, status: number, body: unknown) =>
      prisma.$executeRaw`
        UPDATE idempotency_keys SET state = 'completed', response_status = ${status},
          response_body = ${JSON.stringify(body)}::json
        WHERE scope = ${SCOPE} AND key = ${key} AND state = 'in_progress' AND locked_by = ${owner}`,
    letGo: (key: string) =>
      prisma.$executeRaw`
        DELETE FROM idempotency_keys
        WHERE scope = ${SCOPE} AND key = ${key} AND state = 'in_progress' AND locked_by = ${owner}`,
  };

  /** Runs the work under a claimed key and keeps its answer (a 5xx lets the key go). */
  async function perform<T>(key: string, work: (claim: ClaimedKey) => Promise<T>): Promise<T> {
    try {
      const result = await work(claim(key));
      await keys.complete(key, 201, asJson(result));
      return result;
    } catch (error) {
      if (error instanceof DomainError && error.status < 500) {
        await keys.complete(key, error.status, asJson(toProblem(error)));
      } else {
        await keys.letGo(key).catch(() => {});
      }
      throw error;
    }
  }

  /** Settles a taken-over key: completed from its order's final state, or let go. */
  async function settleKey<T>(
    key: string,
    orderId: number | null,
    settle: Settle<T>,
  ): Promise<T | undefined> {
    const answer = orderId === null ? undefined : await settle(orderId);
    if (answer === undefined) await keys.letGo(key);
    else await keys.complete(key, 201, asJson(answer));
    return answer;
  }

  return {
    /**
     * Runs `work` once per key and body. `work` gets the claimed key to link
     * to the order it records, so a replica taking the key over finds it.
     */
    async run<T>(
      key: string,
      input: unknown,
      work: (claim: ClaimedKey) => Promise<T>,
      settle: Settle<T>,
    ): Promise<T> {
      const hash = requestHash(input);
      for (;;) {
        if (await keys.claim(key, hash)) return perform(key, work);
        const row = await keys.read(key);
        if (!row) continue; // let go meanwhile: claim it afresh
        if (row.requestHash !== hash) {
          throw new Unprocessable('This Idempotency-Key was used with a different request body');
        }
        if (row.state === 'completed') return replay<T>(row);
        if (row.leaseLive) {
          if ((remainingMs() ?? 0) <= 2 * WAIT_STEP_MS) {
            throw new Conflict('A request with this Idempotency-Key is still in progress; retry later');
          }
          await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
          continue;
        }
        const [taken] = await keys.takeOver(key);
        if (!taken) continue;
        if (taken.orderId === null) return perform(key, work);
        const answer = await settleKey(key, taken.orderId, settle);
        if (answer !== undefined) return answer;
      }
    },

    /** Settles every key whose owner died, and forgets keys older than 24 hours. */
    async sweep<T>(settle: Settle<T>): Promise<void> {
      for (const { key, orderId } of await keys.takeOver(null)) await settleKey(key, orderId, settle);
      await prisma.$executeRaw`DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`;
    },
  };
}

function replay<T>(row: KeyRow): T {
  const status = row.responseStatus ?? 500;
  if (status >= 400)
    throw reviveProblem(status, row.responseBody) ?? new Conflict('The first request failed');
  return row.responseBody as T;
}

export type Idempotency = ReturnType<typeof idempotency>;
