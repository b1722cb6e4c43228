// Allocation: which warehouses hold an order's stock. The rule alone (allocate),
// then through reservations on a real database, racing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { allocate, type Candidate } from '../src/allocation.ts';
import { buildApp } from '../src/app.ts';
import { createOrders, createProduct, createWarehouse, stockByWarehouse } from './fixtures.ts';

// Rotterdam (NL, priority 10), Newark (US, 20), Singapore (SG, 30).
const RTM = { warehouseId: 1, country: 'NL', priority: 10 };
const EWR = { warehouseId: 2, country: 'US', priority: 20 };
const SIN = { warehouseId: 3, country: 'SG', priority: 30 };
const stock = (productId: number, at: typeof RTM, available: number): Candidate => ({
  productId,
  ...at,
  available,
});
const NETWORK = [stock(1, RTM, 8), stock(1, EWR, 6), stock(1, SIN, 10), stock(2, RTM, 5), stock(2, SIN, 5)];

describe('allocate', () => {
  it('takes one warehouse that fills the whole order over a domestic one that cannot', () => {
    const items = [
      { productId: 1, quantity: 10 },
      { productId: 2, quantity: 5 },
    ];
    expect(allocate(items, NETWORK, 'US')).toEqual({
      allocations: [
        { productId: 1, warehouseId: 3, quantity: 10 },
        { productId: 2, warehouseId: 3, quantity: 5 },
      ],
    });
  });

  it("prefers the destination's country, then priority, among sets of the fewest warehouses", () => {
    const items = [{ productId: 1, quantity: 7 }];
    expect(allocate(items, NETWORK, 'SG')).toEqual({
      allocations: [{ productId: 1, warehouseId: 3, quantity: 7 }],
    });
    expect(allocate(items, NETWORK, 'US')).toEqual({
      allocations: [{ productId: 1, warehouseId: 1, quantity: 7 }],
    });
    expect(allocate([{ productId: 1, quantity: 6 }], NETWORK, 'US')).toEqual({
      allocations: [{ productId: 1, warehouseId: 2, quantity: 6 }],
    });
    expect(allocate(items, NETWORK, 'FR')).toEqual({
      allocations: [{ productId: 1, warehouseId: 1, quantity: 7 }],
    });
  });

  it('splits across the best-ranked pair when no warehouse alone fills the order', () => {
    // No one holds 12; {EWR (domestic), RTM} is the first pair by rank and holds 14.
    expect(allocate([{ productId: 1, quantity: 12 }], NETWORK, 'US')).toEqual({
      allocations: [
        { productId: 1, warehouseId: 2, quantity: 6 },
        { productId: 1, warehouseId: 1, quantity: 6 },
      ],
    });
  });

  it('names each line the network as a whole cannot fill, with what the network has', () => {
    const items = [
      { productId: 1, quantity: 25 },
      { productId: 2, quantity: 10 },
      { productId: 9, quantity: 1 },
    ];
    expect(allocate(items, NETWORK, 'US')).toEqual({
      short: [
        { productId: 1, requested: 25, available: 24 },
        { productId: 9, requested: 1, available: 0 },
      ],
    });
  });
});

let db: TestDatabase;
let service: StartedService;
let newark: { id: number };
let singapore: { id: number };

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startService({ name: 'inventory-service', databaseUrl: db.url, build: buildApp });
  newark = await createWarehouse(service.url, 'US', 20);
  singapore = await createWarehouse(service.url, 'SG', 30);
});

afterAll(async () => {
  await service?.close();
  await db?.drop();
});

const http = () => httpClient(service.url);

/** A product with this much in the default warehouse, Newark and Singapore. */
async function spread(main: number, inNewark: number, inSingapore: number) {
  const product = await createProduct(service.url, { quantityOnHand: main });
  await http().put(`/inventory/${product.id}/warehouses/${newark.id}`, { quantityOnHand: inNewark });
  await http().put(`/inventory/${product.id}/warehouses/${singapore.id}`, { quantityOnHand: inSingapore });
  return product;
}

describe('reservations across warehouses', () => {
  it('answers each line with its allocations, split when no warehouse fills it, and holds them there', async () => {
    const product = await spread(4, 3, 5);
    const [orderId] = await createOrders(db, 1);
    const res = await http().post('/inventory/reservations', {
      orderId,
      items: [{ productId: product.id, quantity: 7 }],
      destinationCountry: 'US',
    });
    expect(res.status).toBe(201);
    // Newark is domestic; with it, Singapore (5) fills where the default (4) does not.
    expect(res.data.items).toEqual([
      {
        productId: product.id,
        quantity: 7,
        allocations: [
          { warehouseId: newark.id, quantity: 3 },
          { warehouseId: singapore.id, quantity: 4 },
        ],
      },
    ]);
    expect((await http().get(`/inventory/reservations/${orderId}`)).data.items).toEqual(res.data.items);
    expect((await stockByWarehouse(db, product.id)).warehouses).toEqual([
      { warehouseId: 1, onHand: 4, reserved: 0 },
      { warehouseId: newark.id, onHand: 3, reserved: 3 },
      { warehouseId: singapore.id, onHand: 5, reserved: 4 },
    ]);
  });

  it('commits and releases in the warehouses the stock was held in', async () => {
    const product = await spread(2, 2, 2);
    const [shipped, cancelled] = await createOrders(db, 2);
    for (const orderId of [shipped, cancelled]) {
      const body = { orderId, items: [{ productId: product.id, quantity: 3 }], destinationCountry: 'SG' };
      expect((await http().post('/inventory/reservations', body)).status).toBe(201);
    }
    expect((await http().post(`/inventory/reservations/${shipped}/commit`)).status).toBe(200);
    expect((await http().delete(`/inventory/reservations/${cancelled}`)).status).toBe(204);
    const after = await stockByWarehouse(db, product.id);
    expect(after.warehouses.reduce((sum, w) => sum + w.reserved, 0)).toBe(0);
    expect(after.totals).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('answers 409 naming each short line, with what the whole network has, and holds nothing', async () => {
    const a = await spread(1, 1, 1);
    const b = await spread(5, 0, 0);
    const [orderId] = await createOrders(db, 1);
    const res = await http().post('/inventory/reservations', {
      orderId,
      items: [
        { productId: a.id, quantity: 4 },
        { productId: b.id, quantity: 5 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.data.items).toEqual([{ productId: a.id, requested: 4, available: 3 }]);
    expect((await stockByWarehouse(db, b.id)).totals).toMatchObject({ reserved: 0 });
  });

  it('never oversells a warehouse when 60 orders race for stock spread across three, totals always the sum', async () => {
    const a = await spread(20, 15, 10);
    const b = await spread(10, 10, 10);
    const orderIds = await createOrders(db, 60);
    const countries = ['NL', 'US', 'SG', 'FR'];
    const results = await Promise.all(
      orderIds.map((orderId, i) =>
        http().post('/inventory/reservations', {
          orderId,
          items: [
            { productId: a.id, quantity: 1 + (i % 3) },
            { productId: b.id, quantity: 1 },
          ],
          destinationCountry: countries[i % 4],
        }),
      ),
    );
    expect(results.every((res) => res.status === 201 || res.status === 409)).toBe(true);
    const confirmed = results.filter((res) => res.status === 201).map((res) => res.data);
    expect(confirmed.length).toBeGreaterThan(0);
    for (const product of [a, b]) {
      const { warehouses, totals } = await stockByWarehouse(db, product.id);
      for (const w of warehouses) expect(w.reserved).toBeLessThanOrEqual(w.onHand);
      expect(totals.reserved).toBe(warehouses.reduce((sum, w) => sum + w.reserved, 0));
      expect(totals.onHand).toBe(warehouses.reduce((sum, w) => sum + w.onHand, 0));
      // What each warehouse holds is exactly what the confirmed answers say was allocated there.
      for (const w of warehouses) {
        const allocated = confirmed
          .flatMap((r) => r.items)
          .filter((item: { productId: number }) => item.productId === product.id)
          .flatMap(
            (item: { allocations: Array<{ warehouseId: number; quantity: number }> }) => item.allocations,
          )
          .filter((alloc: { warehouseId: number }) => alloc.warehouseId === w.warehouseId)
          .reduce((sum: number, alloc: { quantity: number }) => sum + alloc.quantity, 0);
        expect({ warehouse: w.warehouseId, reserved: w.reserved }).toEqual({
          warehouse: w.warehouseId,
          reserved: allocated,
        });
      }
    }
    // b has 30 in all, one per order: the network is exhausted, not oversold.
    expect(confirmed.length).toBeLessThanOrEqual(30);
  });
});
