// What one incoming request carries through every await: its id (for logs
// and for the calls it makes), the caller's identity and its deadline.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from './config.ts';

export interface Caller {
  /** The key's role, or null when no API_KEYS are configured (open mode). */
  role: Role | null;
  /** Authorization header to forward to the services this request calls. */
  authorization: string | undefined;
}

export interface RequestContext {
  requestId: string;
  caller: Caller;
  /** When the caller stops waiting (epoch ms, this process's clock); see deadline.ts. */
  deadline?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
