// Traces as an operator sees them in a collector: the five processes started
// as `npm start` starts them, exporting to a real OTLP/HTTP receiver (the
// gateway and order-service in http/protobuf, the others in http/json). One
// dashboard query is one trace across the gateway and the four subgraphs; one
// order is one trace across crm-api, order-service, inventory and logistics,
// its compensation included; log lines carry the trace's ids.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seed, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { freePort, waitFor } from '@supply/test-support/network';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '@supply/test-support/otlp';
import { entryOf, SERVICES } from '../services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROTOBUF = new Set(['gateway', 'order-service']);
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

let db: TestDatabase;
let receiver: OtlpReceiver;
const urls: Record<string, string> = {};
const logs: Record<string, Array<Record<string, unknown>>> = {};
const children: ChildProcess[] = [];

function start(name: string, entry: string, env: Record<string, string>): void {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: PROTOBUF.has(name) ? 'http/protobuf' : 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  logs[name] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logs[name]?.push(JSON.parse(line));
  });
  children.push(child);
}

/** The spans of one trace, once `services` have all sent theirs and no more arrive. */
async function traceOf(traceId: string, services: string[]): Promise<ReceivedSpan[]> {
  let seen = -1;
  const spansOf = () => receiver.spans.filter((span) => span.traceId === traceId);
  return waitFor(
    async () => {
      const spans = spansOf();
      const complete = services.every((service) => spans.some((span) => span.service === service));
      const settled = complete && spans.length === seen;
      seen = spans.length;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 300));
      return settled && spans;
    },
    `the spans of trace ${traceId}`,
    20_000,
  ).catch((error: Error) => {
    const got = spansOf().map((span) => `${span.service}: ${span.name}`);
    throw new Error(
      `${error.message}; received ${receiver.spans.length} spans, of this trace:\n${got.join('\n')}`,
    );
  });
}

/** The trace id the access log line of `requestId` carries, in `process`'s log. */
async function traceIdOf(process: string, requestId: string): Promise<string> {
  const line = await waitFor(
    async () =>
      logs[process]?.find((entry) => entry.requestId === requestId && entry.msg === 'request completed'),
    `the access log line of ${requestId}`,
  );
  expect(line).toMatchObject({
    trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    span_id: expect.any(String),
  });
  return String(line.trace_id);
}

/** Every span's parent is in the trace (or is the caller's), so the trace is one tree. */
function expectOneTree(spans: ReceivedSpan[], callerSpan = ''): void {
  const ids = new Set(spans.map((span) => span.spanId));
  const orphans = spans.filter((span) => span.parentSpanId !== callerSpan && !ids.has(span.parentSpanId));
  expect(orphans).toEqual([]);
}

const parentOf = (spans: ReceivedSpan[], span: ReceivedSpan) =>
  spans.find((s) => s.spanId === span.parentSpanId);

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(db);
  receiver = await startOtlpReceiver();
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s.name, await freePort()])));
  const neighbours = Object.fromEntries(
    SERVICES.map((service) => [service.variable, `http://127.0.0.1:${ports[service.name]}`]),
  );
  for (const service of SERVICES) {
    urls[service.name] = `http://127.0.0.1:${ports[service.name]}`;
    start(service.name, entryOf(service.name), { ...neighbours, PORT: String(ports[service.name]) });
  }
  const gatewayPort = await freePort();
  urls.gateway = `http://127.0.0.1:${gatewayPort}`;
  start('gateway', 'gateway/src/main.ts', { ...neighbours, PORT: String(gatewayPort) });
  for (const url of Object.values(urls)) {
    await waitFor(
      () =>
        httpClient(url)
          .get('/readyz', { timeout: 2_000 })
          .then(
            (res) => res.status === 200,
            () => false,
          ),
      `${url}/readyz`,
      90_000,
    );
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve(undefined);
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  await receiver?.close();
  await db?.drop();
});

const DASHBOARD = `query Dashboard { orders(first: 5) { edges { node { id
  customer { name } items { product { sku inventory { quantityAvailable } } } shipment { carrier } } } } }`;
const ORDER = { customerId: WITH_ADDRESS, items: [{ productId: WIDGET, quantity: 1 }] };
const FIVE = ['gateway', 'crm-api', 'inventory-service', 'logistics-service', 'order-service'];

describe('traces', () => {
  it('makes one order one trace across crm-api, order-service, inventory and logistics', async () => {
    const res = await httpClient(urls['crm-api']!, { 'x-request-id': 'trace-order-1' }).post(
      '/orders',
      ORDER,
    );
    expect(res.status).toBe(201);
    const spans = await traceOf(await traceIdOf('crm-api', 'trace-order-1'), FIVE.slice(1));
    expectOneTree(spans);
    const names = (service: string) => spans.filter((s) => s.service === service).map((s) => s.name);
    expect(names('crm-api')).toEqual(expect.arrayContaining(['POST /orders', 'POST order-service']));
    expect(names('order-service')).toEqual(
      expect.arrayContaining([
        'POST /supply-orders',
        'POST inventory-service',
        'POST logistics-service',
        'INSERT',
      ]),
    );
    expect(names('inventory-service')).toContain('POST /inventory/reservations');
    expect(names('logistics-service')).toContain('POST /shipments');
    const root = spans.filter((span) => span.parentSpanId === '');
    expect(root).toMatchObject([{ service: 'crm-api', name: 'POST /orders' }]);
  });

  it('keeps a failed order in one trace with its compensation', async () => {
    const tooMany = { ...ORDER, items: [{ productId: WIDGET, quantity: 1_000 }] };
    const crm = httpClient(urls['crm-api']!, { 'x-request-id': 'trace-order-2' });
    expect((await crm.post('/orders', tooMany)).status).toBe(409);
    const spans = await traceOf(
      await traceIdOf('crm-api', 'trace-order-2'),
      FIVE.slice(1, 3).concat('order-service'),
    );
    expectOneTree(spans);
    const inventory = spans.filter((s) => s.service === 'inventory-service').map((s) => s.name);
    expect(inventory).toEqual(
      expect.arrayContaining(['POST /inventory/reservations', 'DELETE /inventory/reservations/:orderId']),
    );
  });

  it("makes one dashboard query one trace across the gateway and every subgraph, under the caller's", async () => {
    const { body } = await graphql(
      urls.gateway!,
      DASHBOARD,
      {},
      {
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
        'x-request-id': 'trace-dashboard-1',
      },
    );
    expect(body.errors).toBeUndefined();
    expect(await traceIdOf('gateway', 'trace-dashboard-1')).toBe(CALLER_TRACE);
    const spans = await traceOf(CALLER_TRACE, FIVE);
    expectOneTree(spans, CALLER_SPAN);
    const gateway = spans.filter((s) => s.service === 'gateway');
    expect(gateway.map((s) => s.name)).toEqual(
      expect.arrayContaining(['POST /graphql', 'gateway.request', 'gateway.plan', 'gateway.fetch']),
    );
    for (const service of FIVE.slice(1)) {
      const own = spans.filter((s) => s.service === service);
      const server = own.find((s) => s.name === 'POST /graphql');
      expect({ service, fetch: parentOf(spans, server!)?.name }).toEqual({ service, fetch: 'gateway.fetch' });
      const operation = own.find((s) => s.parentSpanId === server?.spanId && /^query /.test(s.name));
      expect({ service, operation: Boolean(operation) }).toEqual({ service, operation: true });
      const sql = own.filter((s) => s.attributes['db.system.name'] === 'postgresql');
      expect({ service, sql: sql.length > 0 }).toEqual({ service, sql: true });
    }
  });

  it('exports in http/protobuf and http/json alike', () => {
    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/x-protobuf', 'application/json']));
  });
});
