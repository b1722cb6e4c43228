import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type StartedService, startService } from '@supply/test-support/services';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { createOrder, createOrders, createProduct, fieldsOf, stockRow } from './fixtures.ts';

let db: TestDatabase;
let service: StartedService;

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startService({ name: 'inventory-service', databaseUrl: db.url, build: buildApp });
});

afterAll(async () => {
  await service?.close();
  await db?.drop();
});

const reserve = (body: unknown) => httpClient(service.url).post('/inventory/reservations', body);

async function reservationRows(orderId: number) {
  const { rows } = await db.query('SELECT status FROM reservations WHERE order_id = $1', [orderId]);
  return rows;
}

describe('POST /inventory/reservations', () => {
  it('answers 201 with the reservation and holds the stock', async () => {
    const a = await createProduct(service.url, { quantityOnHand: 10 });
    const b = await createProduct(service.url, { quantityOnHand: 5 });
    const orderId = await createOrder(db);
    const res = await reserve({
      orderId,
      items: [
        { productId: b.id, quantity: 2 },
        { productId: a.id, quantity: 3 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/inventory/reservations/${orderId}`);
    expect(res.data).toEqual({
      orderId,
      status: 'reserved',
      items: [
        { productId: a.id, quantity: 3, allocations: [{ warehouseId: 1, quantity: 3 }] },
        { productId: b.id, quantity: 2, allocations: [{ warehouseId: 1, quantity: 2 }] },
      ],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await stockRow(db, a.id)).toEqual({ onHand: 10, reserved: 3, version: 2 });
    expect(await stockRow(db, b.id)).toEqual({ onHand: 5, reserved: 2, version: 2 });
    const level = await httpClient(service.url).get(`/inventory/${a.id}`);
    expect(level.data).toMatchObject({ quantityReserved: 3, quantityAvailable: 7 });
  });

  it('merges lines for the same product by summing them', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const orderId = await createOrder(db);
    const res = await reserve({
      orderId,
      items: [
        { productId: product.id, quantity: 2 },
        { productId: product.id, quantity: 3 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.data.items).toEqual([
      { productId: product.id, quantity: 5, allocations: [{ warehouseId: 1, quantity: 5 }] },
    ]);
    expect(await stockRow(db, product.id)).toMatchObject({ reserved: 5 });
  });

  it('answers 409 and reserves nothing when one item is short', async () => {
    const plenty = await createProduct(service.url, { quantityOnHand: 10 });
    const short = await createProduct(service.url, { quantityOnHand: 2 });
    const orderId = await createOrder(db);
    const res = await reserve({
      orderId,
      items: [
        { productId: plenty.id, quantity: 4 },
        { productId: short.id, quantity: 3 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.data).toMatchObject({
      status: 409,
      code: 'INSUFFICIENT_STOCK',
      items: [{ productId: short.id, requested: 3, available: 2 }],
    });
    expect(await stockRow(db, plenty.id)).toEqual({ onHand: 10, reserved: 0, version: 1 });
    expect(await stockRow(db, short.id)).toEqual({ onHand: 2, reserved: 0, version: 1 });
    expect(await reservationRows(orderId)).toEqual([]);
  });

  it('names each short item', async () => {
    const a = await createProduct(service.url, { quantityOnHand: 1 });
    const b = await createProduct(service.url, { quantityOnHand: 0 });
    const res = await reserve({
      orderId: await createOrder(db),
      items: [
        { productId: a.id, quantity: 2 },
        { productId: b.id, quantity: 1 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.data.items).toEqual([
      { productId: a.id, requested: 2, available: 1 },
      { productId: b.id, requested: 1, available: 0 },
    ]);
  });

  it('answers 404 naming a product that does not exist, and reserves nothing', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 5 });
    const orderId = await createOrder(db);
    const res = await reserve({
      orderId,
      items: [
        { productId: product.id, quantity: 1 },
        { productId: 999999, quantity: 1 },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.data).toMatchObject({ code: 'NOT_FOUND', productIds: [999999] });
    expect(res.data.detail).toMatch(/999999/);
    expect(await stockRow(db, product.id)).toMatchObject({ reserved: 0 });
    expect(await reservationRows(orderId)).toEqual([]);
  });

  it('answers 404 for an order that does not exist', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 5 });
    const res = await reserve({ orderId: 999999, items: [{ productId: product.id, quantity: 1 }] });
    expect(res.status).toBe(404);
    expect(res.data.detail).toBe('Order 999999 does not exist');
    expect(await stockRow(db, product.id)).toMatchObject({ reserved: 0 });
  });

  it.each([
    ['no body fields', {}, ['items', 'orderId']],
    ['an empty item list', { orderId: 1, items: [] }, ['items']],
    [
      'a zero and a negative quantity',
      {
        orderId: 1,
        items: [
          { productId: 1, quantity: 0 },
          { productId: 2, quantity: -1 },
        ],
      },
      ['items.0.quantity', 'items.1.quantity'],
    ],
    [
      'ids that are not ids',
      { orderId: 'x', items: [{ productId: 0, quantity: 1 }] },
      ['items.0.productId', 'orderId'],
    ],
    ['a fractional quantity', { orderId: 1, items: [{ productId: 1, quantity: 1.5 }] }, ['items.0.quantity']],
    ['items that is not a list', { orderId: 1, items: { productId: 1, quantity: 1 } }, ['items']],
  ])('answers 400 naming each bad field for %s', async (_, body, fields) => {
    const res = await reserve(body);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual(fields);
  });
});

describe('repeating a reservation', () => {
  it('answers the same and reserves nothing more when repeated', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const body = { orderId: await createOrder(db), items: [{ productId: product.id, quantity: 4 }] };
    const first = await reserve(body);
    const second = await reserve(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.data).toEqual(first.data);
    expect(await stockRow(db, product.id)).toEqual({ onHand: 10, reserved: 4, version: 2 });
  });

  it('answers the same and reserves once when 10 repeats arrive at the same time', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const body = { orderId: await createOrder(db), items: [{ productId: product.id, quantity: 3 }] };
    const results = await Promise.all(Array.from({ length: 10 }, () => reserve(body)));
    expect(results.map((res) => res.status)).toEqual(Array(10).fill(201));
    for (const res of results) expect(res.data).toEqual(results[0]!.data);
    expect(await stockRow(db, product.id)).toEqual({ onHand: 10, reserved: 3, version: 2 });
  });

  it('answers 409 when the same order asks for other items', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const orderId = await createOrder(db);
    await reserve({ orderId, items: [{ productId: product.id, quantity: 1 }] });
    const res = await reserve({ orderId, items: [{ productId: product.id, quantity: 2 }] });
    expect(res.status).toBe(409);
    expect(res.data.code).toBe('CONFLICT');
    expect(await stockRow(db, product.id)).toMatchObject({ reserved: 1 });
  });

  it('answers the reservation as it stands once released, holding nothing again', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const body = { orderId: await createOrder(db), items: [{ productId: product.id, quantity: 2 }] };
    await reserve(body);
    await httpClient(service.url).delete(`/inventory/reservations/${body.orderId}`);
    const res = await reserve(body);
    expect(res.status).toBe(201);
    expect(res.data.status).toBe('released');
    expect(await stockRow(db, product.id)).toMatchObject({ reserved: 0 });
  });
});

describe('reservations that race for the last units', () => {
  /** Fires the requests together while checking the stock row's invariants until they all answer. */
  async function race(productId: number, quantities: number[]) {
    const orderIds = await createOrders(db, quantities.length);
    let done = false;
    const samples: Array<{ onHand: number; reserved: number }> = [];
    const watcher = (async () => {
      while (!done) samples.push(await stockRow(db, productId));
    })();
    const results = await Promise.all(
      orderIds.map((orderId, i) => reserve({ orderId, items: [{ productId, quantity: quantities[i] }] })),
    );
    done = true;
    await watcher;
    for (const sample of samples) {
      expect(sample.reserved).toBeGreaterThanOrEqual(0);
      expect(sample.reserved).toBeLessThanOrEqual(sample.onHand);
    }
    return results.map((res, i) => ({ res, quantity: quantities[i]! }));
  }

  it('lets exactly 10 of 50 one-unit reservations through when 10 are available', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const results = await race(product.id, Array(50).fill(1));
    const won = results.filter(({ res }) => res.status === 201);
    const lost = results.filter(({ res }) => res.status === 409);
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(40);
    for (const { res } of lost) {
      expect(res.data).toMatchObject({
        code: 'INSUFFICIENT_STOCK',
        items: [{ productId: product.id, requested: 1, available: 0 }],
      });
    }
    expect(await stockRow(db, product.id)).toEqual({ onHand: 10, reserved: 10, version: 11 });
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM reservation_items WHERE product_id = $1',
      [product.id],
    );
    expect(rows[0]!.n).toBe(10);
  });

  it('lets exactly 5 of 50 two-unit reservations through when 11 are available', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 11 });
    const results = await race(product.id, Array(50).fill(2));
    expect(results.filter(({ res }) => res.status === 201)).toHaveLength(5);
    expect(results.filter(({ res }) => res.data.code === 'INSUFFICIENT_STOCK')).toHaveLength(45);
    expect(await stockRow(db, product.id)).toMatchObject({ onHand: 11, reserved: 10 });
  });

  it('locks its products in ascending id, whatever order the lines name them in', async () => {
    const [low, high] = [
      await createProduct(service.url, { quantityOnHand: 5 }),
      await createProduct(service.url, { quantityOnHand: 5 }),
    ];
    const [orderId] = await createOrders(db, 1);
    // Another change to stock holds the lower product's lock: the reservation waits for it
    // before taking the higher one, so the two can never deadlock on the pair.
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM inventory WHERE product_id = $1 FOR UPDATE', [low.id]);
    const answer = reserve({
      orderId,
      items: [
        { productId: high.id, quantity: 1 },
        { productId: low.id, quantity: 1 },
      ],
    });
    await waitFor(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`,
      );
      return rows[0]!.n === 1;
    }, 'the reservation waiting for the lower product');
    const free = await db.query('SELECT 1 FROM inventory WHERE product_id = $1 FOR UPDATE NOWAIT', [high.id]);
    expect(free.rowCount).toBe(1);
    await other.query('COMMIT');
    await other.end();
    expect((await answer).status).toBe(201);
  });

  it('never holds more than is available when 50 reservations of mixed sizes race', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const quantities = Array.from({ length: 50 }, (_, i) => (i % 3) + 1);
    const results = await race(product.id, quantities);
    const won = results.filter(({ res }) => res.status === 201);
    const lost = results.filter(({ res }) => res.status !== 201);
    const held = won.reduce((sum, { quantity }) => sum + quantity, 0);
    const stock = await stockRow(db, product.id);
    expect(stock.reserved).toBe(held);
    expect(held).toBeLessThanOrEqual(10);
    for (const { res, quantity } of lost) {
      expect(res.status).toBe(409);
      expect(res.data.code).toBe('INSUFFICIENT_STOCK');
      // Stock only shrank during the race, so what was refused still does not fit.
      expect(quantity).toBeGreaterThan(10 - held);
    }
  });
});

describe('DELETE /inventory/reservations/:orderId (release)', () => {
  it('gives the stock back and marks the reservation released, answering 204 each time', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const orderId = await createOrder(db);
    await reserve({ orderId, items: [{ productId: product.id, quantity: 4 }] });
    const http = httpClient(service.url);
    const first = await http.delete(`/inventory/reservations/${orderId}`);
    expect(first.status).toBe(204);
    expect(await stockRow(db, product.id)).toEqual({ onHand: 10, reserved: 0, version: 3 });
    expect((await http.get(`/inventory/reservations/${orderId}`)).data.status).toBe('released');
    const again = await http.delete(`/inventory/reservations/${orderId}`);
    expect(again.status).toBe(204);
    expect(await stockRow(db, product.id)).toEqual({ onHand: 10, reserved: 0, version: 3 });
  });

  it('answers 204 when the order has no reservation', async () => {
    const res = await httpClient(service.url).delete('/inventory/reservations/999999');
    expect(res.status).toBe(204);
  });

  it('answers 409 once the reservation is committed', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const orderId = await createOrder(db);
    await reserve({ orderId, items: [{ productId: product.id, quantity: 4 }] });
    const http = httpClient(service.url);
    await http.post(`/inventory/reservations/${orderId}/commit`);
    const res = await http.delete(`/inventory/reservations/${orderId}`);
    expect(res.status).toBe(409);
    expect(await stockRow(db, product.id)).toMatchObject({ onHand: 6, reserved: 0 });
  });

  it('answers 400 for an order id that is not one', async () => {
    const res = await httpClient(service.url).delete('/inventory/reservations/abc');
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual(['orderId']);
  });
});

describe('POST /inventory/reservations/:orderId/commit', () => {
  it('takes the goods off on hand and reserved, answering 200 with the reservation each time', async () => {
    const a = await createProduct(service.url, { quantityOnHand: 10 });
    const b = await createProduct(service.url, { quantityOnHand: 3 });
    const orderId = await createOrder(db);
    await reserve({
      orderId,
      items: [
        { productId: a.id, quantity: 4 },
        { productId: b.id, quantity: 3 },
      ],
    });
    const http = httpClient(service.url);
    const first = await http.post(`/inventory/reservations/${orderId}/commit`);
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({ orderId, status: 'committed' });
    expect(await stockRow(db, a.id)).toEqual({ onHand: 6, reserved: 0, version: 3 });
    expect(await stockRow(db, b.id)).toEqual({ onHand: 0, reserved: 0, version: 3 });
    const again = await http.post(`/inventory/reservations/${orderId}/commit`);
    expect(again.status).toBe(200);
    expect(again.data).toEqual(first.data);
    expect(await stockRow(db, a.id)).toEqual({ onHand: 6, reserved: 0, version: 3 });
  });

  it('answers 404 for an order without a reservation', async () => {
    const res = await httpClient(service.url).post('/inventory/reservations/999999/commit');
    expect(res.status).toBe(404);
  });

  it('answers 409 once the reservation is released', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const orderId = await createOrder(db);
    await reserve({ orderId, items: [{ productId: product.id, quantity: 4 }] });
    const http = httpClient(service.url);
    await http.delete(`/inventory/reservations/${orderId}`);
    const res = await http.post(`/inventory/reservations/${orderId}/commit`);
    expect(res.status).toBe(409);
    expect(await stockRow(db, product.id)).toMatchObject({ onHand: 10, reserved: 0 });
  });

  it('lets only one of a racing release and commit happen', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const orderId = await createOrder(db);
    await reserve({ orderId, items: [{ productId: product.id, quantity: 4 }] });
    const http = httpClient(service.url);
    const [released, committed] = await Promise.all([
      http.delete(`/inventory/reservations/${orderId}`),
      http.post(`/inventory/reservations/${orderId}/commit`),
    ]);
    const stock = await stockRow(db, product.id);
    if (released.status === 204) {
      expect(committed.status).toBe(409);
      expect(stock).toMatchObject({ onHand: 10, reserved: 0 });
    } else {
      expect(released.status).toBe(409);
      expect(committed.status).toBe(200);
      expect(stock).toMatchObject({ onHand: 6, reserved: 0 });
    }
  });
});

describe('GET /inventory/reservations/:orderId', () => {
  it('answers the reservation, or 404 when the order has none', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const orderId = await createOrder(db);
    const created = await reserve({ orderId, items: [{ productId: product.id, quantity: 1 }] });
    const http = httpClient(service.url);
    const found = await http.get(`/inventory/reservations/${orderId}`);
    expect(found.status).toBe(200);
    expect(found.data).toEqual(created.data);
    expect((await http.get('/inventory/reservations/999999')).status).toBe(404);
  });
});
