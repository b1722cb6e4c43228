// RFC 9457 problem+json, both ways: a DomainError becomes the body a REST
// caller reads (http.ts, stored idempotent answers), and a problem body a
// neighbour sent or a key stored becomes the same DomainError again.
import {
  Conflict,
  type DomainError,
  Forbidden,
  InsufficientStock,
  Invalid,
  NotFound,
  PreconditionFailed,
  problemType,
  Unauthenticated,
  Unprocessable,
} from './errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [member: string]: unknown;
}

export function toProblem(error: DomainError, instance?: string): Problem {
  return {
    type: problemType(error),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance && { instance }),
    ...error.details,
  };
}

/** RFC 9457's own members, and the ones the error kinds below rebuild themselves. */
const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'errors', 'items']);

/** The DomainError a problem+json body stands for (a neighbour's, or one stored to replay), its extra members kept. */
export function reviveProblem(status: number, body: unknown): DomainError | undefined {
  const problem = (body ?? {}) as { detail?: unknown; code?: unknown; errors?: unknown; items?: unknown };
  const detail = typeof problem.detail === 'string' ? problem.detail : `HTTP ${status}`;
  const details = Object.fromEntries(Object.entries(problem).filter(([name]) => !PROBLEM_MEMBERS.has(name)));
  switch (status) {
    case 400:
      return new Invalid(detail, Array.isArray(problem.errors) ? problem.errors : []);
    case 401:
      return new Unauthenticated(detail, details);
    case 403:
      return new Forbidden(detail, details);
    case 404:
      return new NotFound(detail, details);
    case 409:
      return problem.code === 'INSUFFICIENT_STOCK' && Array.isArray(problem.items)
        ? new InsufficientStock(problem.items)
        : new Conflict(detail, details);
    case 412:
      return new PreconditionFailed(detail, details);
    case 422:
      return new Unprocessable(detail, details);
    default:
      return undefined;
  }
}
