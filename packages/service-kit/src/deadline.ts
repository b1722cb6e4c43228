// The deadline of the work a request started, carried from the first caller
// to the last neighbour: each hop sends what is left of it in one header, and
// bounds its own calls by the smaller of their timeout and what is left.
import { currentContext, runWithContext } from './context.ts';

/** Milliseconds left to the caller's deadline when the request was sent. */
export const DEADLINE_HEADER = 'x-deadline-ms';
/** What a hop keeps for itself to answer: it tells its neighbour this much less than it will wait. */
export const HOP_MARGIN_MS = 500;
const MAX_DEADLINE_MS = 10 * 60_000;

/** The deadline (this process's clock, epoch ms) a header value gives, if it is a sound one. */
export function deadlineFromHeader(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  return now + Math.min(Number(value), MAX_DEADLINE_MS);
}

/** Milliseconds left to the current request's deadline; undefined when it has none. */
export function remainingMs(): number | undefined {
  const deadline = currentContext()?.deadline;
  return deadline === undefined ? undefined : deadline - Date.now();
}

/** Runs `fn` with a deadline no later than `ms` from now (an earlier one the request carries stays). */
export function withDeadline<T>(ms: number, fn: () => T): T {
  const context = currentContext();
  const own = Date.now() + ms;
  const deadline = context?.deadline === undefined ? own : Math.min(context.deadline, own);
  const base = context ?? { requestId: 'background', caller: { role: null, authorization: undefined } };
  return runWithContext({ ...base, deadline }, fn);
}

/** Runs `fn` free of the request's deadline: work that must finish (an undo) once the caller is answered or not. */
export function pastDeadline<T>(fn: () => T): T {
  const context = currentContext();
  return context ? runWithContext({ ...context, deadline: undefined }, fn) : fn();
}
