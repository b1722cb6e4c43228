// Shipment reports reach order-service at least once, in order per shipment,
// whatever state order-service is in. order-service does not exist yet: a
// small node:http receiver on a fixed port plays its part here.
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { freePort, waitFor } from '@supply/test-support/network';
import type { StartedService } from '@supply/test-support/services';
import { booking, newOrder, seedCustomer, startLogistics } from './fixtures.ts';

interface Received {
  path: string | undefined;
  body: { shipmentId: number; status: string; occurredAt: string };
  authorization: string | undefined;
}

interface ReportRow {
  id: number;
  status: string;
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
  rejected_at: Date | null;
  created_at: Date;
}

const received: Received[] = [];
/** Status codes the receiver answers, per shipment, before it goes back to 204. */
const scripted = new Map<number, number[]>();
let answerDelayMs = 0;

function startReceiver(port: number): Promise<{ close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', async () => {
      const body = JSON.parse(raw);
      received.push({ path: req.url, body, authorization: req.headers.authorization });
      const status = scripted.get(body.shipmentId)?.shift() ?? 204;
      await sleep(answerDelayMs);
      if (status === 204) return void res.writeHead(204).end();
      res.writeHead(status, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ status, detail: `stand-in answered ${status}` }));
    });
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

let db: TestDatabase;
let logistics: StartedService;
let http: ReturnType<typeof httpClient>;
let port: number;
let receiver: { close(): Promise<void> } | undefined;
const env = () => ({ ORDER_SERVICE_URL: `http://127.0.0.1:${port}`, SERVICE_API_KEY: 'logistics-secret' });
const fast = { reportIntervalMs: 50, reportRetryBaseMs: 100 };

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCustomer(db);
  port = await freePort();
  logistics = await startLogistics(db, fast, env());
  http = httpClient(logistics.url);
});

afterAll(async () => {
  await logistics?.close();
  await receiver?.close();
  await db?.drop();
});

async function ensureReceiver(): Promise<void> {
  receiver ??= await startReceiver(port);
}

async function shipped(): Promise<{ id: number; orderId: number }> {
  const orderId = await newOrder(db);
  const res = await http.post('/shipments', booking(orderId));
  return { id: res.data.id, orderId };
}

async function reportsOf(shipmentId: number): Promise<ReportRow[]> {
  const { rows } = await db.query<ReportRow>(
    'SELECT * FROM shipment_reports WHERE shipment_id = $1 ORDER BY id',
    [shipmentId],
  );
  return rows;
}

const receivedFor = (shipmentId: number) => received.filter((r) => r.body.shipmentId === shipmentId);

async function landed(shipmentId: number, count = 1): Promise<ReportRow[]> {
  return waitFor(async () => {
    const rows = await reportsOf(shipmentId);
    return rows.length === count && rows.every((row) => row.delivered_at) ? rows : undefined;
  }, `reports of shipment ${shipmentId} to land`);
}

describe('reports to order-service', () => {
  it('survive order-service being down, and land once it is back', async () => {
    const { id, orderId } = await shipped();
    const res = await http.patch(`/shipments/${id}`, { status: 'in_transit' });
    expect(res.status).toBe(200);
    expect(res.data.status).toBe('in_transit');

    const [failing] = await waitFor(async () => {
      const rows = await reportsOf(id);
      return rows[0] && rows[0].attempts >= 1 && rows[0].last_error ? rows : undefined;
    }, 'a failed attempt');
    expect(failing).toMatchObject({ status: 'in_transit', delivered_at: null, rejected_at: null });
    expect(failing!.last_error).toMatch(/order-service/);

    await ensureReceiver();
    const [report] = await landed(id);
    expect(receivedFor(id)).toEqual([
      {
        path: `/supply-orders/${orderId}/shipment-events`,
        body: { shipmentId: id, status: 'in_transit', occurredAt: report!.created_at.toISOString() },
        authorization: 'Bearer logistics-secret',
      },
    ]);
    await sleep(300); // a few sweeps later, still exactly once
    expect(receivedFor(id)).toHaveLength(1);
  });

  it('land after a 500 answer on a later attempt', async () => {
    await ensureReceiver();
    const { id } = await shipped();
    scripted.set(id, [500]);
    await http.patch(`/shipments/${id}`, { status: 'in_transit' });
    const [report] = await landed(id);
    expect(report).toMatchObject({ attempts: 2, rejected_at: null });
    expect(report!.last_error).toMatch(/500/);
    expect(receivedFor(id).map((r) => r.body.status)).toEqual(['in_transit', 'in_transit']);
  });

  it('stop after a 409 answer: kept as rejected with its error, never sent again', async () => {
    await ensureReceiver();
    const { id } = await shipped();
    scripted.set(id, [409]);
    await http.patch(`/shipments/${id}`, { status: 'in_transit' });
    const [report] = await waitFor(async () => {
      const rows = await reportsOf(id);
      return rows[0]?.rejected_at ? rows : undefined;
    }, 'the report to be rejected');
    expect(report).toMatchObject({ attempts: 1, delivered_at: null });
    expect(report!.last_error).toBe('order-service answered 409: stand-in answered 409');
    await sleep(500); // ten sweeps later
    expect(receivedFor(id)).toHaveLength(1);
  });

  it('arrive in order per shipment: in_transit before delivered', async () => {
    await ensureReceiver();
    const { id } = await shipped();
    scripted.set(id, [503]);
    await http.patch(`/shipments/${id}`, { status: 'in_transit' });
    await http.patch(`/shipments/${id}`, { status: 'delivered' });
    await landed(id, 2);
    expect(receivedFor(id).map((r) => r.body.status)).toEqual(['in_transit', 'in_transit', 'delivered']);
  });

  it('are sent once each, in order, when several replicas sweep the same backlog', async () => {
    await ensureReceiver();
    const replica = await startLogistics(db, fast, env());
    answerDelayMs = 20;
    try {
      const ids: number[] = [];
      for (let i = 0; i < 15; i++) ids.push((await shipped()).id);
      await db.query(`UPDATE shipments SET status = 'delivered' WHERE id = ANY($1)`, [ids]);
      for (const status of ['in_transit', 'delivered']) {
        await db.query(
          `INSERT INTO shipment_reports (shipment_id, order_id, status)
           SELECT id, order_id, $2 FROM shipments WHERE id = ANY($1)`,
          [ids, status],
        );
      }
      for (const id of ids) await landed(id, 2);
      for (const id of ids) {
        expect(receivedFor(id).map((r) => r.body.status)).toEqual(['in_transit', 'delivered']);
      }
    } finally {
      answerDelayMs = 0;
      await replica.close();
    }
  });

  it('in flight when the service closes are finished before close() resolves', async () => {
    // A database of its own: no other sweeper may pick the report up.
    const own = await createTestDatabase();
    await seedCustomer(own);
    const replica = await startLogistics(own, { reportIntervalMs: 60_000 }, env());
    await ensureReceiver();
    answerDelayMs = 300;
    const before = received.length;
    let closed = false;
    try {
      const { data } = await httpClient(replica.url).post('/shipments', booking(await newOrder(own)));
      await httpClient(replica.url).patch(`/shipments/${data.id}`, { status: 'in_transit' });
      // Shipment ids restart in this database: look only at what arrived since.
      const sent = async () => received.slice(before).some((r) => r.body.shipmentId === data.id);
      await waitFor(sent, 'the report to be on its way');
      await replica.close();
      closed = true;
      const { rows } = await own.query('SELECT delivered_at FROM shipment_reports WHERE shipment_id = $1', [
        data.id,
      ]);
      expect(rows[0]?.delivered_at).toEqual(expect.any(Date));
    } finally {
      answerDelayMs = 0;
      if (!closed) await replica.close();
      await own.drop();
    }
  });
});
