// PATCH /shipments/:id: the status machine, its races, and who may move a shipment.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { freePort } from '@supply/test-support/network';
import type { StartedService } from '@supply/test-support/services';
import { booking, newOrder, seedCustomer, startLogistics } from './fixtures.ts';

let db: TestDatabase;
let logistics: StartedService;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCustomer(db);
  const orderServiceUrl = `http://127.0.0.1:${await freePort()}`;
  logistics = await startLogistics(db, {}, { ORDER_SERVICE_URL: orderServiceUrl });
  http = httpClient(logistics.url);
});

afterAll(async () => {
  await logistics?.close();
  await db?.drop();
});

const statuses = ['label_created', 'in_transit', 'delivered', 'exception', 'cancelled'] as const;
const allowed = new Set([
  'label_created>in_transit',
  'in_transit>delivered',
  'in_transit>exception',
  'exception>in_transit',
  'label_created>cancelled',
]);

/** A new shipment put straight into `status`. */
async function shipmentIn(status: string): Promise<number> {
  const res = await http.post('/shipments', booking(await newOrder(db)));
  await db.query('UPDATE shipments SET status = $1 WHERE id = $2', [status, res.data.id]);
  return res.data.id;
}

async function reportsOf(shipmentId: number): Promise<string[]> {
  const { rows } = await db.query<{ status: string }>(
    'SELECT status FROM shipment_reports WHERE shipment_id = $1 ORDER BY id',
    [shipmentId],
  );
  return rows.map((row) => row.status);
}

describe('PATCH /shipments/:id', () => {
  it('moves a shipment and answers it with its new status', async () => {
    const id = await shipmentIn('label_created');
    const res = await http.patch(`/shipments/${id}`, { status: 'in_transit' });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id, status: 'in_transit' });
    expect(new Date(res.data.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(res.data.createdAt).getTime(),
    );
    expect((await http.get(`/shipments/${id}`)).data.status).toBe('in_transit');
  });

  it('answers a 404 problem for a shipment that does not exist', async () => {
    const res = await http.patch('/shipments/999999', { status: 'in_transit' });
    expect(res.status).toBe(404);
    expect(res.data).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers 400 naming the field for a bad id, an unknown status or an extra field', async () => {
    const id = await shipmentIn('label_created');
    const badId = await http.patch('/shipments/abc', { status: 'in_transit' });
    expect(badId.status).toBe(400);
    expect(badId.data.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
    const badStatus = await http.patch(`/shipments/${id}`, { status: 'lost' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.data.errors).toEqual([{ field: 'status', message: expect.any(String) }]);
    const extra = await http.patch(`/shipments/${id}`, { status: 'in_transit', carrier: 'x' });
    expect(extra.status).toBe(400);
    expect((await http.get(`/shipments/${id}`)).data.status).toBe('label_created');
  });

  it('answers a 409 problem naming the current and the requested status', async () => {
    const id = await shipmentIn('delivered');
    const res = await http.patch(`/shipments/${id}`, { status: 'in_transit' });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.data).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      currentStatus: 'delivered',
      requestedStatus: 'in_transit',
    });
    expect(res.data.detail).toMatch(/delivered/);
    expect(res.data.detail).toMatch(/in_transit/);
  });
});

describe('the status machine', () => {
  const pairs = statuses.flatMap((from) => statuses.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s', async (from, to) => {
    const id = await shipmentIn(from);
    const res = await http.patch(`/shipments/${id}`, { status: to });
    const { rows } = await db.query<{ status: string }>('SELECT status FROM shipments WHERE id = $1', [id]);
    if (allowed.has(`${from}>${to}`)) {
      expect(res.status).toBe(200);
      expect(res.data.status).toBe(to);
      expect(rows[0]!.status).toBe(to);
    } else {
      expect(res.status).toBe(409);
      expect(res.data).toMatchObject({ currentStatus: from, requestedStatus: to });
      expect(rows[0]!.status).toBe(from);
    }
  });

  it('queues a report for in_transit, delivered and cancelled, once each, and none for other moves', async () => {
    const id = await shipmentIn('label_created');
    for (const status of ['in_transit', 'exception', 'in_transit', 'delivered']) {
      expect((await http.patch(`/shipments/${id}`, { status })).status).toBe(200);
    }
    expect(await reportsOf(id)).toEqual(['in_transit', 'delivered']);
    const cancelled = await shipmentIn('label_created');
    await http.patch(`/shipments/${cancelled}`, { status: 'cancelled' });
    expect(await reportsOf(cancelled)).toEqual(['cancelled']);
  });

  it('lets exactly one of 10 concurrent moves win', async () => {
    const id = await shipmentIn('label_created');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        http.patch(`/shipments/${id}`, { status: i % 2 === 0 ? 'in_transit' : 'cancelled' }),
      ),
    );
    const winners = answers.filter((res) => res.status === 200);
    expect(winners).toHaveLength(1);
    expect(answers.filter((res) => res.status === 409)).toHaveLength(9);
    const { rows } = await db.query<{ status: string }>('SELECT status FROM shipments WHERE id = $1', [id]);
    expect(rows[0]!.status).toBe(winners[0]!.data.status);
    expect(await reportsOf(id)).toEqual([winners[0]!.data.status]);
  });

  it('lets exactly one of 10 concurrent identical moves win', async () => {
    const id = await shipmentIn('in_transit');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => http.patch(`/shipments/${id}`, { status: 'delivered' })),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([
      200, 409, 409, 409, 409, 409, 409, 409, 409, 409,
    ]);
    expect(await reportsOf(id)).toEqual(['delivered']);
  });
});

describe('with API keys', () => {
  let secured: StartedService;
  const as = (key: string) => httpClient(secured.url, { authorization: `Bearer ${key}` });

  beforeAll(async () => {
    secured = await startLogistics(
      db,
      {},
      { API_KEYS: 'r-key:reader,w-key:writer,a-key:admin', SERVICE_API_KEY: 's-key' },
    );
  });

  afterAll(async () => {
    await secured?.close();
  });

  it('lets a reader read and refuses it writes (403); no key is 401', async () => {
    const id = await shipmentIn('label_created');
    expect((await as('r-key').get(`/shipments/${id}`)).status).toBe(200);
    expect((await as('r-key').get('/shipments')).status).toBe(200);
    expect((await as('r-key').patch(`/shipments/${id}`, { status: 'in_transit' })).status).toBe(403);
    expect((await as('r-key').post('/shipments', booking(await newOrder(db)))).status).toBe(403);
    expect((await httpClient(secured.url).get(`/shipments/${id}`)).status).toBe(401);
    expect((await as('w-key').patch(`/shipments/${id}`, { status: 'in_transit' })).status).toBe(200);
  });

  it("books a label for the service key (admin) only: a writer may not ship someone else's order", async () => {
    expect((await as('w-key').post('/shipments', booking(await newOrder(db)))).status).toBe(403);
    expect((await as('a-key').post('/shipments', booking(await newOrder(db)))).status).toBe(201);
    expect((await as('s-key').post('/shipments', booking(await newOrder(db)))).status).toBe(201);
  });

  it('lets a reader query the graph through the gateway but not change a shipment through it', async () => {
    const id = await shipmentIn('label_created');
    const via = (key: string) => ({
      authorization: 'Bearer s-key',
      'x-forwarded-authorization': `Bearer ${key}`,
    });
    const direct = await graphql(
      secured.url,
      `{ shipment(id: ${id}) { id } }`,
      {},
      { authorization: 'Bearer r-key' },
    );
    expect(direct.status).toBe(403);
    const read = await graphql(secured.url, `{ shipment(id: ${id}) { id } }`, {}, via('r-key'));
    expect(read.body).toEqual({ data: { shipment: { id: String(id) } } });
    const mutation = `mutation { updateShipmentStatus(id: ${id}, status: IN_TRANSIT) { status } }`;
    const refused = await graphql(secured.url, mutation, {}, via('r-key'));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const done = await graphql(secured.url, mutation, {}, via('w-key'));
    expect(done.body).toEqual({ data: { updateShipmentStatus: { status: 'IN_TRANSIT' } } });
  });
});
