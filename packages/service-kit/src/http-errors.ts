// The one place where errors become answers: RFC 9457 problem+json for REST,
// `errors` for a GraphQL request stopped before Apollo saw it, and a plain
// 500 for anything unexpected, logged with the request id.
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { DomainError, Invalid, PayloadTooLarge } from './errors.ts';
import type { Logger } from './logger.ts';
import { toProblem } from './problem.ts';
import { invalidFromZod } from './validation.ts';

/** Errors Express and body-parser raise before a route runs: each one a 4xx. */
function fromHttpError(error: unknown): DomainError | undefined {
  if (error instanceof ZodError) return invalidFromZod(error);
  const { type, status, expose, message } = (error ?? {}) as {
    type?: unknown;
    status?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  if (type === 'entity.parse.failed') return new Invalid('Malformed JSON in the request body');
  if (type === 'entity.too.large') return new PayloadTooLarge('The request body is larger than 1 MiB');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new Invalid('Unsupported body encoding or charset');
  }
  // The router could not decode a path parameter (`%E0`, `%zz`): its URIError carries 400, unexposed.
  if (error instanceof URIError) return new Invalid('The request path holds bad percent-encoding');
  // Any other failure reading the body (aborted, shorter than its Content-Length, bad gzip).
  const clientError = expose === true && typeof status === 'number' && status >= 400 && status < 500;
  if (typeof type === 'string' || clientError) {
    return new Invalid(`The request body could not be read: ${typeof message === 'string' ? message : type}`);
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const known = error instanceof DomainError ? error : fromHttpError(error);
    if (!known) {
      logger.error({ err: error }, 'unhandled error');
      res.status(500).type('application/problem+json').json({
        type: 'urn:problem:crm-supply:internal',
        title: 'Internal server error',
        status: 500,
        detail: 'The request could not be completed. The error was logged with the request id.',
        code: 'INTERNAL_SERVER_ERROR',
        requestId: req.headers['x-request-id'],
      });
      return;
    }
    if (req.path === '/graphql') {
      // A GraphQL client reads `errors`, whatever stopped the request before Apollo did.
      res
        .status(known.status)
        .json({ errors: [{ message: known.message, extensions: { code: known.code, ...known.details } }] });
      return;
    }
    res.status(known.status).type('application/problem+json').json(toProblem(known, req.originalUrl));
  };
}
