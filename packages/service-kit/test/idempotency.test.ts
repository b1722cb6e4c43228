// Idempotency-Key on the writes that are one transaction (customers, products,
// stock adjustments) and keys per caller everywhere, orders included: against
// the real services, the gateway and the database, with API keys on.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { count, GADGET, GIZMO, seed, stockOf, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { graphql, httpClient } from '@supply/test-support/http';
import { startService } from '@supply/test-support/services';
import { type System, startSystem } from '@supply/test-support/system';
import type { AxiosInstance } from 'axios';
import { buildApp as buildInventory } from '../../../subgraphs/inventory-service/src/app.ts';

const KEYS = { writer: 'key-writer-idempotency-1', other: 'key-writer-idempotency-2' };
const env = {
  API_KEYS: `${KEYS.writer}:writer,${KEYS.other}:writer`,
  SERVICE_API_KEY: 'key-service-idempotency-1',
};
const as = (url: string, key: string) => httpClient(url, { authorization: `Bearer ${key}` });
// The body as text, so a replay is compared byte for byte.
const keyed = (key: string) => ({ headers: { 'Idempotency-Key': key }, transformResponse: (x: string) => x });

let system: System;
let inventory: AxiosInstance;
let other: AxiosInstance;

beforeAll(async () => {
  system = await startSystem({ seed, gateway: true, env });
  inventory = as(system.inventory.url, KEYS.writer);
  other = as(system.inventory.url, KEYS.other);
});

afterAll(async () => {
  await system?.stop();
});

const received = { delta: 100, reason: 'received' };

describe('POST /inventory/:productId/adjustments with an Idempotency-Key', () => {
  it('counts a retried "+100 received" once and answers the retry with the first answer, byte for byte', async () => {
    const before = await stockOf(system.db, GIZMO);
    const first = await inventory.post(`/inventory/${GIZMO}/adjustments`, received, keyed('adjust-1'));
    const retry = await inventory.post(`/inventory/${GIZMO}/adjustments`, received, keyed('adjust-1'));
    expect(first.status).toBe(200);
    expect([retry.status, retry.data, retry.headers.etag]).toEqual([
      first.status,
      first.data,
      first.headers.etag,
    ]);
    expect((await stockOf(system.db, GIZMO))?.onHand).toBe(before!.onHand + 100);
    expect(await count(system.db, `inventory_adjustments WHERE product_id = $1`, [GIZMO])).toBe(1);
  });

  it('makes one adjustment of many identical requests sent at once', async () => {
    const before = await stockOf(system.db, GADGET);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        inventory.post(`/inventory/${GADGET}/adjustments`, received, keyed('adjust-concurrent')),
      ),
    );
    expect(new Set(answers.map((a) => `${a.status} ${a.data}`)).size).toBe(1);
    expect(answers[0]?.status).toBe(200);
    expect((await stockOf(system.db, GADGET))?.onHand).toBe(before!.onHand + 100);
  });

  it('answers 422 for another body under the same key, and changes nothing', async () => {
    await inventory.post(`/inventory/${WIDGET}/adjustments`, received, keyed('adjust-2'));
    const before = await stockOf(system.db, WIDGET);
    const changed = await inventory.post(
      `/inventory/${WIDGET}/adjustments`,
      { delta: 101, reason: 'received' },
      keyed('adjust-2'),
    );
    expect(changed.status).toBe(422);
    const elsewhere = await inventory.post(`/inventory/${GIZMO}/adjustments`, received, keyed('adjust-2'));
    expect(elsewhere.status).toBe(422);
    expect(await stockOf(system.db, WIDGET)).toEqual(before);
  });

  it('keeps a refusal: the retry is refused the same way even once the stock would allow it', async () => {
    const refused = await inventory.post(
      `/inventory/${WIDGET}/adjustments`,
      { delta: -10_000, reason: 'damaged' },
      keyed('adjust-refused'),
    );
    expect(refused.status).toBe(409);
    await system.db.query('UPDATE inventory SET quantity_on_hand = 20000 WHERE product_id = $1', [WIDGET]);
    const retry = await inventory.post(
      `/inventory/${WIDGET}/adjustments`,
      { delta: -10_000, reason: 'damaged' },
      keyed('adjust-refused'),
    );
    expect([retry.status, JSON.parse(retry.data).detail]).toEqual([409, JSON.parse(refused.data).detail]);
    expect((await stockOf(system.db, WIDGET))?.onHand).toBe(20_000);
  });

  it('gives two callers using one key each their own adjustment', async () => {
    const before = await stockOf(system.db, GIZMO);
    const mine = await inventory.post(`/inventory/${GIZMO}/adjustments`, received, keyed('shared-key'));
    const theirs = await other.post(
      `/inventory/${GIZMO}/adjustments`,
      { delta: 5, reason: 'received' },
      keyed('shared-key'),
    );
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    expect((await stockOf(system.db, GIZMO))?.onHand).toBe(before!.onHand + 105);
  });

  it('uses a key afresh once it is older than 24 hours', async () => {
    await inventory.post(`/inventory/${GIZMO}/adjustments`, received, keyed('adjust-old'));
    await system.db.query(
      `UPDATE idempotent_requests SET created_at = now() - interval '25 hours' WHERE key = 'adjust-old'`,
    );
    const before = await stockOf(system.db, GIZMO);
    const again = await inventory.post(
      `/inventory/${GIZMO}/adjustments`,
      { delta: 7, reason: 'received' },
      keyed('adjust-old'),
    );
    expect(again.status).toBe(200);
    expect((await stockOf(system.db, GIZMO))?.onHand).toBe(before!.onHand + 7);
  });
});

describe('creating customers and products with an Idempotency-Key', () => {
  const customer = { name: 'Retry Once', email: 'retry.once@example.com' };

  it('creates one customer for a retried POST /customers, and answers the retry 201 with the same text', async () => {
    const crm = as(system.crm.url, KEYS.writer);
    const first = await crm.post('/customers', customer, keyed('customer-1'));
    const retry = await crm.post('/customers', customer, keyed('customer-1'));
    expect(first.status).toBe(201);
    expect([retry.status, retry.data, retry.headers.location]).toEqual([
      201,
      first.data,
      first.headers.location,
    ]);
    expect(await count(system.db, `customers WHERE email = $1`, [customer.email])).toBe(1);
    // Another caller's key of the same name is its own: its create runs (and meets the taken email).
    const theirs = await as(system.crm.url, KEYS.other).post('/customers', customer, keyed('customer-1'));
    expect(theirs.status).toBe(409);
  });

  it('creates one product for a retried createProduct through the gateway, and refuses other input under the key', async () => {
    const mutation = `mutation ($input: CreateProductInput!, $key: String) {
      createProduct(input: $input, idempotencyKey: $key) { id sku createdAt inventory { quantityOnHand } } }`;
    const input = { sku: 'RETRY-1', name: 'Retry', unitPriceCents: 100, currency: 'USD', weightGrams: 10 };
    const send = (variables: Record<string, unknown>) =>
      graphql(system.gateway!.url, mutation, variables, { authorization: `Bearer ${KEYS.writer}` });
    const first = await send({ input, key: 'product-1' });
    const retry = await send({ input, key: 'product-1' });
    expect(first.body.data?.createProduct?.id).toBeDefined();
    expect(retry.body).toEqual(first.body);
    expect(await count(system.db, `products WHERE sku = 'RETRY-1'`)).toBe(1);
    const changed = await send({ input: { ...input, name: 'Other' }, key: 'product-1' });
    expect(changed.body.errors?.[0]?.message).toMatch(/different request body/);
  });

  it('adjusts stock once for a retried adjustStock through the gateway', async () => {
    const mutation = `mutation ($key: String) {
      adjustStock(productId: "${GIZMO}", delta: 100, reason: "received", idempotencyKey: $key) { inventory { quantityOnHand } } }`;
    const before = await stockOf(system.db, GIZMO);
    const send = () =>
      graphql(
        system.gateway!.url,
        mutation,
        { key: 'adjust-graph-1' },
        { authorization: `Bearer ${KEYS.writer}` },
      );
    const [first, retry] = [await send(), await send()];
    expect(retry.body).toEqual(first.body);
    expect((await stockOf(system.db, GIZMO))?.onHand).toBe(before!.onHand + 100);
  });
});

describe('order Idempotency-Keys per caller', () => {
  const order = { customerId: WITH_ADDRESS, productId: GIZMO, quantity: 1 };

  it('places one order per caller for one key, and replays each caller its own', async () => {
    const mine = await as(system.crm.url, KEYS.writer).post('/orders', order, keyed('order-shared'));
    const theirs = await as(system.crm.url, KEYS.other).post('/orders', order, keyed('order-shared'));
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(JSON.parse(theirs.data).id).not.toBe(JSON.parse(mine.data).id);
    const replay = await as(system.crm.url, KEYS.other).post('/orders', order, keyed('order-shared'));
    expect(replay.data).toBe(theirs.data);
  });

  it('keeps placeOrder keys through the gateway per caller too', async () => {
    const mutation = `mutation ($key: String) {
      placeOrder(input: { customerId: "${WITH_ADDRESS}", items: [{ productId: "${GIZMO}", quantity: 1 }] }, idempotencyKey: $key) { id } }`;
    const send = (key: string) =>
      graphql(
        system.gateway!.url,
        mutation,
        { key: 'order-graph-shared' },
        { authorization: `Bearer ${key}` },
      );
    const mine = await send(KEYS.writer);
    const theirs = await send(KEYS.other);
    expect(mine.body.data?.placeOrder?.id).toBeDefined();
    expect(theirs.body.data?.placeOrder?.id).not.toBe(mine.body.data?.placeOrder?.id);
    expect((await send(KEYS.writer)).body).toEqual(mine.body);
  });
});

// Last: it stops the system's inventory-service.
describe('a restart', () => {
  it('replays the first answer after the service restarts', async () => {
    const first = await inventory.post(`/inventory/${GIZMO}/adjustments`, received, keyed('adjust-restart'));
    await system.inventory.close();
    const restarted = await startService({
      name: 'inventory-service',
      databaseUrl: system.db.url,
      build: buildInventory,
      env,
    });
    try {
      const before = await stockOf(system.db, GIZMO);
      const retry = await as(restarted.url, KEYS.writer).post(
        `/inventory/${GIZMO}/adjustments`,
        received,
        keyed('adjust-restart'),
      );
      expect([retry.status, retry.data]).toEqual([first.status, first.data]);
      expect(await stockOf(system.db, GIZMO)).toEqual(before);
    } finally {
      await restarted.close();
    }
  });
});
