// Idempotency-Key for placing orders. The first request claims the key before
// doing anything; its answer is stored with a hash of its body. A replay with
// the same body gets that answer without any work being done again (one that
// arrives while the first is still running waits for it); another body under
// the same key is a 422. Answers of 5xx are not kept: the key is let go, so a
// retry after an outage places the order afresh.
import { createHash } from 'node:crypto';
import { reviveProblem } from '@supply/service-kit/client';
import type { Database } from '@supply/service-kit/database';
import { Conflict, DomainError, Unprocessable } from '@supply/service-kit/errors';
import { toProblem } from '@supply/service-kit/http';

const SCOPE = 'supply-orders';
const WAIT_STEP_MS = 50;

/** A claimed key; the order its request records is linked to it in the order's own insert. */
export interface ClaimedKey {
  scope: string;
  key: string;
}

export interface IdempotencyOptions {
  /** How long a replay waits for the first request to finish. */
  waitMs: number;
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

export function idempotency(db: Database, options: IdempotencyOptions) {
  const { prisma } = db;

  async function replay(key: string, hash: string): Promise<{ status: number; body: unknown }> {
    for (let waited = 0; ; waited += WAIT_STEP_MS) {
      const row = await prisma.idempotencyKey.findUnique({ where: { scope_key: { scope: SCOPE, key } } });
      if (!row)
        throw new Conflict('The first request with this Idempotency-Key failed and was let go; retry');
      if (row.requestHash !== hash) {
        throw new Unprocessable('This Idempotency-Key was used with a different request body');
      }
      if (row.state === 'completed') return { status: row.responseStatus ?? 500, body: row.responseBody };
      if (waited >= options.waitMs) {
        throw new Conflict('A request with this Idempotency-Key is still in progress; retry later');
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  return {
    /**
     * Runs `work` once per key and body. `work` gets the claimed key to link
     * to the order it records, so crash recovery can find the key.
     */
    async run<T>(key: string, input: unknown, work: (claim: ClaimedKey) => Promise<T>): Promise<T> {
      const hash = requestHash(input);
      const claimed = await prisma.$executeRaw`
        INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (${SCOPE}, ${key}, ${hash})
        ON CONFLICT DO NOTHING`;
      if (claimed === 0) {
        const { status, body } = await replay(key, hash);
        if (status >= 400) throw reviveProblem(status, body) ?? new Conflict('The first request failed');
        return body as T;
      }
      const where = { scope_key: { scope: SCOPE, key } };
      try {
        const result = await work({ scope: SCOPE, key });
        const body = JSON.parse(JSON.stringify(result));
        await prisma.idempotencyKey.update({
          where,
          data: { state: 'completed', responseStatus: 201, responseBody: body },
        });
        return result;
      } catch (error) {
        if (error instanceof DomainError && error.status < 500) {
          const body = JSON.parse(JSON.stringify(toProblem(error)));
          await prisma.idempotencyKey.update({
            where,
            data: { state: 'completed', responseStatus: error.status, responseBody: body },
          });
        } else {
          await prisma.idempotencyKey.delete({ where }).catch(() => {});
        }
        throw error;
      }
    },
  };
}

export type Idempotency = ReturnType<typeof idempotency>;
