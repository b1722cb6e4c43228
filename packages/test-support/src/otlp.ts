// A real OTLP/HTTP trace receiver for tests: POST /v1/traces in http/json or
// http/protobuf, every span kept with the service that sent it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
  /** The spans this one links to (not its parent). */
  links: Array<{ traceId: string; spanId: string }>;
}

export interface OtlpReceiver {
  endpoint: string;
  spans: ReceivedSpan[];
  /** Requests received, by content type. */
  contentTypes: string[];
  close(): Promise<void>;
}

// The fields of opentelemetry/proto/collector/trace/v1 that the tests read.
const PROTO = `
syntax = "proto3";
message AnyValue { oneof value { string stringValue = 1; bool boolValue = 2; int64 intValue = 3; double doubleValue = 4; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6; repeated KeyValue attributes = 9; repeated Link links = 13; }
message ScopeSpans { repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;
const Request = protobuf.parse(PROTO).root.lookupType('ExportTraceServiceRequest');

interface JsonKeyValue {
  key: string;
  value: Record<string, unknown>;
}
interface JsonLink {
  traceId: string;
  spanId: string;
}
interface JsonSpan extends JsonLink {
  parentSpanId?: string;
  name: string;
  attributes?: JsonKeyValue[];
  links?: JsonLink[];
}
interface JsonRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: Array<{ spans?: JsonSpan[] }>;
  }>;
}

const anyValue = (value: Record<string, unknown> = {}) => Object.values(value)[0];
const attributesOf = (list: JsonKeyValue[] = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, anyValue(value)]));

/** The protobuf body in the JSON encoding's shape: ids from bytes to hex. */
function decodeProtobuf(body: Buffer): JsonRequest {
  const request = Request.toObject(Request.decode(body), { bytes: String, longs: Number }) as JsonRequest;
  const hex = (base64 = '') => Buffer.from(base64, 'base64').toString('hex');
  for (const resource of request.resourceSpans ?? [])
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? []) {
        Object.assign(span, {
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          links: (span.links ?? []).map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId) })),
        });
      }
  return request;
}

function spansOf(request: JsonRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        service,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        attributes: attributesOf(span.attributes),
        links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
      })),
    );
  });
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const type = req.headers['content-type'] ?? '';
      contentTypes.push(type);
      const body = Buffer.concat(chunks);
      const request = type.includes('protobuf')
        ? decodeProtobuf(body)
        : (JSON.parse(body.toString('utf8')) as JsonRequest);
      if (req.url === '/v1/traces') spans.push(...spansOf(request));
      res
        .writeHead(200, { 'content-type': type || 'application/json' })
        .end(type.includes('protobuf') ? '' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
