import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { buildApp } from '../src/app.ts';
import { createOrders, createProduct, createWarehouse, fieldsOf, stockByWarehouse } from './fixtures.ts';

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

const http = () => httpClient(service.url);

describe('POST /warehouses, GET /warehouses', () => {
  it('answers 201 with the warehouse, lists it after the default one, and answers it by id', async () => {
    const created = await createWarehouse(service.url, 'SG', 30);
    expect(created).toMatchObject({
      id: expect.any(Number),
      address: { line1: expect.any(String), city: 'Port', postalCode: '1000', country: 'SG' },
      priority: 30,
      isDefault: false,
    });
    const list = await http().get('/warehouses');
    expect(list.data.items[0]).toMatchObject({ id: 1, code: 'MAIN', isDefault: true, address: null });
    expect(list.data.items.map((w: { id: number }) => w.id)).toContain(created.id);
    expect((await http().get(`/warehouses/${created.id}`)).data).toEqual(created);
    expect((await http().get('/warehouses/999999')).status).toBe(404);
    expect((await http().get('/warehouses/x')).status).toBe(400);
  });

  it('answers 409 for a duplicate code and 400 naming each bad field', async () => {
    const first = await createWarehouse(service.url);
    const again = await http().post('/warehouses', {
      code: first.code,
      name: 'Again',
      address: { line1: '1 Road', city: 'Town', postalCode: '1', country: 'US' },
    });
    expect(again.status).toBe(409);
    const bad = await http().post('/warehouses', { code: 'lower', name: ' ', address: {}, priority: -1 });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.data)).toEqual(
      expect.arrayContaining(['code', 'name', 'address.line1', 'address.country', 'priority']),
    );
  });
});

describe('stock per warehouse', () => {
  it('PUT on a warehouse adds its row; GET answers totals that are the sum, and each warehouse', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10, reorderPoint: 2 });
    const newark = await createWarehouse(service.url, 'US');
    const put = await http().put(`/inventory/${product.id}/warehouses/${newark.id}`, {
      quantityOnHand: 7,
      reorderPoint: 3,
      location: 'N-1',
    });
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe('"1"');
    const res = await http().get(`/inventory/${product.id}`);
    expect(res.data).toMatchObject({ quantityOnHand: 17, quantityAvailable: 17, reorderPoint: 5 });
    expect(res.data.warehouses).toEqual([
      expect.objectContaining({ warehouseId: 1, quantityOnHand: 10, reorderPoint: 2 }),
      {
        warehouseId: newark.id,
        code: newark.code,
        country: 'US',
        quantityOnHand: 7,
        quantityReserved: 0,
        quantityAvailable: 7,
        reorderPoint: 3,
        lowStock: false,
        location: 'N-1',
        version: 1,
      },
    ]);
  });

  it('PUT and adjustments without a warehouse act on the default one; with one, on that one', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const other = await createWarehouse(service.url);
    await http().put(`/inventory/${product.id}`, { quantityOnHand: 12 });
    await http().post(`/inventory/${product.id}/adjustments`, {
      delta: 5,
      reason: 'Receipt',
      warehouseId: other.id,
    });
    await http().post(`/inventory/${product.id}/adjustments`, { delta: -2, reason: 'Damage' });
    expect(await stockByWarehouse(db, product.id)).toMatchObject({
      warehouses: [
        { warehouseId: 1, onHand: 10 },
        { warehouseId: other.id, onHand: 5 },
      ],
      totals: { onHand: 15 },
    });
    const { rows } = await db.query(
      'SELECT warehouse_id AS "warehouseId", delta FROM inventory_adjustments WHERE product_id = $1 ORDER BY id',
      [product.id],
    );
    expect(rows).toEqual([
      { warehouseId: other.id, delta: 5 },
      { warehouseId: 1, delta: -2 },
    ]);
  });

  it("answers 412 when If-Match names a stale version of that warehouse's stock, 404 for an unknown warehouse", async () => {
    const product = await createProduct(service.url);
    const other = await createWarehouse(service.url);
    const path = `/inventory/${product.id}/warehouses/${other.id}`;
    await http().put(path, { quantityOnHand: 1 });
    await http().put(path, { quantityOnHand: 2 });
    expect(
      (await httpClient(service.url, { 'if-match': '"1"' }).put(path, { quantityOnHand: 9 })).status,
    ).toBe(412);
    expect(
      (await httpClient(service.url, { 'if-match': '"2"' }).put(path, { quantityOnHand: 9 })).status,
    ).toBe(200);
    expect(
      (await http().put(`/inventory/${product.id}/warehouses/999999`, { quantityOnHand: 1 })).status,
    ).toBe(404);
  });

  it('lists as low stock a product low in one warehouse though plenty in total', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 500, reorderPoint: 10 });
    const other = await createWarehouse(service.url);
    await http().put(`/inventory/${product.id}/warehouses/${other.id}`, {
      quantityOnHand: 3,
      reorderPoint: 5,
    });
    const level = (await http().get(`/inventory/${product.id}`)).data;
    expect(level.warehouses.map((w: { lowStock: boolean }) => w.lowStock)).toEqual([false, true]);
    const ids = (await allPages('/inventory?lowStock=true')).map(
      (item: { productId: number }) => item.productId,
    );
    expect(ids).toContain(product.id);
  });
});

async function allPages(path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const res: { data: { items: any[]; nextCursor: string | null } } = await http().get(
      `${path}${separator}limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    items.push(...res.data.items);
    cursor = res.data.nextCursor;
  } while (cursor);
  return items;
}

describe('POST /inventory/transfers', () => {
  it('moves available stock and records the transfer', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 10 });
    const to = await createWarehouse(service.url);
    const res = await http().post('/inventory/transfers', {
      productId: product.id,
      fromWarehouseId: 1,
      toWarehouseId: to.id,
      quantity: 4,
    });
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({
      id: expect.any(Number),
      quantity: 4,
      inventory: { quantityOnHand: 10 },
    });
    expect(await stockByWarehouse(db, product.id)).toMatchObject({
      warehouses: [
        { warehouseId: 1, onHand: 6 },
        { warehouseId: to.id, onHand: 4 },
      ],
      totals: { onHand: 10 },
    });
  });

  it('answers 409 and moves nothing when the source is short (reserved stock does not move)', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 5 });
    const [orderId] = await createOrders(db, 1);
    await http().post('/inventory/reservations', {
      orderId,
      items: [{ productId: product.id, quantity: 3 }],
    });
    const to = await createWarehouse(service.url);
    const body = { productId: product.id, fromWarehouseId: 1, toWarehouseId: to.id, quantity: 3 };
    const res = await http().post('/inventory/transfers', body);
    expect(res.status).toBe(409);
    expect(res.data.items).toEqual([{ productId: product.id, requested: 3, available: 2 }]);
    expect((await stockByWarehouse(db, product.id)).warehouses).toEqual([
      { warehouseId: 1, onHand: 5, reserved: 3 },
    ]);
  });

  it('answers 400 for the same warehouse twice, 404 for an unknown one or product', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 5 });
    const same = { productId: product.id, fromWarehouseId: 1, toWarehouseId: 1, quantity: 1 };
    expect((await http().post('/inventory/transfers', same)).status).toBe(400);
    const unknown = { ...same, toWarehouseId: 999999 };
    expect((await http().post('/inventory/transfers', unknown)).status).toBe(404);
    const noProduct = { ...same, productId: 999999, toWarehouseId: 999999 };
    expect((await http().post('/inventory/transfers', noProduct)).status).toBe(404);
  });

  it('racing reservations never makes stock negative or loses a unit', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 30 });
    const to = await createWarehouse(service.url);
    const orderIds = await createOrders(db, 20);
    const transfer = { productId: product.id, fromWarehouseId: 1, toWarehouseId: to.id, quantity: 2 };
    const results = await Promise.all([
      ...orderIds.map((orderId) =>
        http().post('/inventory/reservations', { orderId, items: [{ productId: product.id, quantity: 1 }] }),
      ),
      ...Array.from({ length: 10 }, () => http().post('/inventory/transfers', transfer)),
    ]);
    const statuses = results.map((res) => res.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const reserved = results.slice(0, 20).filter((res) => res.status === 201).length;
    const moved = 2 * results.slice(20).filter((res) => res.status === 201).length;
    const { warehouses, totals } = await stockByWarehouse(db, product.id);
    // Nothing lost or made up: 30 on hand in all, `moved` of them now in the other warehouse.
    expect(warehouses.map((w) => [w.warehouseId, w.onHand])).toEqual([
      [1, 30 - moved],
      [to.id, moved],
    ]);
    // Allocation may hold a reservation in either warehouse; never more than either has.
    for (const w of warehouses) expect(w.reserved).toBeLessThanOrEqual(w.onHand);
    expect(warehouses.reduce((sum, w) => sum + w.reserved, 0)).toBe(reserved);
    expect(totals).toMatchObject({ onHand: 30, reserved });
    expect(reserved).toBeLessThanOrEqual(30);
  });
});

describe('the graph', () => {
  it('creates a warehouse, sets stock there, transfers, and answers byWarehouse with each warehouse', async () => {
    const product = await createProduct(service.url, { quantityOnHand: 8 });
    const created = await graphql(
      service.url,
      `mutation($input: CreateWarehouseInput!) { createWarehouse(input: $input) { id code address { country } } }`,
      {
        input: {
          code: `G${process.pid}`,
          name: 'Singapore',
          address: { line1: '7 Road', city: 'Singapore', postalCode: '088753', country: 'SG' },
        },
      },
    );
    const warehouse = created.body.data.createWarehouse;
    expect(warehouse).toMatchObject({ code: `G${process.pid}`, address: { country: 'SG' } });
    const set = await graphql(
      service.url,
      `mutation($p: ID!, $w: ID!) { setWarehouseStock(productId: $p, warehouseId: $w, quantityOnHand: 4) {
        inventory { quantityOnHand } } }`,
      { p: product.id, w: warehouse.id },
    );
    expect(set.body.data.setWarehouseStock.inventory.quantityOnHand).toBe(12);
    const moved = await graphql(
      service.url,
      `mutation($input: TransferStockInput!) { transferStock(input: $input) {
        quantity from { code } to { code } product { inventory { quantityOnHand byWarehouse {
          warehouse { code isDefault } quantityOnHand lowStock } } } } }`,
      { input: { productId: product.id, fromWarehouseId: warehouse.id, toWarehouseId: '1', quantity: 3 } },
    );
    expect(moved.body.data.transferStock).toEqual({
      quantity: 3,
      from: { code: warehouse.code },
      to: { code: 'MAIN' },
      product: {
        inventory: {
          quantityOnHand: 12,
          byWarehouse: [
            { warehouse: { code: 'MAIN', isDefault: true }, quantityOnHand: 11, lowStock: false },
            { warehouse: { code: warehouse.code, isDefault: false }, quantityOnHand: 1, lowStock: false },
          ],
        },
      },
    });
    const short = await graphql(
      service.url,
      `mutation($input: TransferStockInput!) { transferStock(input: $input) { id } }`,
      { input: { productId: product.id, fromWarehouseId: warehouse.id, toWarehouseId: '1', quantity: 5 } },
    );
    expect(short.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_STOCK');
    const list = await graphql(service.url, '{ warehouses { id code } }');
    expect(list.body.data.warehouses).toContainEqual({ id: warehouse.id, code: warehouse.code });
  });

  it('reads each warehouse of a batch of Product references only when byWarehouse is asked, in one statement', async () => {
    const warehouse = await createWarehouse(service.url, 'SG');
    const a = await createProduct(service.url, { quantityOnHand: 5, reorderPoint: 2 });
    const b = await createProduct(service.url, { quantityOnHand: 1, reorderPoint: 1 });
    expect(
      (await http().put(`/inventory/${a.id}/warehouses/${warehouse.id}`, { quantityOnHand: 3 })).status,
    ).toBe(200);
    const r = [b.id, 999999, a.id, b.id].map((id) => ({ __typename: 'Product', id: String(id) }));
    const entities = (fields: string) =>
      graphql(
        service.url,
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { ${fields} } } }`,
        { r },
      );

    service.queries.reset();
    const totals = await entities('id inventory { quantityOnHand }');
    expect(totals.body.data._entities).toEqual([
      { id: String(b.id), inventory: { quantityOnHand: 1 } },
      null,
      { id: String(a.id), inventory: { quantityOnHand: 8 } },
      { id: String(b.id), inventory: { quantityOnHand: 1 } },
    ]);
    expect(service.queries.count).toBe(1);
    expect(service.queries.statements.filter((sql) => /warehouse_stock/.test(sql))).toEqual([]);

    service.queries.reset();
    const levels = await entities(
      'id inventory { byWarehouse { quantityOnHand quantityAvailable reorderPoint lowStock location } }',
    );
    const level = (quantityOnHand: number, reorderPoint: number) => ({
      quantityOnHand,
      quantityAvailable: quantityOnHand,
      reorderPoint,
      lowStock: quantityOnHand <= reorderPoint,
      location: null,
    });
    const bLevels = { id: String(b.id), inventory: { byWarehouse: [level(1, 1)] } };
    expect(levels.body.data._entities).toEqual([
      bLevels,
      null,
      { id: String(a.id), inventory: { byWarehouse: [level(5, 2), level(3, 0)] } },
      bLevels,
    ]);
    expect(service.queries.count).toBe(2);
  });
});
