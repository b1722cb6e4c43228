import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { buildApp } from '../src/app.ts';
import { createOrder, createProduct, fieldsOf, stockRow } from './fixtures.ts';

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

/** A product with `reserved` of its `onHand` units held for a new order. */
async function productWithReservation(onHand: number, reserved: number) {
  const product = await createProduct(service.url, { quantityOnHand: onHand });
  const orderId = await createOrder(db);
  const res = await httpClient(service.url).post('/inventory/reservations', {
    orderId,
    items: [{ productId: product.id, quantity: reserved }],
  });
  expect(res.status).toBe(201);
  return product;
}

describe('GET /inventory/:productId', () => {
  it('answers the stock level with its version as the ETag, and 304 while it is unchanged', async () => {
    const product = await createProduct(service.url, {
      quantityOnHand: 20,
      reorderPoint: 4,
      location: 'C-3',
    });
    const res = await httpClient(service.url).get(`/inventory/${product.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.data).toEqual({
      productId: product.id,
      sku: product.sku,
      name: product.name,
      quantityOnHand: 20,
      quantityReserved: 0,
      quantityAvailable: 20,
      reorderPoint: 4,
      location: 'C-3',
      version: 1,
      updatedAt: expect.any(String),
      warehouses: [
        {
          warehouseId: 1,
          code: 'MAIN',
          country: null,
          quantityOnHand: 20,
          quantityReserved: 0,
          quantityAvailable: 20,
          reorderPoint: 4,
          lowStock: false,
          location: 'C-3',
          version: 1,
        },
      ],
    });
    const unchanged = await httpClient(service.url, { 'if-none-match': '"1"' }).get(
      `/inventory/${product.id}`,
    );
    expect(unchanged.status).toBe(304);
  });

  it('answers 404 for an unknown product and 400 for an id that is not one', async () => {
    const http = httpClient(service.url);
    expect((await http.get('/inventory/999999')).status).toBe(404);
    const bad = await http.get('/inventory/abc');
    expect(bad.status).toBe(400);
    expect(bad.data.errors).toEqual([{ field: 'productId', message: expect.any(String) }]);
  });
});

describe('GET /inventory', () => {
  it('lists stock levels, and with lowStock=true only those at or below their reorder point', async () => {
    const low = await createProduct(service.url, { quantityOnHand: 5, reorderPoint: 5 });
    const plenty = await createProduct(service.url, { quantityOnHand: 6, reorderPoint: 5 });
    const http = httpClient(service.url);
    const all = await http.get('/inventory?limit=100');
    expect(all.status).toBe(200);
    expect(all.headers.etag).toEqual(expect.any(String));
    expect(all.data.items.map((level: any) => level.productId)).toEqual(
      expect.arrayContaining([low.id, plenty.id]),
    );
    const lowOnly = await http.get('/inventory?lowStock=true&limit=100');
    const ids = lowOnly.data.items.map((level: any) => level.productId);
    expect(ids).toContain(low.id);
    expect(ids).not.toContain(plenty.id);
    for (const level of lowOnly.data.items)
      expect(level.quantityAvailable).toBeLessThanOrEqual(level.reorderPoint);
  });

  it('pages with limit and cursor', async () => {
    await createProduct(service.url);
    await createProduct(service.url);
    const http = httpClient(service.url);
    const first = await http.get('/inventory?limit=1');
    expect(first.data.items).toHaveLength(1);
    expect(first.data.nextCursor).toEqual(expect.any(String));
    const second = await http.get(`/inventory?limit=1&cursor=${first.data.nextCursor}`);
    expect(second.data.items[0].productId).toBeGreaterThan(first.data.items[0].productId);
  });

  it.each([
    ['lowStock=1', 'lowStock'],
    ['limit=0', 'limit'],
    ['cursor=abc', 'cursor'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const res = await httpClient(service.url).get(`/inventory?${query}`);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual([field]);
  });

  it('answers 400 for a filter it does not have', async () => {
    expect((await httpClient(service.url).get('/inventory?sku=X')).status).toBe(400);
  });
});

describe('PUT /inventory/:productId', () => {
  it('sets the counted stock and answers the new level with a new version', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10, location: 'A-1' });
    const res = await httpClient(service.url).put(`/inventory/${product.id}`, {
      quantityOnHand: 25,
      reorderPoint: 8,
      location: 'B-2',
    });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.data).toMatchObject({
      quantityOnHand: 25,
      quantityAvailable: 25,
      reorderPoint: 8,
      location: 'B-2',
      version: 2,
    });
  });

  it('keeps reorderPoint and location when they are left out, and clears location with null', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 1, reorderPoint: 3, location: 'A-1' });
    const http = httpClient(service.url);
    const kept = await http.put(`/inventory/${product.id}`, { quantityOnHand: 2 });
    expect(kept.data).toMatchObject({ quantityOnHand: 2, reorderPoint: 3, location: 'A-1' });
    const cleared = await http.put(`/inventory/${product.id}`, { quantityOnHand: 2, location: null });
    expect(cleared.data).toMatchObject({ location: null, version: 3 });
  });

  it.each([['"1"'], ['1'], ['W/"1"'], ['*']])(
    'applies the change with a fresh If-Match: %s',
    async (ifMatch) => {
      const product = await createProduct(service.url, { quantityOnHand: 10 });
      const res = await httpClient(service.url, { 'if-match': ifMatch }).put(`/inventory/${product.id}`, {
        quantityOnHand: 11,
      });
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ quantityOnHand: 11, version: 2 });
    },
  );

  it('answers 412 and changes nothing when If-Match names a stale version', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const http = httpClient(service.url);
    await http.put(`/inventory/${product.id}`, { quantityOnHand: 12 });
    const res = await httpClient(service.url, { 'if-match': '"1"' }).put(`/inventory/${product.id}`, {
      quantityOnHand: 99,
    });
    expect(res.status).toBe(412);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.data).toMatchObject({ status: 412, title: 'Precondition failed' });
    expect(await stockRow(db, product.id)).toEqual({ onHand: 12, reserved: 0, version: 2 });
  });

  it.each([['abc'], ['"x"'], ['W/3'], ['"1", "2"'], ['0'], ['""']])(
    'answers 400 naming If-Match for a malformed If-Match: %s',
    async (ifMatch) => {
      const product = await createProduct(service.url, { quantityOnHand: 10 });
      const res = await httpClient(service.url, { 'if-match': ifMatch }).put(`/inventory/${product.id}`, {
        quantityOnHand: 11,
      });
      expect(res.status).toBe(400);
      expect(fieldsOf(res.data)).toEqual(['If-Match']);
    },
  );

  it('answers 409 and changes nothing when quantityOnHand is below what is reserved', async () => {
    const product = await productWithReservation(10, 6);
    const res = await httpClient(service.url).put(`/inventory/${product.id}`, { quantityOnHand: 5 });
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({ code: 'CONFLICT', detail: expect.stringContaining('6 units reserved') });
    expect(await stockRow(db, product.id)).toMatchObject({ onHand: 10, reserved: 6 });
  });

  it('accepts quantityOnHand equal to what is reserved', async () => {
    const product = await productWithReservation(10, 6);
    const res = await httpClient(service.url).put(`/inventory/${product.id}`, { quantityOnHand: 6 });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ quantityOnHand: 6, quantityReserved: 6, quantityAvailable: 0 });
  });

  it('answers 404 for an unknown product', async () => {
    const res = await httpClient(service.url).put('/inventory/999999', { quantityOnHand: 1 });
    expect(res.status).toBe(404);
  });

  it.each([
    [{ quantityOnHand: -1 }, ['quantityOnHand']],
    [{}, ['quantityOnHand']],
    [{ quantityOnHand: '5' }, ['quantityOnHand']],
    [{ quantityOnHand: 5, reorderPoint: -2, location: '  ' }, ['location', 'reorderPoint']],
  ])('answers 400 naming the bad fields of %j', async (body, fields) => {
    const product = await createProduct(service.url);
    const res = await httpClient(service.url).put(`/inventory/${product.id}`, body);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual(fields);
  });
});

describe('POST /inventory/:productId/adjustments', () => {
  it('changes the stock on hand, records the adjustment and answers 200 with the new level', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const res = await httpClient(service.url).post(`/inventory/${product.id}/adjustments`, {
      delta: 15,
      reason: 'Goods received: PO-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.data).toMatchObject({ quantityOnHand: 25, quantityAvailable: 25, version: 2 });
    const { rows } = await db.query('SELECT delta, reason FROM inventory_adjustments WHERE product_id = $1', [
      product.id,
    ]);
    expect(rows).toEqual([{ delta: 15, reason: 'Goods received: PO-1' }]);
  });

  it('takes stock away down to exactly what is reserved', async () => {
    const product = await productWithReservation(10, 4);
    const res = await httpClient(service.url).post(`/inventory/${product.id}/adjustments`, {
      delta: -6,
      reason: 'Damaged',
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ quantityOnHand: 4, quantityReserved: 4, quantityAvailable: 0 });
  });

  it('answers 409 and records nothing when it would go below what is reserved', async () => {
    const product = await productWithReservation(10, 4);
    const res = await httpClient(service.url).post(`/inventory/${product.id}/adjustments`, {
      delta: -7,
      reason: 'Damaged',
    });
    expect(res.status).toBe(409);
    expect(res.data.detail).toMatch(/below the 4 units reserved/);
    expect(await stockRow(db, product.id)).toMatchObject({ onHand: 10, reserved: 4 });
    const { rows } = await db.query('SELECT 1 FROM inventory_adjustments WHERE product_id = $1', [
      product.id,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('answers 409 when it would go below zero', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 2 });
    const res = await httpClient(service.url).post(`/inventory/${product.id}/adjustments`, {
      delta: -3,
      reason: 'Count',
    });
    expect(res.status).toBe(409);
    expect(res.data.detail).toMatch(/below zero/);
  });

  it('answers 409 when it would go past the largest storable quantity', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 2_147_483_000 });
    const res = await httpClient(service.url).post(`/inventory/${product.id}/adjustments`, {
      delta: 1000,
      reason: 'Receipt',
    });
    expect(res.status).toBe(409);
  });

  it('answers 404 for an unknown product', async () => {
    const res = await httpClient(service.url).post('/inventory/999999/adjustments', {
      delta: 1,
      reason: 'x',
    });
    expect(res.status).toBe(404);
  });

  it.each([
    ['a zero delta', { delta: 0, reason: 'x' }, ['delta']],
    ['a fractional delta', { delta: 1.5, reason: 'x' }, ['delta']],
    ['a blank reason', { delta: 1, reason: ' ' }, ['reason']],
    ['a reason over 200 characters', { delta: 1, reason: 'x'.repeat(201) }, ['reason']],
    ['no fields', {}, ['delta', 'reason']],
  ])('answers 400 naming the bad fields for %s', async (_, body, fields) => {
    const product = await createProduct(service.url);
    const res = await httpClient(service.url).post(`/inventory/${product.id}/adjustments`, body);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual(fields);
  });

  it('loses no update when adjustments race', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 0 });
    const http = httpClient(service.url);
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        http.post(`/inventory/${product.id}/adjustments`, { delta: 1, reason: 'Receipt' }),
      ),
    );
    expect(results.every((res) => res.status === 200)).toBe(true);
    expect(await stockRow(db, product.id)).toEqual({ onHand: 30, reserved: 0, version: 31 });
  });
});

const LEVEL = 'id inventory { quantityOnHand quantityReserved quantityAvailable version }';

describe('GraphQL setStock', () => {
  const mutation = `mutation($id: ID!, $q: Int!, $v: Int) {
    setStock(productId: $id, quantityOnHand: $q, expectedVersion: $v) { ${LEVEL} } }`;

  it('answers the product with its new stock level', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 3 });
    const { body } = await graphql(service.url, mutation, { id: product.id, q: 8, v: 1 });
    expect(body).toEqual({
      data: {
        setStock: {
          id: String(product.id),
          inventory: { quantityOnHand: 8, quantityReserved: 0, quantityAvailable: 8, version: 2 },
        },
      },
    });
  });

  it('answers CONFLICT for a stale expectedVersion and changes nothing', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 3 });
    const { body } = await graphql(service.url, mutation, { id: product.id, q: 8, v: 7 });
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await stockRow(db, product.id)).toMatchObject({ onHand: 3, version: 1 });
  });

  it('answers CONFLICT below what is reserved', async () => {
    const product = await productWithReservation(5, 5);
    const { body } = await graphql(service.url, mutation, { id: product.id, q: 4 });
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('answers NOT_FOUND for an unknown product', async () => {
    const { body } = await graphql(service.url, mutation, { id: '999999', q: 1 });
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('answers BAD_USER_INPUT for a negative quantity or a bad id', async () => {
    const product = await createProduct(service.url);
    const negative = await graphql(service.url, mutation, { id: product.id, q: -1 });
    expect(negative.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [{ field: 'quantityOnHand', message: expect.any(String) }],
    });
    const badId = await graphql(service.url, mutation, { id: 'abc', q: 1 });
    expect(badId.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('GraphQL adjustStock', () => {
  const mutation = `mutation($id: ID!, $d: Int!, $r: String!) {
    adjustStock(productId: $id, delta: $d, reason: $r) { ${LEVEL} } }`;

  it('answers the product with its new stock level', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 3 });
    const { body } = await graphql(service.url, mutation, { id: product.id, d: 4, r: 'Receipt' });
    expect(body.data.adjustStock.inventory).toEqual({
      quantityOnHand: 7,
      quantityReserved: 0,
      quantityAvailable: 7,
      version: 2,
    });
  });

  it('answers CONFLICT below what is reserved, NOT_FOUND for an unknown product', async () => {
    const product = await productWithReservation(5, 3);
    const below = await graphql(service.url, mutation, { id: product.id, d: -3, r: 'Damage' });
    expect(below.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const missing = await graphql(service.url, mutation, { id: '999999', d: 1, r: 'x' });
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('answers BAD_USER_INPUT naming delta 0 and an empty reason', async () => {
    const product = await createProduct(service.url);
    const { body } = await graphql(service.url, mutation, { id: product.id, d: 0, r: '' });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(body.errors?.[0]?.extensions)).toEqual(['delta', 'reason']);
  });
});

describe('who may do what (API_KEYS set)', () => {
  let secured: StartedService;
  const as = (key?: string) => httpClient(secured.url, key ? { authorization: `Bearer ${key}` } : {});

  beforeAll(async () => {
    secured = await startService({
      name: 'inventory-service',
      databaseUrl: db.url,
      build: buildApp,
      env: { API_KEYS: 'r-key:reader,w-key:writer,a-key:admin', SERVICE_API_KEY: 's-key' },
    });
  });

  afterAll(async () => {
    await secured?.close();
  });

  it('answers 401 without a key, except for the health checks', async () => {
    expect((await as().get('/products')).status).toBe(401);
    expect((await as().get('/healthz')).status).toBe(200);
  });

  it('lets a reader read but not write', async () => {
    const product = await createProduct(service.url);
    expect((await as('r-key').get(`/inventory/${product.id}`)).status).toBe(200);
    expect((await as('r-key').put(`/inventory/${product.id}`, { quantityOnHand: 1 })).status).toBe(403);
  });

  it('lets a writer change stock but keeps the reservation routes for admins', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 5 });
    const orderId = await createOrder(db);
    expect((await as('w-key').put(`/inventory/${product.id}`, { quantityOnHand: 6 })).status).toBe(200);
    const body = { orderId, items: [{ productId: product.id, quantity: 1 }] };
    expect((await as('w-key').post('/inventory/reservations', body)).status).toBe(403);
    expect((await as('w-key').post('/INVENTORY/Reservations', body)).status).toBe(403);
    expect((await as('w-key').delete(`/inventory/reservations/${orderId}`)).status).toBe(403);
    expect((await as('a-key').post('/inventory/reservations', body)).status).toBe(201);
  });

  it("keeps restocks for the services' own key: an admin caller may not put units back", async () => {
    const restock = { returnId: 1, orderId: 1, items: [{ productId: 1, quantity: 1 }] };
    expect((await as('a-key').post('/inventory/restocks', restock)).status).toBe(403);
    expect((await as('s-key').post('/inventory/restocks', restock)).status).not.toBe(403);
  });

  it('answers /graphql to the service key only, judging mutations by the forwarded caller', async () => {
    const product = await createProduct(service.url);
    const read = `{ product(id: ${product.id}) { id } }`;
    const gatewayFor = (key: string) => ({
      authorization: 'Bearer s-key',
      'x-forwarded-authorization': `Bearer ${key}`,
    });
    for (const key of ['r-key', 'a-key']) {
      const direct = await graphql(secured.url, read, {}, { authorization: `Bearer ${key}` });
      expect({ status: direct.status, code: direct.body.errors?.[0]?.extensions?.code }).toEqual({
        status: 403,
        code: 'FORBIDDEN',
      });
    }
    expect((await graphql(secured.url, read)).status).toBe(401);
    const viaGateway = await graphql(secured.url, read, {}, gatewayFor('r-key'));
    expect(viaGateway.body.data.product).toEqual({ id: String(product.id) });
    const mutation = `mutation { adjustStock(productId: ${product.id}, delta: 1, reason: "x") { id } }`;
    const denied = await graphql(secured.url, mutation, {}, gatewayFor('r-key'));
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const allowed = await graphql(secured.url, mutation, {}, gatewayFor('w-key'));
    expect(allowed.body.errors).toBeUndefined();
    expect((await graphql(secured.url, read, {}, gatewayFor('nope'))).status).toBe(401);
  });
});
