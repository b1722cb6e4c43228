import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { freePort } from '@supply/test-support/network';
import type { StartedService } from '@supply/test-support/services';
import { expectSyncWithoutGaps } from '@supply/test-support/sync';
import { estimatedDeliveryDate } from '../src/shipping-rules.ts';
import { booking, newOrder, newOrders, seedCustomer, startLogistics } from './fixtures.ts';

let db: TestDatabase;
let logistics: StartedService;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCustomer(db);
  // Nothing listens there: reports queue up and are retried in the background.
  const orderServiceUrl = `http://127.0.0.1:${await freePort()}`;
  logistics = await startLogistics(db, {}, { ORDER_SERVICE_URL: orderServiceUrl });
  http = httpClient(logistics.url);
});

afterAll(async () => {
  await logistics?.close();
  await db?.drop();
});

async function liveCount(orderId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM shipments WHERE order_id = $1 AND status <> 'cancelled'`,
    [orderId],
  );
  return rows[0]!.n;
}

describe('POST /shipments', () => {
  it('answers 201 with the shipment its rules price, date and track', async () => {
    const orderId = await newOrder(db);
    const res = await http.post('/shipments', booking(orderId));
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/shipments/${res.data.id}`);
    expect(res.data).toEqual({
      id: expect.any(Number),
      orderId,
      originWarehouseId: 1,
      carrier: 'GlobePost',
      serviceLevel: 'standard',
      trackingNumber: expect.stringMatching(/^GLP[A-Z0-9]{12}$/),
      status: 'label_created',
      destination: { line1: 'Unter den Linden 77', city: 'Berlin', postalCode: '10117', country: 'DE' },
      weightGrams: 1_600,
      costCents: 1_899 + 2 * 399,
      currency: 'USD',
      estimatedDeliveryDate: estimatedDeliveryDate(new Date(res.data.createdAt), 'europe', 'standard'),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('books in two statements (the origin read, the insert) and answers, byte for byte, what reading the shipment back answers', async () => {
    const orderId = await newOrder(db);
    logistics.queries.reset();
    const res = await http.post<string>('/shipments', booking(orderId), { responseType: 'text' });
    // The report outbox polls shipment_reports in the background: not the booking's cost.
    const statements = logistics.queries.statements.filter((sql) => !/\bshipment_reports\b/.test(sql));
    expect(res.status).toBe(201);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/FROM warehouses/);
    expect(statements[1]).toMatch(/^\s*INSERT INTO shipments[\s\S]*RETURNING/);
    const { id } = JSON.parse(res.data);
    expect(res.data).toBe((await http.get<string>(`/shipments/${id}`, { responseType: 'text' })).data);
  });

  it('books a domestic express parcel with Parcelink Air', async () => {
    const orderId = await newOrder(db);
    const destination = { line1: '233 S Wacker Dr', city: 'Chicago', postalCode: '60606', country: 'US' };
    const res = await http.post('/shipments', booking(orderId, { destination, serviceLevel: 'express' }));
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({ carrier: 'Parcelink Air', costCents: 1_499 + 2 * 249 });
    expect(res.data.trackingNumber).toMatch(/^PLA[A-Z0-9]{12}$/);
  });

  it('answers a 404 problem for an order that does not exist', async () => {
    const res = await http.post('/shipments', booking(999_999));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.data).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it.each([
    ['orderId', { orderId: 'abc' }],
    ['weightGrams', { weightGrams: 0 }],
    ['weightGrams', { weightGrams: 12.5 }],
    ['serviceLevel', { serviceLevel: 'overnight' }],
    ['destination', { destination: undefined }],
    ['destination.country', { destination: { line1: 'x', city: 'y', postalCode: '1', country: 'XX' } }],
    ['destination.country', { destination: { line1: 'x', city: 'y', postalCode: '1', country: 'EU' } }],
    ['destination.city', { destination: { line1: 'x', city: '  ', postalCode: '1', country: 'DE' } }],
    ['giftWrap', { giftWrap: true }],
  ])('answers 400 naming %s', async (field, overrides) => {
    const orderId = await newOrder(db);
    const res = await http.post('/shipments', booking(orderId, overrides));
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    expect(await liveCount(orderId)).toBe(0);
  });

  it('takes a lower-case country code as every service does, and stores it in capitals', async () => {
    const orderId = await newOrder(db);
    const destination = { line1: 'x', city: 'y', postalCode: '1', country: 'de' };
    const res = await http.post('/shipments', booking(orderId, { destination }));
    expect(res.status).toBe(201);
    expect(res.data.destination.country).toBe('DE');
    const { rows } = await db.query('SELECT destination_country FROM shipments WHERE order_id = $1', [
      orderId,
    ]);
    expect(rows).toEqual([{ destination_country: 'DE' }]);
  });

  it('answers 422 for a parcel over 30 kg', async () => {
    const orderId = await newOrder(db);
    const res = await http.post('/shipments', booking(orderId, { weightGrams: 30_001 }));
    expect(res.status).toBe(422);
    expect(res.data.detail).toMatch(/too heavy for parcel shipping/);
    expect(await liveCount(orderId)).toBe(0);
  });

  it('answers a repeat with the existing live shipment (200), not a second one', async () => {
    const orderId = await newOrder(db);
    const first = await http.post('/shipments', booking(orderId));
    const again = await http.post('/shipments', booking(orderId, { serviceLevel: 'express' }));
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.data).toEqual(first.data);
    expect(await liveCount(orderId)).toBe(1);
  });

  it('books exactly one shipment for 10 concurrent requests', async () => {
    const orderId = await newOrder(db);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => http.post('/shipments', booking(orderId))),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(answers.map((res) => res.data.id)).size).toBe(1);
    const { rows } = await db.query('SELECT id FROM shipments WHERE order_id = $1', [orderId]);
    expect(rows).toHaveLength(1);
  });

  it('books a new shipment once the live one is cancelled', async () => {
    const orderId = await newOrder(db);
    const first = await http.post('/shipments', booking(orderId));
    expect((await http.patch(`/shipments/${first.data.id}`, { status: 'cancelled' })).status).toBe(200);
    const second = await http.post('/shipments', booking(orderId));
    expect(second.status).toBe(201);
    expect(second.data.id).not.toBe(first.data.id);
    expect((await http.get(`/shipments/${first.data.id}`)).data.status).toBe('cancelled');
    expect((await http.post('/shipments', booking(orderId))).data.id).toBe(second.data.id);
  });

  it('draws a new tracking number when one collides', async () => {
    const taken = (await http.post('/shipments', booking(await newOrder(db)))).data.trackingNumber;
    const numbers = [taken, taken, 'GLPUNIQUE0000001'];
    const other = await startLogistics(db, { newTrackingNumber: () => numbers.shift()! });
    try {
      const res = await httpClient(other.url).post('/shipments', booking(await newOrder(db)));
      expect(res.status).toBe(201);
      expect(res.data.trackingNumber).toBe('GLPUNIQUE0000001');
    } finally {
      await other.close();
    }
  });
});

describe('GET /shipments/:id', () => {
  it('answers the shipment', async () => {
    const created = await http.post('/shipments', booking(await newOrder(db)));
    const res = await http.get(`/shipments/${created.data.id}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual(created.data);
  });

  it('answers a 404 problem for a shipment that does not exist', async () => {
    const res = await http.get('/shipments/999999');
    expect(res.status).toBe(404);
    expect(res.data).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999'])('answers 400 naming the field for id %p', async (id) => {
    const res = await http.get(`/shipments/${id}`);
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
  });
});

describe('GET /shipments', () => {
  let orderIds: number[];
  let ids: number[];

  beforeAll(async () => {
    orderIds = await newOrders(db, 5);
    ids = [];
    for (const orderId of orderIds) ids.push((await http.post('/shipments', booking(orderId))).data.id);
    await http.patch(`/shipments/${ids[1]}`, { status: 'cancelled' });
    await http.patch(`/shipments/${ids[3]}`, { status: 'cancelled' });
  });

  it('pages through shipments in id order with limit and cursor', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { data: { items: Array<{ id: number }>; nextCursor: string | null } } = await http.get(
        '/shipments',
        { params: { limit: 2, ...(cursor && { cursor }) } },
      );
      expect(res.data.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.data.items.map((item) => item.id));
      cursor = res.data.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen).toEqual(expect.arrayContaining(ids));
  });

  it('filters by order and by status', async () => {
    const byOrder = await http.get('/shipments', { params: { orderId: orderIds[2] } });
    expect(byOrder.status).toBe(200);
    expect(byOrder.data).toEqual({ items: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
    const cancelled = await http.get('/shipments', { params: { status: 'cancelled', limit: 100 } });
    const cancelledIds = cancelled.data.items.map((item: { id: number }) => item.id);
    expect(cancelledIds).toEqual(expect.arrayContaining([ids[1], ids[3]]));
    expect(cancelled.data.items.every((item: { status: string }) => item.status === 'cancelled')).toBe(true);
  });

  it.each([
    ['status', { status: 'bogus' }],
    ['orderId', { orderId: 'x' }],
    ['limit', { limit: 0 }],
    ['limit', { limit: 101 }],
    ['cursor', { cursor: 'not-ours' }],
  ])('answers 400 naming %s for a bad value', async (field, params) => {
    const res = await http.get('/shipments', { params });
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field, message: expect.any(String) }]);
  });

  it('answers 400 naming an unknown parameter', async () => {
    const res = await http.get('/shipments', { params: { carrier: 'GlobePost' } });
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'carrier', message: expect.any(String) }]);
  });
});

describe('GET /shipments?sort=updatedAt', () => {
  it('reads every shipment once while shipments change between pages, and the changed ones in the next sync', async () => {
    for (const orderId of await newOrders(db, 6)) {
      expect((await http.post('/shipments', booking(orderId))).status).toBe(201);
    }
    const { rows } = await db.query<{ id: number }>('SELECT id FROM shipments');
    await expectSyncWithoutGaps(
      http,
      '/shipments',
      rows.map((row) => row.id),
      async (id) => {
        await db.query('UPDATE shipments SET weight_grams = weight_grams + 1 WHERE id = $1', [id]);
      },
    );
  });
});
