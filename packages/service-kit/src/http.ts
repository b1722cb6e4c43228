// The HTTP bootstrap every process shares: request context and access logs,
// health and readiness (readiness.ts), JSON parsing, the error handler
// (http-errors.ts), and listening with a graceful close.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { type AccessPolicy, authenticate } from './auth.ts';
import type { Config } from './config.ts';
import { runWithContext } from './context.ts';
import { corsPolicy } from './cors.ts';
import { DEADLINE_HEADER, deadlineFromHeader } from './deadline.ts';
import { NotFound } from './errors.ts';
import { errorHandler } from './http-errors.ts';
import type { Logger } from './logger.ts';
import { requestMetrics, routeOf, serveMetrics } from './metrics.ts';
import type { OpenApiDocument } from './openapi.ts';
import { type RateLimitStore, rateLimit } from './rate-limit.ts';
import { type ReadinessCheck, serveReadiness } from './readiness.ts';
import { traceFields, traceRequests, tracing } from './telemetry.ts';
import { rejectNulText } from './validation.ts';

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
  serveReadiness(app, options.config.service, options.readiness, logger);
  if (options.openApi) serveOpenApi(app, options.openApi);
  if (options.publicFiles) {
    // Before canonicalPath: file names are case-sensitive (hashed asset names).
    app.use(options.publicFiles.path, staticFiles(options.publicFiles.dir));
  }
  app.use(canonicalPath);
  app.use(authenticate(options.config, options.access));
  app.use(rateLimit(options.config, options.rateLimitStore, logger));
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  // PostgreSQL stores no NUL in text: a clear 400 here, not a failed statement later.
  app.use((req, _res, next) => next(rejectNulText(req.body, req.query)));
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
