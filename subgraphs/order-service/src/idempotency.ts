// Idempotency-Key for placing orders. The first request claims the key with a
// lease (its process, and until when) before doing anything; its response is
// stored with a hash of its body. A replay with the same body gets that response
// without any work being done again (one that arrives while the first is still
// running waits for it); another body under the same key is a 422. Responses of
// 5xx are not kept: the key is released, so a retry places the order afresh.
// A key whose lease ran out (its process died) is taken over by any replica,
// which settles the order it recorded and completes the key from the order's
// final state. Each claim holds its own token, and every write to a key names
// it, so a request that outlived its lease cannot touch the claim that took
// its place. Keys are per caller and kept 24 hours.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '@supply/service-kit/database';
import { remainingMs } from '@supply/service-kit/deadline';
import { Conflict, DomainError, Unprocessable } from '@supply/service-kit/errors';
import { keyOwner, replayedError, requestHash } from '@supply/service-kit/idempotency';
import type { Logger } from '@supply/service-kit/logger';
import { toProblem } from '@supply/service-kit/problem';

const SCOPE = 'supply-orders';
const WAIT_STEP_MS = 50;
const BATCH = 100;

/** A claimed key; the order its request records is linked to it in the order's own insert. */
export interface ClaimedKey {
  scope: string;
  /** Whose key it is (keys are per caller). */
  caller: string;
  key: string;
  /** This claim's token: the link and every write are made only while the key still holds it. */
  owner: string;
}

export interface IdempotencyOptions {
  /** How long a claim is held: longer than any placement may last, so only a dead owner loses it. */
  leaseMs: number;
  logger: Logger;
}

/**
 * What became of the order a dead owner recorded (with the traceparent that
 * placed it): the response its caller should get (the order, when it went
 * through), undefined when it failed, or a 4xx DomainError thrown (kept as
 * the live path would have kept it).
 */
export type Settle<T> = (orderId: number, traceParent: string | null) => Promise<T | undefined>;

/** The order a key taken over from a dead owner recorded, if any, and the traceparent that placed it. */
interface TakenOrder {
  /** The token of the claim the takeover made. */
  owner: string;
  orderId: number | null;
  traceParent: string | null;
}

interface KeyRow {
  requestHash: string;
  state: string;
  responseStatus: number | null;
  responseBody: unknown;
  leaseLive: boolean;
}

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));
/** A response the key keeps: a 4xx stands, where a 5xx is released for a retry. */
const isKept = (error: unknown): error is DomainError => error instanceof DomainError && error.status < 500;

export function idempotency(db: Database, options: IdempotencyOptions) {
  const { prisma } = db;
  // Names the process in each token, for whoever reads the table.
  const processName = `${hostname()}/${process.pid}/`;
  const token = () => `${processName}${randomUUID()}`;
  const lease = options.leaseMs / 1_000;

  const keys = {
    claim: async ({ caller, key, owner }: ClaimedKey, hash: string) =>
      (await prisma.$executeRaw`
        INSERT INTO idempotency_keys (scope, caller, key, request_hash, locked_by, locked_until)
        VALUES (${SCOPE}, ${caller}, ${key}, ${hash}, ${owner}, now() + make_interval(secs => ${lease}::double precision))
        ON CONFLICT DO NOTHING`) === 1,
    read: async ({ caller, key }: ClaimedKey) =>
      (
        await prisma.$queryRaw<KeyRow[]>`
          SELECT request_hash AS "requestHash", state, response_status AS "responseStatus",
            response_body AS "responseBody", locked_until > now() AS "leaseLive"
          FROM idempotency_keys WHERE scope = ${SCOPE} AND caller = ${caller} AND key = ${key}`
      )[0],
    /** Takes over expired leases (one key, or a batch of any); the rows come back with their order. */
    takeOver: (id: Omit<ClaimedKey, 'owner'> | null) =>
      prisma.$queryRaw<Array<{ caller: string; key: string } & TakenOrder>>`
        UPDATE idempotency_keys k
        SET locked_by = ${processName} || gen_random_uuid(), locked_until = now() + make_interval(secs => ${lease}::double precision)
        WHERE (k.scope, k.caller, k.key) IN (
          SELECT scope, caller, key FROM idempotency_keys
          WHERE state = 'in_progress' AND locked_until <= now()
            AND (${id?.key ?? null}::text IS NULL OR (caller, key) = (${id?.caller ?? null}::text, ${id?.key ?? null}::text))
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING k.caller, k.key, k.locked_by AS owner, k.order_id AS "orderId",
          (SELECT o.trace_parent FROM orders o WHERE o.id = k.order_id) AS "traceParent"`,
    complete: ({ caller, key, owner }: ClaimedKey, status: number, body: unknown) =>
      prisma.$executeRaw`
        UPDATE idempotency_keys SET state = 'completed', response_status = ${status},
          response_body = ${JSON.stringify(body)}::json
        WHERE scope = ${SCOPE} AND caller = ${caller} AND key = ${key} AND state = 'in_progress' AND locked_by = ${owner}`,
    /** Lets the key go, only while no order of it stands (none was recorded, or it failed and was undone). */
    release: ({ caller, key, owner }: ClaimedKey) =>
      prisma.$executeRaw`
        DELETE FROM idempotency_keys k
        WHERE scope = ${SCOPE} AND caller = ${caller} AND key = ${key} AND state = 'in_progress' AND locked_by = ${owner}
          AND (k.order_id IS NULL OR EXISTS (SELECT FROM orders o WHERE o.id = k.order_id AND o.status = 'failed'))`,
  };

  /**
   * Runs the work under a claimed key and keeps its response. A 5xx releases the key
   * when no order of it stands; otherwise it stays claimed, to be settled from the
   * order once its lease runs out, so a retry never places a second order.
   */
  async function perform<T>(id: ClaimedKey, work: (claim: ClaimedKey) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work(id);
    } catch (error) {
      if (isKept(error)) await keys.complete(id, error.status, asJson(toProblem(error)));
      else await keys.release(id).catch(() => {});
      throw error;
    }
    // Confirmed: that is the response, kept or not. Not kept, the key stays claimed
    // and whoever takes it over after the lease completes it from the order.
    await keys.complete(id, 201, asJson(result)).catch((error: unknown) => {
      options.logger.error({ err: error, key: id.key }, 'keeping the answer of a confirmed order failed');
    });
    return result;
  }

  /** Settles a taken-over key: completed from its order's final state, or released. */
  async function settleKey<T>(
    id: ClaimedKey,
    { orderId, traceParent }: Omit<TakenOrder, 'owner'>,
    settle: Settle<T>,
  ): Promise<T | undefined> {
    let response: T | undefined;
    try {
      response = orderId === null ? undefined : await settle(orderId, traceParent);
    } catch (error) {
      if (isKept(error)) await keys.complete(id, error.status, asJson(toProblem(error)));
      throw error;
    }
    if (response === undefined) await keys.release(id);
    else await keys.complete(id, 201, asJson(response));
    return response;
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
      const caller = keyOwner();
      for (;;) {
        const id: ClaimedKey = { scope: SCOPE, caller, key, owner: token() };
        if (await keys.claim(id, hash)) return perform(id, work);
        const row = await keys.read(id);
        if (!row) continue; // released meanwhile: claim it afresh
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
        const [taken] = await keys.takeOver(id);
        if (!taken) continue;
        const ours = { ...id, owner: taken.owner };
        if (taken.orderId === null) return perform(ours, work);
        const response = await settleKey(ours, taken, settle);
        if (response !== undefined) return response;
      }
    },

    /** Settles every key whose owner died, and forgets keys older than 24 hours. */
    async sweep<T>(settle: Settle<T>): Promise<void> {
      for (const { caller, key, owner, ...order } of await keys.takeOver(null)) {
        // A 4xx is kept as the response, like any other settling.
        await settleKey({ scope: SCOPE, caller, key, owner }, order, settle).catch((error: unknown) => {
          if (!isKept(error)) throw error;
        });
      }
      await prisma.$executeRaw`DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`;
    },
  };
}

function replay<T>(row: KeyRow): T {
  const status = row.responseStatus ?? 500;
  if (status >= 400) throw replayedError(status, row.responseBody);
  return row.responseBody as T;
}

export type Idempotency = ReturnType<typeof idempotency>;
