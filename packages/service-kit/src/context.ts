// What one incoming request carries through every await: its id (for logs
// and for the calls it makes), the caller's identity and its deadline.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from './config.ts';

export interface Caller {
  /** The key's role (admin for everyone in open mode), or null while the caller is not identified. */
  role: Role | null;
  /** Authorization header to forward to the services this request calls. */
  authorization: string | undefined;
  /** What rate limits count against: a digest of the caller's key (none for the service key). */
  limitKey?: string;
  /**
   * Whose Idempotency-Keys these are: a digest of the caller's key (the
   * forwarded caller's when a service calls on its behalf); unset in open mode.
   */
  identity?: string;
}

export interface RequestContext {
  requestId: string;
  caller: Caller;
  /** When the caller stops waiting (epoch ms, this process's clock); see deadline.ts. */
  deadline?: number;
  /** Database statements this request may still send; unlimited when unset. */
  statementsLeft?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
