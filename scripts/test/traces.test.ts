// Traces as an operator sees them in a collector: the five processes started
// as `npm start` starts them, exporting to a real OTLP/HTTP receiver (the
// gateway and order-service in http/protobuf, the others in http/json). One
// dashboard query is one trace across the gateway and the four subgraphs; one
// order is one trace across crm-api, order-service, inventory and logistics,
// its compensation included; log lines carry the trace's ids. Work done
// later (a shipment report sent by the outbox, an order settled after its
// saga stopped) is a trace of its own, linked to the one that caused it.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seed, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { freePort, type HungServer, startHungServer, waitFor } from '@supply/test-support/network';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '@supply/test-support/otlp';
import { entryOf, SERVICES } from '../services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROTOBUF = new Set(['gateway', 'order-service']);
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const MOVE_TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';
const STALLED_TRACE = '6bf92f3577b34da6a3ce929d0e0e4738';
// A replica whose orders stall on an inventory that never answers; its lease
// on a key lasts ORDER_TIMEOUT_MS + 5 s. Its first order must still reach the
// reservation before its deadline (three quarters of it) on a loaded machine.
const STALLED_TIMEOUT_MS = 6_000;

let db: TestDatabase;
let receiver: OtlpReceiver;
let hung: HungServer;
let stalledUrl: string;
let stalled: ChildProcess;
const urls: Record<string, string> = {};
const logs: Record<string, Array<Record<string, unknown>>> = {};
const children: ChildProcess[] = [];

function start(name: string, entry: string, env: Record<string, string>): ChildProcess {
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
  return child;
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

/** The span named `name` that links to a span of `traceId`. */
function linkedTo(traceId: string, name: string): Promise<ReceivedSpan> {
  const find = async () =>
    receiver.spans.find((span) => span.name === name && span.links.some((link) => link.traceId === traceId));
  return waitFor(find, `a span ${name} linked to trace ${traceId}`, 20_000);
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
  hung = await startHungServer();
  const stalledPort = await freePort();
  stalledUrl = `http://127.0.0.1:${stalledPort}`;
  stalled = start('order-service-stalled', entryOf('order-service'), {
    ...neighbours,
    INVENTORY_SERVICE_URL: hung.url,
    ORDER_TIMEOUT_MS: String(STALLED_TIMEOUT_MS),
    PORT: String(stalledPort),
  });
  for (const url of [...Object.values(urls), stalledUrl]) {
    await waitFor(
      () =>
        httpClient(url)
          .get(url === stalledUrl ? '/healthz' : '/readyz', { timeout: 2_000 })
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
          if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  await receiver?.close();
  await hung?.close();
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

  it('sends a shipment report in a trace of its own, linked to the status move that wrote it', async () => {
    const placed = await httpClient(urls['crm-api']!).post('/orders', ORDER);
    expect(placed.status).toBe(201);
    const traceparent = `00-${MOVE_TRACE}-${CALLER_SPAN}-01`;
    const moved = await httpClient(urls['logistics-service']!, { traceparent }).patch(
      `/shipments/${placed.data.shipment.id}`,
      { status: 'in_transit' },
    );
    expect(moved.status).toBe(200);
    const move = (await traceOf(MOVE_TRACE, ['logistics-service'])).find(
      (span) => span.name === 'PATCH /shipments/:id',
    );
    const send = await linkedTo(MOVE_TRACE, 'send shipment_reports');
    expect(send).toMatchObject({ service: 'logistics-service', parentSpanId: '' });
    expect(send.links).toEqual([{ traceId: MOVE_TRACE, spanId: move?.spanId }]);
    const spans = await traceOf(send.traceId, ['logistics-service', 'order-service']);
    expectOneTree(spans);
    expect(spans.filter((s) => s.service === 'order-service').map((s) => s.name)).toContain(
      'POST /supply-orders/:id/shipment-events',
    );
  });

  it('settles an order a stalled replica left pending in a trace linked to the one that placed it', async () => {
    const key = { 'idempotency-key': 'trace-stalled-1' };
    const traceparent = `00-${STALLED_TRACE}-${CALLER_SPAN}-01`;
    // What the stalled replica answered, should it answer before it calls inventory (it must not).
    let answered: unknown;
    const placing = httpClient(stalledUrl, { ...key, traceparent })
      .post('/supply-orders', ORDER)
      .then(
        (res) => {
          answered = { status: res.status, body: res.data };
        },
        (error: unknown) => {
          answered = String(error);
        },
      );
    await waitFor(async () => {
      if (answered) throw new Error(`the stalled replica answered first: ${JSON.stringify(answered)}`);
      return hung.connections > 0;
    }, 'the reservation to hang');
    stalled.kill('SIGKILL');
    await placing.catch(() => {});
    // The retry on the other replica waits for the dead replica's lease to run out,
    // takes its key over and settles the order it left pending.
    const retry = await waitFor(
      async () => {
        const res = await httpClient(urls['order-service']!, key).post('/supply-orders', ORDER);
        return res.status !== 409 && res;
      },
      'the key to be taken over',
      STALLED_TIMEOUT_MS + 30_000,
    );
    expect(retry.status).toBe(201);
    const settle = await linkedTo(STALLED_TRACE, 'settle abandoned order');
    expect(settle).toMatchObject({ service: 'order-service', parentSpanId: '' });
    const spans = await traceOf(settle.traceId, ['order-service', 'inventory-service']);
    expectOneTree(spans);
    expect(spans.filter((s) => s.service === 'inventory-service').map((s) => s.name)).toContain(
      'DELETE /inventory/reservations/:orderId',
    );
  }, 60_000);

  it('exports in http/protobuf and http/json alike', () => {
    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/x-protobuf', 'application/json']));
  });
});
