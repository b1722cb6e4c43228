// Traces (OpenTelemetry). With OTEL_EXPORTER_OTLP_ENDPOINT set, a process
// starts the Node SDK, which reads the standard OTEL_* variables (protocol,
// sampler, service name, resource), and the kit records spans for what it
// does: HTTP requests served, calls to neighbours, GraphQL operations, SQL
// statements; W3C traceparent carries the trace from process to process.
// Without it nothing is loaded and every hook below is left out, so tracing
// costs nothing. The spans are written here rather than by monkey-patching
// instrumentations, which neither a bundled image nor the in-process tests
// would load.
import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { RequestHandler } from 'express';

let enabled = false;
const tracer = trace.getTracer('@supply/service-kit');

/** True once startTracing has started the SDK in this process. */
export function tracing(): boolean {
  return enabled;
}

/**
 * Starts the SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set; answers the step
 * that flushes and stops it at shutdown. OTEL_SERVICE_NAME defaults to the
 * process's name. Metrics are Prometheus's (/metrics) and logs go to stdout,
 * so the SDK's own metric and log exporters are off unless asked for.
 */
export async function startTracing(service: string, env = process.env): Promise<() => Promise<void>> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return async () => {};
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  // A CommonJS package: bundled, its exports arrive as the namespace's default.
  type Sdk = typeof import('@opentelemetry/sdk-node');
  const loaded = (await import('@opentelemetry/sdk-node')) as Sdk & { default?: Sdk };
  const { NodeSDK } = loaded.default ?? loaded;
  const sdk = new NodeSDK({ ...(!env.OTEL_SERVICE_NAME && { serviceName: service }), instrumentations: [] });
  sdk.start();
  enabled = true;
  return async () => {
    enabled = false;
    await sdk.shutdown();
  };
}

/** The active span's ids for a log line, or nothing outside a span. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = enabled ? trace.getActiveSpan() : undefined;
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Ends a span, marking it failed when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** Ends `span` when `work` settles, failed if it rejects; answers what `work` does. */
function endWhenSettled<T>(span: Span, work: Promise<T>): Promise<T> {
  return work.then(
    (result) => {
      endSpan(span);
      return result;
    },
    (error: unknown) => {
      endSpan(span, error);
      throw error;
    },
  );
}

/**
 * A server span per request, continuing the caller's traceparent; named by
 * route template once the answer is sent (`route` reads it then).
 */
export function traceRequests(route: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
  return (req, res, next) => {
    if (!enabled || req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics') return next();
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.once('close', () => {
      const template = route(req);
      span.updateName(`${req.method} ${template}`);
      span.setAttributes({ 'http.route': template, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** An internal span, active for `next` and ended when the answer is sent (GraphQL at /graphql). */
export function spanForRequest(name: string): RequestHandler {
  return (_req, res, next) => {
    if (!enabled) return next();
    const span = tracer.startSpan(name);
    res.once('close', () => span.end());
    context.with(trace.setSpan(context.active(), span), next);
  };
}

/** Renames the active span (a GraphQL span once its operation is known). */
export function nameActiveSpan(name: string, attributes: Record<string, string> = {}): void {
  const span = enabled ? trace.getActiveSpan() : undefined;
  span?.updateName(name);
  span?.setAttributes(attributes);
}

/**
 * A client span for a call to a neighbour, with traceparent written into
 * `headers`; answers undefined (and writes nothing) while tracing is off.
 */
export function startClientSpan(name: string, headers: Record<string, unknown>): Span | undefined {
  if (!enabled) return undefined;
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT });
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return span;
}

/** Writes the active context's traceparent into `headers` (the gateway's subgraph fetches). */
export function injectTraceparent(headers: { set(name: string, value: string): unknown }): void {
  if (!enabled) return;
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}

/**
 * The active context as a W3C traceparent, for a row of work written now and
 * done later (an outbox row, an order recovery may settle); null while
 * tracing is off or outside a span, so the column costs nothing then.
 */
export function currentTraceParent(): string | null {
  if (!enabled || !trace.getSpan(context.active())) return null;
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/**
 * Runs `work` in a span of its own trace, linked to the stored traceparent of
 * the request that wrote the work (a link, not a parent: the work runs later,
 * as the OpenTelemetry messaging conventions have it). Calls to neighbours
 * inside carry this span's traceparent. While tracing is off it runs `work` alone.
 */
export function withLinkedSpan<T>(
  name: string,
  traceParent: string | null,
  work: () => Promise<T>,
  options: { kind?: 'producer' | 'internal'; attributes?: Record<string, string | number> } = {},
): Promise<T> {
  if (!enabled) return work();
  const kind = options.kind === 'producer' ? SpanKind.PRODUCER : SpanKind.INTERNAL;
  const stored = traceParent
    ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: traceParent }))
    : undefined;
  const links: Link[] = stored ? [{ context: stored }] : [];
  const span = tracer.startSpan(name, { kind, attributes: options.attributes, links, root: true });
  return endWhenSettled(span, context.with(trace.setSpan(ROOT_CONTEXT, span), work));
}

type Query = (...args: unknown[]) => unknown;

/**
 * Wraps a pg connection's query so each statement sent inside a traced
 * request is a span. Statements outside one (background sweeps) are not
 * traced: they would each be a trace of their own.
 */
export function traceQueries(client: { query: Query }): void {
  if (!enabled) return;
  const query = client.query.bind(client) as Query;
  client.query = (...args: unknown[]) => {
    const active: Context = context.active();
    if (!trace.getSpan(active)) return query(...args);
    const first = args[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const span = tracer.startSpan(
      text.trimStart().split(/\s/, 1)[0]?.toUpperCase() || 'SQL',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } },
      active,
    );
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        endSpan(span, error ?? undefined);
        callback(error, result);
      };
      return query(...args);
    }
    return endWhenSettled(span, query(...args) as Promise<unknown>);
  };
}
