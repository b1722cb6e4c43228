// Webhooks end to end: the whole system, a real receiver that fails, hangs and
// recovers, and every request verified with the standardwebhooks library.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { GIZMO, seed, WIDGET, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { type StartedService, startService } from '@supply/test-support/services';
import { type System, startSystem } from '@supply/test-support/system';
import { startWebhookReceiver, type WebhookReceiver } from '@supply/test-support/webhook-receiver';
import type { AxiosInstance } from 'axios';
import { buildApp } from '../src/app.ts';
import { checkEndpointUrl } from '../src/webhook-urls.ts';

const ORDER_EVENTS = [
  'order.confirmed',
  'order.failed',
  'order.cancelled',
  'order.partially_shipped',
  'order.shipped',
  'order.delivered',
];
let system: System;
let crm: AxiosInstance;
let receiver: WebhookReceiver;

beforeAll(async () => {
  system = await startSystem({ seed, env: { WEBHOOK_RETRY_SCHEDULE: '1,1,1' } });
  crm = httpClient(system.crm.url);
});

afterEach(async () => {
  await receiver?.close();
  await system.db.query('DELETE FROM webhook_endpoints');
});

afterAll(async () => {
  await system?.stop();
});

/** A receiver and an endpoint registered for it with these events. */
async function subscribe(events: string[]): Promise<{ id: number; secret: string }> {
  receiver = await startWebhookReceiver();
  const res = await crm.post('/webhooks/endpoints', { url: receiver.url, events, description: 'test CRM' });
  expect(res.status).toBe(201);
  receiver.secret = res.data.secret;
  return res.data;
}

async function placeOrder(): Promise<{ id: number; shipment: { id: number } }> {
  const res = await crm.post('/orders', {
    customerId: WITH_ADDRESS,
    items: [{ productId: GIZMO, quantity: 1 }],
  });
  expect(res.status).toBe(201);
  return res.data;
}

describe('webhook endpoints', () => {
  it('answers 201 with a whsec_ secret shown only then, lists and removes the endpoint', async () => {
    const created = await subscribe(['order.shipped']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = await crm.get('/webhooks/endpoints');
    expect(listed.data.items).toEqual([
      expect.objectContaining({ id: created.id, events: ['order.shipped'] }),
    ]);
    expect(listed.data.items[0].secret).toBeUndefined();
    expect((await crm.delete(`/webhooks/endpoints/${created.id}`)).status).toBe(204);
    expect((await crm.delete(`/webhooks/endpoints/${created.id}`)).status).toBe(404);
  });

  it('is for admins only', async () => {
    const guarded = await startService({
      name: 'crm-api',
      databaseUrl: system.db.url,
      build: buildApp,
      env: { API_KEYS: 'writer-key:writer,admin-key:admin', SERVICE_API_KEY: 'service-key' },
    });
    try {
      const as = (key: string) => httpClient(guarded.url, { Authorization: `Bearer ${key}` });
      const body = { url: 'https://crm.example.com/hooks', events: ['stock.low'] };
      expect((await as('writer-key').post('/webhooks/endpoints', body)).status).toBe(403);
      expect((await as('writer-key').get('/webhooks/endpoints')).status).toBe(403);
      expect((await as('writer-key').post('/webhooks/deliveries/1/retry')).status).toBe(403);
      expect((await as('admin-key').post('/webhooks/endpoints', body)).status).toBe(201);
    } finally {
      await guarded.close();
    }
  });

  it('answers 400 for an event it does not know or a URL that is not http', async () => {
    const unknown = await crm.post('/webhooks/endpoints', {
      url: 'https://crm.example.com',
      events: ['order.lost'],
    });
    expect(unknown.status).toBe(400);
    const ftp = await crm.post('/webhooks/endpoints', {
      url: 'ftp://crm.example.com',
      events: ['stock.low'],
    });
    expect(ftp.status).toBe(400);
  });

  it('in production takes only https URLs whose every address is public', async () => {
    for (const url of [
      'http://8.8.8.8/hooks',
      'https://127.0.0.1/hooks',
      'https://localhost/hooks',
      'https://10.1.2.3/hooks',
      'https://169.254.169.254/latest',
      'https://[::1]/hooks',
      'https://[::ffff:192.168.0.1]/hooks',
    ]) {
      await expect(checkEndpointUrl(url, true)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    await expect(checkEndpointUrl('https://8.8.8.8/hooks', true)).resolves.toBeUndefined();
  });
});

describe('events', () => {
  it("deliver an order's whole life in order, each signed and verified by the library, a failing receiver holding the rest back", async () => {
    await subscribe([...ORDER_EVENTS, 'stock.low']);
    receiver.mode = 'fail';
    const order = await placeOrder();
    const logistics = httpClient(system.logistics.url);
    expect((await logistics.patch(`/shipments/${order.shipment.id}`, { status: 'in_transit' })).status).toBe(
      200,
    );
    expect((await logistics.patch(`/shipments/${order.shipment.id}`, { status: 'delivered' })).status).toBe(
      200,
    );
    const ofOrder = () => receiver.received.filter((r) => r.body.type.startsWith('order.'));
    await waitFor(async () => ofOrder().length >= 2, 'a retry of the first event');
    receiver.mode = 'ok';
    const accepted = () => ofOrder().filter((r) => r.answered === 'ok');
    await waitFor(async () => accepted().length >= 3, 'three order events accepted');
    // While the first was refused, nothing after it was sent.
    expect(
      ofOrder()
        .filter((r) => r.answered === 'fail')
        .every((r) => r.body.type === 'order.confirmed'),
    ).toBe(true);
    expect(accepted().map((r) => r.body.type)).toEqual([
      'order.confirmed',
      'order.shipped',
      'order.delivered',
    ]);
    for (const r of ofOrder()) {
      expect(r.verified).toBe(true);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.body.data).toMatchObject({ id: order.id, customerId: WITH_ADDRESS });
    }
    // The order's own answer, as REST gives it.
    const read = await httpClient(system.orders.url).get(`/supply-orders/${order.id}`);
    expect(Object.keys(accepted()[0]!.body.data!)).toEqual(Object.keys(read.data));
  });

  it('sends stock.low when available stock falls to the reorder point', async () => {
    await subscribe(['stock.low']);
    const inventory = httpClient(system.inventory.url);
    // Widget: 10 in stock, reorder point 2.
    const res = await inventory.post(`/inventory/${WIDGET}/adjustments`, { delta: -8, reason: 'counted' });
    expect(res.status).toBe(200);
    await waitFor(async () => receiver.received.length > 0, 'stock.low');
    expect(receiver.received[0]).toMatchObject({
      verified: true,
      body: { type: 'stock.low', data: { productId: WIDGET } },
    });
  });

  it('sends return.received with the return as GET /returns/:id answers it', async () => {
    await subscribe(['return.received']);
    const orders = httpClient(system.orders.url);
    const order = await placeOrder();
    const logistics = httpClient(system.logistics.url);
    for (const status of ['in_transit', 'delivered']) {
      expect((await logistics.patch(`/shipments/${order.shipment.id}`, { status })).status).toBe(200);
    }
    await waitFor(
      async () => (await orders.get(`/supply-orders/${order.id}`)).data.status === 'delivered',
      'the order to be delivered',
    );
    const items = [{ productId: GIZMO, quantity: 1 }];
    const created = await orders.post(`/supply-orders/${order.id}/returns`, { items, reason: 'Not needed' });
    expect((await orders.post(`/returns/${created.data.id}/receive`)).status).toBe(200);
    await waitFor(async () => receiver.received.length > 0, 'return.received');
    expect(receiver.received[0]).toMatchObject({
      verified: true,
      body: { type: 'return.received', data: { id: created.data.id, orderId: order.id, status: 'received' } },
    });
  });
});

describe('delivery', () => {
  it('retries a receiver that fails and hangs with the same webhook-id, until it recovers', async () => {
    const endpoint = await subscribe(['order.confirmed']);
    receiver.mode = 'fail';
    await placeOrder();
    await waitFor(async () => receiver.received.length === 1, 'the first attempt');
    receiver.mode = 'hang';
    await waitFor(async () => receiver.received.length === 2, 'the second attempt', 5_000);
    receiver.mode = 'ok';
    // The hung attempt ends after 10 s; the next, a second later, is answered.
    await waitFor(async () => receiver.received.length === 3, 'the third attempt', 15_000);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const deliveries = await waitFor(async () => {
      const res = await crm.get(`/webhooks/endpoints/${endpoint.id}/deliveries`);
      return res.data.items[0]?.status === 'delivered' && res.data.items;
    }, 'delivered');
    expect(deliveries[0]).toMatchObject({
      type: 'order.confirmed',
      attempts: 3,
      lastStatus: 204,
      nextAttemptAt: null,
    });
  }, 30_000);

  it('marks a delivery failed after the last attempt, and sends it again when retried', async () => {
    const endpoint = await subscribe(['order.confirmed']);
    receiver.mode = 'fail';
    await placeOrder();
    const failed = await waitFor(async () => {
      const res = await crm.get(`/webhooks/endpoints/${endpoint.id}/deliveries`);
      return res.data.items[0]?.status === 'failed' && res.data.items[0];
    }, 'failed after four attempts');
    expect(failed).toMatchObject({ attempts: 4, lastStatus: 500 });
    expect(receiver.received).toHaveLength(4);
    receiver.mode = 'ok';
    const retried = await crm.post(`/webhooks/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    await waitFor(async () => receiver.received.at(-1)?.answered === 'ok', 'the retry');
  });

  it('disables an endpoint that has failed for five days', async () => {
    const endpoint = await subscribe(['order.confirmed']);
    receiver.mode = 'fail';
    await system.db.query(
      "UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1",
      [endpoint.id],
    );
    await placeOrder();
    await waitFor(async () => receiver.received.length === 1, 'one attempt');
    const listed = await waitFor(async () => {
      const res = await crm.get('/webhooks/endpoints');
      // undefined, not null, until it is disabled: waitFor keeps waiting on undefined.
      return res.data.items[0]?.disabledAt ? res.data.items[0] : undefined;
    }, 'the endpoint disabled');
    expect(listed.id).toBe(endpoint.id);
    // Nothing more is sent to it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(receiver.received).toHaveLength(1);
  });

  it('never sends one delivery from two replicas at once', async () => {
    let second: StartedService | undefined;
    try {
      second = await startService({ name: 'crm-api', databaseUrl: system.db.url, build: buildApp });
      await subscribe(['stock.low']);
      // Longer than a sweep's interval: the other replica sweeps while each send is in flight.
      receiver.delayMs = 1_500;
      // Forty events at once, as inventory's trigger writes them.
      await system.db.query(
        `INSERT INTO webhook_events (type, subject_id, data) SELECT 'stock.low', n, '{}' FROM generate_series(1, 40) n`,
      );
      await waitFor(async () => new Set(receiver.received.map((r) => r.id)).size === 40, 'forty events');
      expect(receiver.maxConcurrentPerId).toBe(1);
    } finally {
      await second?.close();
    }
  });
});
