// GET /readyz: each dependency checked within a bound, the answer naming each
// one's state in words that give away no host or address.
import type { Express } from 'express';
import { DomainError } from './errors.ts';
import type { Logger } from './logger.ts';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check: () => Promise<unknown>;
}

const READINESS_TIMEOUT_MS = 2_000;

export function serveReadiness(
  app: Express,
  service: string,
  checks: ReadinessCheck[],
  logger: Logger,
): void {
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(checks.map((check) => runCheck(check, logger)));
    const failing = results.filter((r) => !r.ok);
    res.status(failing.length === 0 ? 200 : 503).json({
      status: failing.length === 0 ? 'ready' : 'unavailable',
      service: service,
      ...(failing.length > 0 && { reason: failing.map((r) => `${r.name}: ${r.error}`).join('; ') }),
      checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : r.error])),
    });
  });
}

async function runCheck(
  check: ReadinessCheck,
  logger: Logger,
): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadinessTimeout()), READINESS_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { name: check.name, ok: true };
  } catch (error) {
    // The log keeps the whole error; the answer, which anyone may read, only the dependency's state.
    logger.warn({ check: check.name, err: error }, 'readiness check failed');
    return { name: check.name, ok: false, error: stateOf(error) };
  } finally {
    clearTimeout(timer);
  }
}

class ReadinessTimeout extends Error {}

/** Network and PostgreSQL error codes, as a state that names no host or address. */
const STATES: Record<string, string> = {
  ECONNREFUSED: 'refusing connections',
  ECONNRESET: 'dropping connections',
  ETIMEDOUT: 'not answering',
  EHOSTUNREACH: 'unreachable',
  ENOTFOUND: 'not found by name',
  EAI_AGAIN: 'not found by name',
  P1001: 'unreachable',
  '28P01': 'refusing the credentials',
  '28000': 'refusing the credentials',
  '3D000': 'missing its database',
  '57P03': 'starting up',
};

function stateOf(error: unknown): string {
  if (error instanceof ReadinessTimeout) return `no answer within ${READINESS_TIMEOUT_MS} ms`;
  // The kit's client names the neighbour and what it did, never where it lives.
  if (error instanceof DomainError) return error.message;
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  const known = [code, cause?.code].find((c): c is string => typeof c === 'string' && c in STATES);
  return known ? (STATES[known] as string) : 'failing';
}
