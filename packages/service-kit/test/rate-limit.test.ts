// Requests per API key, counted in PostgreSQL so replicas share one count:
// past the limit a 429 problem with Retry-After, for that key only; health
// checks and the service key are never counted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { graphql, httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { buildApp } from '../../../subgraphs/inventory-service/src/app.ts';

const KEYS = { a: 'limited-key-a', b: 'limited-key-b', service: 'limited-service-key' };
const env = {
  API_KEYS: `${KEYS.a}:reader,${KEYS.b}:reader`,
  SERVICE_API_KEY: KEYS.service,
  RATE_LIMIT_REQUESTS: '3',
  RATE_LIMIT_WINDOW_SECONDS: '60',
};
const as = (service: { url: string }, key: string) =>
  httpClient(service.url, { authorization: `Bearer ${key}` });

let db: TestDatabase;
let replicas: StartedService[];
let gateway: StartedGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  replicas = await Promise.all(
    [1, 2].map(() => startService({ name: 'inventory-service', databaseUrl: db.url, build: buildApp, env })),
  );
  gateway = await startGateway({
    ...env,
    RATE_LIMIT_REQUESTS: '2',
    DATABASE_URL: db.url,
    INVENTORY_SERVICE_URL: replicas[0]!.url,
  });
});

afterAll(async () => {
  await gateway?.close();
  for (const replica of replicas ?? []) await replica.close();
  await db?.drop();
});

describe('rate limits per API key', () => {
  it('answers 429 problem+json with Retry-After once a key has used its requests on any replica', async () => {
    const [first, second] = replicas as [StartedService, StartedService];
    for (const replica of [first, second, first])
      expect((await as(replica, KEYS.a).get('/products')).status).toBe(200);
    const refused = await as(second, KEYS.a).get('/products');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.data).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
    expect((await as(first, KEYS.b).get('/products')).status).toBe(200);
  });

  it('never counts the health checks or the service key', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await httpClient(replicas[0]!.url).get('/healthz')).status).toBe(200);
      expect((await httpClient(replicas[0]!.url).get('/readyz')).status).toBe(200);
      expect((await as(replicas[0]!, KEYS.service).get('/products')).status).toBe(200);
    }
  });

  it('limits the gateway per key too, answering GraphQL errors with 429 and Retry-After', async () => {
    const headers = { authorization: `Bearer ${KEYS.b}` };
    for (let i = 0; i < 2; i++) {
      expect((await graphql(gateway.url, '{ product(id: 1) { id } }', {}, headers)).status).toBe(200);
    }
    const refused = await httpClient(gateway.url, headers).post('/graphql', {
      query: '{ product(id: 1) { id } }',
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.data.errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
