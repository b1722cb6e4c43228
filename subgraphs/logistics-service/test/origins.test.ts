// Shipments leave from a warehouse: one live shipment per order and origin,
// each leg priced from the origin's country to the destination's, and an
// order's shipments cancelled all or none.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { httpClient } from '@supply/test-support/http';
import { freePort } from '@supply/test-support/network';
import type { StartedService } from '@supply/test-support/services';
import { booking, newOrder, seedCustomer, startLogistics } from './fixtures.ts';

const MAIN = 1; // no address: ships as from the US
const BERLIN = 2;

let db: TestDatabase;
let logistics: StartedService;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCustomer(db);
  await db.query(
    `INSERT INTO warehouses (id, code, name, address_line1, address_city, address_postal_code, address_country)
     VALUES (${BERLIN}, 'BER', 'Berlin', 'Am Borsigturm 1', 'Berlin', '13507', 'DE')`,
  );
  // Nothing listens there: reports queue up and are retried in the background.
  logistics = await startLogistics(db, {}, { ORDER_SERVICE_URL: `http://127.0.0.1:${await freePort()}` });
  http = httpClient(logistics.url);
});

afterAll(async () => {
  await logistics?.close();
  await db?.drop();
});

describe('POST /shipments from an origin warehouse', () => {
  it('books one live shipment per origin, the domestic leg priced as domestic, and answers a repeat with it', async () => {
    const orderId = await newOrder(db);
    const fromBerlin = await http.post('/shipments', booking(orderId, { originWarehouseId: BERLIN }));
    const fromMain = await http.post('/shipments', booking(orderId));
    expect(fromBerlin.status).toBe(201);
    expect(fromMain.status).toBe(201);
    // 1.6 kg to Berlin: within Germany, and from the US.
    expect(fromBerlin.data).toMatchObject({
      originWarehouseId: BERLIN,
      carrier: 'Parcelink Ground',
      costCents: 599 + 2 * 99,
    });
    expect(fromMain.data).toMatchObject({
      originWarehouseId: MAIN,
      carrier: 'GlobePost',
      costCents: 1899 + 2 * 399,
    });
    const again = await http.post('/shipments', booking(orderId, { originWarehouseId: BERLIN }));
    expect(again.status).toBe(200);
    expect(again.data.id).toBe(fromBerlin.data.id);
  });

  it('answers 404 for a warehouse that does not exist, and 400 for a bad id', async () => {
    const orderId = await newOrder(db);
    const missing = await http.post('/shipments', booking(orderId, { originWarehouseId: 999 }));
    expect(missing.status).toBe(404);
    expect(missing.data.detail).toMatch(/Warehouse 999/);
    expect((await http.post('/shipments', booking(orderId, { originWarehouseId: 0 }))).status).toBe(400);
  });
});

describe('POST /shipments/cancellations', () => {
  it('cancels every live shipment of the order, and again changes nothing', async () => {
    const orderId = await newOrder(db);
    await http.post('/shipments', booking(orderId, { originWarehouseId: BERLIN }));
    await http.post('/shipments', booking(orderId));
    const res = await http.post('/shipments/cancellations', { orderId });
    expect(res.status).toBe(200);
    expect(res.data.items.map((s: { status: string }) => s.status)).toEqual(['cancelled', 'cancelled']);
    const again = await http.post('/shipments/cancellations', { orderId });
    expect(again.data).toEqual(res.data);
  });

  it('cancels none when one has moved: 409 naming it', async () => {
    const orderId = await newOrder(db);
    const moving = (await http.post('/shipments', booking(orderId, { originWarehouseId: BERLIN }))).data;
    const waiting = (await http.post('/shipments', booking(orderId))).data;
    expect((await http.patch(`/shipments/${moving.id}`, { status: 'in_transit' })).status).toBe(200);
    const res = await http.post('/shipments/cancellations', { orderId });
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({ shipmentId: moving.id, currentStatus: 'in_transit' });
    expect((await http.get(`/shipments/${waiting.id}`)).data.status).toBe('label_created');
  });

  it('never leaves a shipment moved and its sibling cancelled when a move races the cancellation', async () => {
    for (let round = 0; round < 5; round++) {
      const orderId = await newOrder(db);
      const first = (await http.post('/shipments', booking(orderId, { originWarehouseId: BERLIN }))).data;
      await http.post('/shipments', booking(orderId));
      await Promise.all([
        http.patch(`/shipments/${first.id}`, { status: 'in_transit' }),
        http.post('/shipments/cancellations', { orderId }),
      ]);
      const { rows } = await db.query<{ status: string }>(
        'SELECT status FROM shipments WHERE order_id = $1 ORDER BY id',
        [orderId],
      );
      const statuses = rows.map((row) => row.status);
      expect([
        ['cancelled', 'cancelled'],
        ['in_transit', 'label_created'],
      ]).toContainEqual(statuses);
    }
  });
});
