// Pages on other origins (dashboards) calling the graph and the REST routes:
// real preflights and cross-origin requests, as a browser sends them, with
// API keys on. Allowed origins are answered and may read the answer; others
// get no CORS headers, and the graph's CSRF guard stays on for them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seed, WIDGET } from '@supply/test-support/catalogue';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { httpClient } from '@supply/test-support/http';
import { type System, startSystem } from '@supply/test-support/system';
import { subgraphEnv } from './harness.ts';

const KEY = 'key-reader-cors';
const LOCAL_PAGE = 'http://127.0.0.1:9000';
const QUERY = { query: `{ product(id: ${WIDGET}) { sku } }` };

let system: System;
let gateway: StartedGateway;

beforeAll(async () => {
  system = await startSystem({
    seed,
    gateway: true,
    env: { API_KEYS: `${KEY}:reader`, SERVICE_API_KEY: 'service-key-cors' },
  });
  gateway = system.gateway!;
});

afterAll(async () => {
  await system?.stop();
});

/** The preflight a browser sends before Apollo Client's POST /graphql with a key. */
function preflight(baseUrl: string, origin: string, path = '/graphql', method = 'POST') {
  return httpClient(baseUrl, {
    origin,
    'access-control-request-method': method,
    'access-control-request-headers': 'content-type,authorization,apollo-require-preflight,traceparent',
  }).options(path);
}

const headerList = (value: unknown) =>
  String(value)
    .toLowerCase()
    .split(/\s*,\s*/);

describe('the graph called from an allowed origin', () => {
  it('answers the preflight 204 without a key, with the headers Apollo Client and keys need', async () => {
    const res = await preflight(gateway.url, LOCAL_PAGE);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(LOCAL_PAGE);
    expect(headerList(res.headers['access-control-allow-methods'])).toContain('post');
    expect(headerList(res.headers['access-control-allow-headers'])).toEqual(
      expect.arrayContaining([
        'content-type',
        'authorization',
        'apollo-require-preflight',
        'x-apollo-operation-name',
        'traceparent',
      ]),
    );
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(headerList(res.headers.vary)).toContain('origin');
  });

  it('lets the page read the answer to a query with a key', async () => {
    const res = await httpClient(gateway.url, { origin: LOCAL_PAGE, authorization: `Bearer ${KEY}` }).post(
      '/graphql',
      QUERY,
    );
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ data: { product: { sku: 'WID-1' } } });
    expect(res.headers['access-control-allow-origin']).toBe(LOCAL_PAGE);
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(headerList(res.headers['access-control-expose-headers'])).toContain('x-request-id');
  });

  it('lets the page read the 401 to a query without a key', async () => {
    const res = await httpClient(gateway.url, { origin: LOCAL_PAGE }).post('/graphql', QUERY);
    expect(res.status).toBe(401);
    expect(res.data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.headers['access-control-allow-origin']).toBe(LOCAL_PAGE);
  });
});

describe('the graph called from an origin not allowed', () => {
  it('sends no CORS headers on the preflight or the answer, and keeps the same-origin policy', async () => {
    const pre = await preflight(gateway.url, 'https://evil.example');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(headerList(pre.headers.vary)).toContain('origin');
    const res = await httpClient(gateway.url, {
      origin: 'https://evil.example',
      authorization: `Bearer ${KEY}`,
    }).post('/graphql', QUERY);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('keeps refusing a request a browser sends without a preflight (CSRF prevention)', async () => {
    const res = await httpClient(gateway.url, {
      origin: LOCAL_PAGE,
      authorization: `Bearer ${KEY}`,
      'content-type': 'text/plain',
    }).post('/graphql', JSON.stringify(QUERY));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.data)).toMatch(/CSRF/i);
  });

  it('allows only CORS_ORIGINS when it is set', async () => {
    const listed = await startGateway({ ...subgraphEnv(system), CORS_ORIGINS: 'https://ops.example.com' });
    try {
      const allowed = await preflight(listed.url, 'https://ops.example.com');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://ops.example.com');
      const local = await preflight(listed.url, LOCAL_PAGE);
      expect(local.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await listed.close();
    }
  });
});

describe('the REST routes called from an allowed origin', () => {
  it('answer the preflight for a conditional write and let the page read the answer', async () => {
    const pre = await preflight(system.inventory.url, LOCAL_PAGE, `/inventory/${WIDGET}`, 'PUT');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(LOCAL_PAGE);
    expect(headerList(pre.headers['access-control-allow-methods'])).toContain('put');
    const res = await httpClient(system.inventory.url, {
      origin: LOCAL_PAGE,
      authorization: `Bearer ${KEY}`,
    }).get(`/inventory/${WIDGET}`);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(LOCAL_PAGE);
    expect(headerList(res.headers['access-control-expose-headers'])).toContain('etag');
  });
});
