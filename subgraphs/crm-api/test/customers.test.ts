import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { buildApp } from '../src/app.ts';

let db: TestDatabase;
let crm: StartedService;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(
    `INSERT INTO customers (id, name, email, address_line1, address_city, address_postal_code, address_country)
     VALUES (1, 'Ada Lovelace', 'ada@example.com', '12 St James''s Square', 'London', 'SW1Y 4JH', 'GB')`,
  );
  crm = await startService({ name: 'crm-api', databaseUrl: db.url, build: buildApp });
});

afterAll(async () => {
  await crm?.close();
  await db?.drop();
});

describe('GET /customers/:id', () => {
  it('answers 200 with the customer and its address', async () => {
    const res = await httpClient(crm.url).get('/customers/1');
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      id: 1,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      address: { line1: "12 St James's Square", city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
    });
  });

  it('answers a 404 problem for a customer that does not exist', async () => {
    const res = await httpClient(crm.url).get('/customers/999');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.data).toMatchObject({ status: 404, title: 'Not found', code: 'NOT_FOUND' });
    expect(res.data.type).toEqual(expect.any(String));
    expect(res.data.detail).toEqual(expect.any(String));
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999'])('answers 400 naming the field for id %p', async (id) => {
    const res = await httpClient(crm.url).get(`/customers/${id}`);
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
  });
});

describe('the HTTP front matter', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const res = await httpClient(crm.url).get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers malformed JSON with 400 and a body over 1 MiB with 413', async () => {
    const http = httpClient(crm.url, { 'content-type': 'application/json' });
    const malformed = await http.post('/customers', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.data).toMatchObject({ status: 400, detail: 'Malformed JSON in the request body' });
    const huge = await http.post('/customers', JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }));
    expect(huge.status).toBe(413);
    expect(huge.data).toMatchObject({ status: 413 });
  });

  it('answers a path with bad percent-encoding with 400', async () => {
    const res = await httpClient(crm.url).get('/customers/%zz');
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ status: 400, detail: 'The request path holds bad percent-encoding' });
  });

  it('answers the same errors in GraphQL form at /graphql', async () => {
    const http = httpClient(crm.url, { 'content-type': 'application/json' });
    const malformed = await http.post('/graphql', '{"query": ');
    expect(malformed.status).toBe(400);
    expect(malformed.data).toEqual({
      errors: [{ message: 'Malformed JSON in the request body', extensions: { code: 'BAD_USER_INPUT' } }],
    });
  });

  it('keeps a caller-supplied request id and makes one up otherwise', async () => {
    const given = await httpClient(crm.url, { 'x-request-id': 'abc-123' }).get('/healthz');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await httpClient(crm.url).get('/healthz');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is not ready while order-service does not answer, and names it', async () => {
    // This test starts no order-service: the default URL answers nothing.
    const res = await httpClient(crm.url).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.data).toMatchObject({ status: 'unavailable', checks: { database: 'ok' } });
    expect(res.data.reason).toMatch(/^order-service: /);
  });
});

describe('GraphQL customer(id)', () => {
  it('answers the customer', async () => {
    const { body } = await graphql(crm.url, '{ customer(id: 1) { id name email address { country } } }');
    expect(body).toEqual({
      data: {
        customer: { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', address: { country: 'GB' } },
      },
    });
  });

  it('answers null for a customer that does not exist', async () => {
    const { body } = await graphql(crm.url, '{ customer(id: 999) { id } }');
    expect(body).toEqual({ data: { customer: null } });
  });

  it('answers BAD_USER_INPUT for an id that is not a positive integer', async () => {
    const { body } = await graphql(crm.url, '{ customer(id: "x") { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
