import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { BAD_AFTER_ERROR, graphql, httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { buildApp } from '../src/app.ts';
import { createProduct, fieldsOf, productBody } from './fixtures.ts';

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

describe('POST /products', () => {
  it('answers 201 with the product, its stock level and a Location', async () => {
    const body = productBody({ quantityOnHand: 40, reorderPoint: 5, location: 'A-01-01' });
    const res = await httpClient(service.url).post('/products', body);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/products/${res.data.id}`);
    expect(res.data).toEqual({
      id: expect.any(Number),
      sku: body.sku,
      name: body.name,
      unitPriceCents: 1299,
      currency: 'USD',
      weightGrams: 250,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      updatedAt: expect.any(String),
      inventory: {
        productId: res.data.id,
        sku: body.sku,
        name: body.name,
        quantityOnHand: 40,
        quantityReserved: 0,
        quantityAvailable: 40,
        reorderPoint: 5,
        location: 'A-01-01',
        version: 1,
        updatedAt: expect.any(String),
        warehouses: [expect.objectContaining({ warehouseId: 1, quantityOnHand: 40, reorderPoint: 5 })],
      },
    });
  });

  it('starts the stock level at zero with no location when no stock fields are given', async () => {
    const product = await createProduct(service.url);
    expect(product.inventory).toMatchObject({
      quantityOnHand: 0,
      quantityReserved: 0,
      quantityAvailable: 0,
      reorderPoint: 0,
      location: null,
    });
  });

  it('answers 409 for a duplicate sku and creates nothing', async () => {
    const product = await createProduct(service.url);
    const res = await httpClient(service.url).post('/products', productBody({ sku: product.sku }));
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.data).toMatchObject({ status: 409, code: 'CONFLICT' });
    const { rows } = await db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [product.sku]);
    expect(rows[0]!.n).toBe(1);
  });

  it('answers 400 naming each missing field', async () => {
    const res = await httpClient(service.url).post('/products', {});
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual(['currency', 'name', 'sku', 'unitPriceCents', 'weightGrams']);
  });

  it('answers 400 naming each field that breaks a rule', async () => {
    const res = await httpClient(service.url).post('/products', {
      sku: 'has spaces',
      name: '   ',
      unitPriceCents: -1,
      currency: 'usd',
      weightGrams: 0,
      quantityOnHand: -5,
      reorderPoint: -1,
      location: '',
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual([
      'currency',
      'location',
      'name',
      'quantityOnHand',
      'reorderPoint',
      'sku',
      'unitPriceCents',
      'weightGrams',
    ]);
  });

  it('answers 400 naming each field of the wrong type', async () => {
    const res = await httpClient(service.url).post(
      '/products',
      productBody({ sku: 42, unitPriceCents: '12.99', weightGrams: 1.5, quantityOnHand: true }),
    );
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual(['quantityOnHand', 'sku', 'unitPriceCents', 'weightGrams']);
  });

  it('answers 400 for a field it does not know', async () => {
    const res = await httpClient(service.url).post('/products', productBody({ colour: 'red' }));
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);
  });
});

describe('GET /products/:id', () => {
  it('answers 200 with the product and its stock level', async () => {
    const created = await createProduct(service.url, { quantityOnHand: 7 });
    const res = await httpClient(service.url).get(`/products/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual(created);
  });

  it('answers a 404 problem for a product that does not exist', async () => {
    const res = await httpClient(service.url).get('/products/999999');
    expect(res.status).toBe(404);
    expect(res.data).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      detail: 'Product 999999 does not exist',
    });
  });

  it.each(['abc', '0', '-1', '1.5'])('answers 400 naming the field for id %p', async (id) => {
    const res = await httpClient(service.url).get(`/products/${id}`);
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
  });
});

describe('GET /products', () => {
  let low: any;
  let plenty: any;

  beforeAll(async () => {
    low = await createProduct(service.url, { quantityOnHand: 3, reorderPoint: 5 });
    plenty = await createProduct(service.url, { quantityOnHand: 50, reorderPoint: 5 });
  });

  it('pages through every product in id order by following nextCursor', async () => {
    const http = httpClient(service.url);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await http.get('/products', { params: { limit: 2, ...(cursor && { cursor }) } });
      expect(res.status).toBe(200);
      expect(res.data.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.data.items.map((item: { id: number }) => item.id));
      cursor = res.data.nextCursor;
    } while (cursor);
    const { rows } = await db.query('SELECT id FROM products ORDER BY id');
    expect(seen).toEqual(rows.map((row) => row.id));
  });

  it('filters on lowStock and on sku', async () => {
    const http = httpClient(service.url);
    const lowIds = (await http.get('/products?lowStock=true&limit=100')).data.items.map((p: any) => p.id);
    const okIds = (await http.get('/products?lowStock=false&limit=100')).data.items.map((p: any) => p.id);
    expect(lowIds).toContain(low.id);
    expect(lowIds).not.toContain(plenty.id);
    expect(okIds).toContain(plenty.id);
    expect(okIds).not.toContain(low.id);
    const bySku = await http.get(`/products?sku=${encodeURIComponent(plenty.sku)}`);
    expect(bySku.data).toEqual({ items: [plenty], nextCursor: null });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['lowStock=yes', 'lowStock'],
    ['cursor=not-ours', 'cursor'],
    ['sku=has%20space', 'sku'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const res = await httpClient(service.url).get(`/products?${query}`);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.data)).toEqual([field]);
  });

  it('answers 400 for a query parameter it does not know', async () => {
    const res = await httpClient(service.url).get('/products?colour=red');
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);
  });
});

const PRODUCT_FIELDS = `id sku name unitPriceCents currency weightGrams createdAt updatedAt
  inventory { quantityOnHand quantityReserved quantityAvailable reorderPoint location version updatedAt }`;

describe('GraphQL product(id) and products', () => {
  it('answers the product with its stock level', async () => {
    const created = await createProduct(service.url, { quantityOnHand: 9, location: 'B-02' });
    const { body } = await graphql(
      service.url,
      `query($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`,
      {
        id: String(created.id),
      },
    );
    const { productId: _, sku: __, name: ___, warehouses: ____, ...level } = created.inventory;
    expect(body).toEqual({ data: { product: { ...created, id: String(created.id), inventory: level } } });
  });

  it('answers null for a product that does not exist', async () => {
    const { body } = await graphql(service.url, '{ product(id: 999999) { id } }');
    expect(body).toEqual({ data: { product: null } });
  });

  it('answers BAD_USER_INPUT for an id that is not a positive integer', async () => {
    const { body } = await graphql(service.url, '{ product(id: "x") { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages through products with first and after', async () => {
    const query = `query($after: String) { products(first: 2, after: $after) {
      edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body }: any = await graphql(service.url, query, { after });
      const { edges, pageInfo } = body.data.products;
      seen.push(...edges.map((edge: any) => edge.node.id));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    const { rows } = await db.query('SELECT id FROM products ORDER BY id');
    expect(seen).toEqual(rows.map((row) => String(row.id)));
  });

  it('reports an `after` it did not issue as BAD_USER_INPUT naming `after`, as every service does', async () => {
    const { body } = await graphql(service.url, '{ products(after: "c1.bogus") { edges { cursor } } }');
    expect(body.errors).toEqual([expect.objectContaining(BAD_AFTER_ERROR)]);
  });

  it('lists only low stock with lowStockOnly', async () => {
    const low = await createProduct(service.url, { quantityOnHand: 1, reorderPoint: 2 });
    const plenty = await createProduct(service.url, { quantityOnHand: 10, reorderPoint: 2 });
    const { body } = await graphql(
      service.url,
      '{ products(first: 100, lowStockOnly: true) { edges { node { id inventory { quantityAvailable reorderPoint } } } } }',
    );
    const nodes = body.data.products.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.id)).toContain(String(low.id));
    expect(nodes.map((node: any) => node.id)).not.toContain(String(plenty.id));
    for (const node of nodes)
      expect(node.inventory.quantityAvailable).toBeLessThanOrEqual(node.inventory.reorderPoint);
  });

  it.each([
    ['first: 0', 'first'],
    ['first: 101', 'first'],
    ['after: "not-ours"', 'after'],
  ])('answers BAD_USER_INPUT naming the argument for %s', async (args, field) => {
    const { body } = await graphql(service.url, `{ products(${args}) { edges { node { id } } } }`);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [{ field, message: expect.any(String) }],
    });
  });
});

describe('GraphQL createProduct', () => {
  const mutation = `mutation($input: CreateProductInput!) { createProduct(input: $input) { ${PRODUCT_FIELDS} } }`;

  it('answers the new product with its stock level', async () => {
    const input = productBody({ quantityOnHand: 12, reorderPoint: 3 });
    const { body } = await graphql(service.url, mutation, { input });
    expect(body.errors).toBeUndefined();
    expect(body.data.createProduct).toMatchObject({
      sku: input.sku,
      inventory: { quantityOnHand: 12, quantityAvailable: 12, reorderPoint: 3, version: 1, location: null },
    });
    const rest = await httpClient(service.url).get(`/products/${body.data.createProduct.id}`);
    expect(rest.status).toBe(200);
  });

  it('answers CONFLICT for a duplicate sku', async () => {
    const existing = await createProduct(service.url);
    const { body } = await graphql(service.url, mutation, { input: productBody({ sku: existing.sku }) });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('answers BAD_USER_INPUT naming each bad field of the input', async () => {
    const input = productBody({ currency: 'EURO', weightGrams: -3, quantityOnHand: -1 });
    const { body } = await graphql(service.url, mutation, { input });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(fieldsOf(body.errors?.[0]?.extensions)).toEqual([
      'input.currency',
      'input.quantityOnHand',
      'input.weightGrams',
    ]);
  });
});

describe('Product entity references', () => {
  it('loads 50 Product representations with their stock in exactly one SQL statement', async () => {
    const { rows } = await db.query(
      `WITH p AS (
         INSERT INTO products (sku, name, unit_price_cents, currency, weight_grams)
         SELECT 'BATCH-' || g, 'Batch product ' || g, 100, 'USD', 10 FROM generate_series(1, 50) AS g
         RETURNING id)
       , i AS (INSERT INTO inventory (product_id) SELECT id FROM p RETURNING product_id)
       INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand)
       SELECT product_id, 1, 5 FROM i RETURNING product_id AS id`,
    );
    const representations = rows.map((row) => ({ __typename: 'Product', id: String(row.id) }));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Product { id sku inventory { quantityAvailable } } } }`;
    service.queries.reset();
    const { body } = await graphql(service.url, query, { r: representations });
    expect(service.queries.count).toBe(1);
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toHaveLength(50);
    expect(body.data._entities[0]).toEqual({
      id: representations[0]!.id,
      sku: expect.stringMatching(/^BATCH-/),
      inventory: { quantityAvailable: 5 },
    });
  });

  it('resolves a reference to a product that does not exist to null', async () => {
    const { body } = await graphql(
      service.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } } }',
      { r: [{ __typename: 'Product', id: '999999' }] },
    );
    expect(body.data._entities).toEqual([null]);
  });
});

describe('the HTTP front matter', () => {
  it('is alive, and ready while its database answers', async () => {
    const http = httpClient(service.url);
    expect((await http.get('/healthz')).data).toMatchObject({ status: 'ok', service: 'inventory-service' });
    const ready = await http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.data).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
  });

  it('answers a body it cannot read (bad gzip) with a 400 problem, not a 500', async () => {
    const res = await httpClient(service.url).post('/products', Buffer.from('not gzip at all'), {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.data).toMatchObject({
      code: 'BAD_USER_INPUT',
      detail: expect.stringMatching(/could not be read/),
    });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await httpClient(service.url).get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
