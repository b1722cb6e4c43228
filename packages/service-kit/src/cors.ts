// Browser callers on other origins (dashboards): which origins may call, and
// the preflight answer they need. Configured, never open: CORS_ORIGINS lists
// the origins (see config.ts); a port of `*` matches any port.
import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * The headers a browser may send: Apollo Client's (with its CSRF-prevention
 * and client-awareness headers), API keys, trace context, and REST's
 * conditional and idempotent writes.
 */
const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'traceparent',
  'tracestate',
  'if-match',
  'idempotency-key',
  'x-request-id',
];
const EXPOSED_HEADERS = ['x-request-id', 'etag', 'location', 'retry-after'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Ten minutes: browsers cap it anyway (Chromium at two hours). */
const PREFLIGHT_MAX_AGE_S = 600;

/** Whether `origin` is one of `allowed` (`scheme://host[:port]`, port may be `*`). */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) =>
    entry.endsWith(':*') ? originWithoutPort(origin) === entry.slice(0, -2) : entry === origin,
  );
}

function originWithoutPort(origin: string): string | undefined {
  const match = /^(https?:\/\/[^/:]+|https?:\/\/\[[^\]]+\])(:\d+)?$/.exec(origin);
  return match?.[1];
}

/**
 * Answers preflights from allowed origins itself (204, before any key is
 * asked for: a browser sends none on a preflight), marks their answers
 * readable, and lets every other request through unmarked.
 */
export function corsPolicy(allowed: readonly string[]): RequestHandler {
  const handle = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && originAllowed(origin, allowed)),
    methods: METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_S,
  });
  return (req, res, next) => {
    // The answer depends on Origin whether or not it is allowed: caches must know.
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin && originAllowed(origin, allowed)) {
      // helmet's same-origin policy would hide the answer from the page.
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    handle(req, res, next);
  };
}
