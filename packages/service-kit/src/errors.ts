// The error model: the domain throws these; http.ts maps them to
// problem+json and graphql.ts to extensions.code, each in one place.
import { ApolloServerErrorCode } from '@apollo/server/errors';

/** Apollo's codes for errors in the operation itself (parse, validation, a bad request): passed on as they are. */
export const OPERATION_ERROR_CODES: ReadonlySet<string> = new Set(
  Object.values(ApolloServerErrorCode).filter((code) => code !== ApolloServerErrorCode.INTERNAL_SERVER_ERROR),
);

export interface FieldError {
  field: string;
  message: string;
}

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INSUFFICIENT_STOCK'
  | 'SERVICE_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED';

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly code: ErrorCode;
  /** Short, fixed summary of the kind (RFC 9457 `title`). */
  abstract readonly title: string;
  /** Extra members for the problem body and GraphQL extensions. */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Input that breaks a rule; `errors` names each bad field. */
export class Invalid extends DomainError {
  readonly status = 400;
  readonly code = 'BAD_USER_INPUT';
  readonly title = 'Invalid request';
  readonly errors: FieldError[];
  constructor(message: string, errors: FieldError[] = []) {
    super(message, errors.length > 0 ? { errors } : {});
    this.errors = errors;
  }
}

/** Well-formed input that cannot be acted on (HTTP 422). */
export class Unprocessable extends DomainError {
  readonly status = 422;
  readonly code = 'BAD_USER_INPUT';
  readonly title = 'Unprocessable request';
}

export class NotFound extends DomainError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
  readonly title = 'Not found';
}

export class Conflict extends DomainError {
  readonly status = 409;
  readonly code = 'CONFLICT';
  readonly title = 'Conflict';
}

export interface ShortItem {
  productId: number;
  requested: number;
  available: number;
}

export class InsufficientStock extends DomainError {
  readonly status = 409;
  readonly code = 'INSUFFICIENT_STOCK';
  readonly title = 'Insufficient stock';
  readonly items: ShortItem[];
  constructor(items: ShortItem[]) {
    super(
      `Not enough stock for ${items
        .map((item) => `product ${item.productId} (requested ${item.requested}, available ${item.available})`)
        .join(', ')}`,
      { items },
    );
    this.items = items;
  }
}

/** A conditional request whose condition no longer holds (stale If-Match). */
export class PreconditionFailed extends DomainError {
  readonly status = 412;
  readonly code = 'CONFLICT';
  readonly title = 'Precondition failed';
}

/** A dependency is down, slow or answered with a server error. */
export class Unavailable extends DomainError {
  readonly status = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly title = 'Service unavailable';
}

export class Unauthenticated extends DomainError {
  readonly status = 401;
  readonly code = 'UNAUTHENTICATED';
  readonly title = 'Unauthenticated';
}

export class Forbidden extends DomainError {
  readonly status = 403;
  readonly code = 'FORBIDDEN';
  readonly title = 'Forbidden';
}

/** The caller's key has used up its requests for now; `retryAfterSeconds` says when to come back. */
export class TooManyRequests extends DomainError {
  readonly status = 429;
  readonly code = 'RATE_LIMITED';
  readonly title = 'Too many requests';
}

export class PayloadTooLarge extends DomainError {
  readonly status = 413;
  readonly code = 'BAD_USER_INPUT';
  readonly title = 'Payload too large';
}

/** RFC 9457 problem type for a kind of error, e.g. urn:problem:crm-supply:not-found. */
export function problemType(error: DomainError): string {
  const slug = error.name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return `urn:problem:crm-supply:${slug}`;
}
