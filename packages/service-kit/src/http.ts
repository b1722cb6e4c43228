// The HTTP bootstrap every process shares: request context and access logs,
// health and readiness, JSON parsing, and the one place where errors become
// RFC 9457 problem+json.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { ZodError } from 'zod';
import { type AccessPolicy, authenticate } from './auth.ts';
import type { Config } from './config.ts';
import { runWithContext } from './context.ts';
import { corsPolicy } from './cors.ts';
import { DEADLINE_HEADER, deadlineFromHeader } from './deadline.ts';
import { DomainError, Invalid, NotFound, PayloadTooLarge } from './errors.ts';
import type { Logger } from './logger.ts';
import { requestMetrics, routeOf, serveMetrics } from './metrics.ts';
import type { OpenApiDocument } from './openapi.ts';
import { toProblem } from './problem.ts';
import { type RateLimitStore, rateLimit } from './rate-limit.ts';
import { traceFields, traceRequests, tracing } from './telemetry.ts';
import { invalidFromZod } from './validation.ts';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check: () => Promise<unknown>;
}

export interface HttpAppOptions {
  config: Config;
  logger: Logger;
  readiness: ReadinessCheck[];
  helmet?: HelmetOptions;
  /** Role needed per request; see auth.ts. */
  access?: AccessPolicy;
  /** A folder of built files served as they are, to anyone, under `path` (e.g. a web app). */
  publicFiles?: { path: string; dir: string };
  /** Where requests per API key are counted (rate-limit.ts); without one, none are. */
  rateLimitStore?: RateLimitStore | undefined;
  /** The service's OpenAPI document, served to anyone at /openapi.json (openapi.ts). */
  openApi?: () => OpenApiDocument;
}

const READINESS_TIMEOUT_MS = 2_000;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** An Express app with the shared front matter; add routes, then call finishApp. */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Installed only when tracing is on, so without it a request pays nothing for it.
  if (tracing()) app.use(traceRequests(routeOf));
  app.use(helmet(options.helmet));
  app.use(corsPolicy(options.config.corsOrigins));
  app.use(requestContext(options.config));
  app.use(accessLog(logger));
  app.use(requestMetrics());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.config.service });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(options.readiness.map((check) => runCheck(check, logger)));
    const failing = results.filter((r) => !r.ok);
    res.status(failing.length === 0 ? 200 : 503).json({
      status: failing.length === 0 ? 'ready' : 'unavailable',
      service: options.config.service,
      ...(failing.length > 0 && { reason: failing.map((r) => `${r.name}: ${r.error}`).join('; ') }),
      checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : r.error])),
    });
  });
  if (options.openApi) serveOpenApi(app, options.openApi);
  if (options.publicFiles) {
    // Before canonicalPath: file names are case-sensitive (hashed asset names).
    app.use(options.publicFiles.path, staticFiles(options.publicFiles.dir));
  }
  app.use(canonicalPath);
  app.use(authenticate(options.config, options.access));
  app.use(rateLimit(options.config, options.rateLimitStore, logger));
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  serveMetrics(app);
  return app;
}

/** Adds the 404 for unknown routes and the error handler: call after the routes. */
export function finishApp(app: Express, logger: Logger): Express {
  app.use((req, _res, next) => next(new NotFound(`No route for ${req.method} ${req.path}`)));
  app.use(errorHandler(logger));
  return app;
}

/** Generated on the first request, then kept: the routes do not change while the process runs. */
function serveOpenApi(app: Express, generate: () => OpenApiDocument): void {
  let document: OpenApiDocument | undefined;
  app.get('/openapi.json', (_req, res) => {
    document ??= generate();
    res.json(document);
  });
}

/** Hashed assets are kept a year; everything else (index.html) is checked on every load. */
function staticFiles(dir: string): RequestHandler {
  return express.static(dir, {
    index: 'index.html',
    setHeaders: (res, file) => {
      const hashed = /[\\/]assets[\\/]/.test(file);
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

/**
 * Express matches routes ignoring case and a trailing slash. Access policies
 * see the path in that same canonical form, so no spelling of a route can slip
 * past the role it needs. (Every path parameter of this API is a numeric id,
 * so lowercasing the path changes no value.)
 */
const canonicalPath: RequestHandler = (req, _res, next) => {
  const [path = '/', query] = req.url.split(/\?(.*)/s, 2);
  const canonical = path.length > 1 ? path.toLowerCase().replace(/\/+$/, '') : path;
  if (canonical !== path) req.url = query === undefined ? canonical : `${canonical}?${query}`;
  next();
};

/**
 * One line per request once its answer is sent: info, error for a 5xx, but
 * warn for a 503 (a neighbour's outage, reported where it is detected, not
 * an error of this process) and for a caller that hung up first. The level is checked before the line is built,
 * so at warn a good answer costs one listener.
 */
function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (req.url === '/healthz' || req.url === '/readyz') return next();
    const started = performance.now();
    // Read now: the answer is sent outside the request's trace context.
    const traced = traceFields();
    res.once('close', () => {
      const status = res.statusCode;
      const finished = res.writableFinished;
      const level = status === 503 || !finished ? 'warn' : status >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId: req.headers['x-request-id'],
          ...traced,
          req: { method: req.method, url: req.originalUrl },
          res: { status },
          responseTime: Math.round(performance.now() - started),
        },
        finished ? 'request completed' : 'request aborted: the connection closed before the answer was sent',
      );
    });
    next();
  };
}

function requestContext(config: Config): RequestHandler {
  // Open mode lets every caller do everything; with keys, authenticate names the role.
  const role = config.apiKeys ? null : 'admin';
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const authorization = req.headers.authorization;
    const deadline = deadlineFromHeader(req.headers[DEADLINE_HEADER]);
    runWithContext({ requestId, caller: { role, authorization }, deadline }, next);
  };
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

function errorHandler(logger: Logger): ErrorRequestHandler {
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

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting connections and resolves once in-flight requests finish. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) return reject(error);
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://127.0.0.1:${actual}`,
        close: () => closeGracefully(server),
      });
    });
    server.keepAliveTimeout = 65_000;
  });
}

function closeGracefully(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
