import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { BAD_AFTER_ERROR, graphql, httpClient } from '@supply/test-support/http';
import { BACKGROUND_SQL, type StartedService, startService } from '@supply/test-support/services';
import type { AxiosInstance } from 'axios';
import { buildApp } from '../src/app.ts';

let db: TestDatabase;
let crm: StartedService;
let http: AxiosInstance;

const ada = {
  name: 'Ada Lovelace',
  email: 'Ada@Example.com',
  phone: '+44 20 7946 0958',
  company: 'Analytical Engines Ltd',
  address: { line1: "12 St James's Square", city: 'London', postalCode: 'SW1Y 4JH', country: 'gb' },
};

beforeAll(async () => {
  db = await createTestDatabase();
  crm = await startService({ name: 'crm-api', databaseUrl: db.url, build: buildApp });
  http = httpClient(crm.url);
});

afterAll(async () => {
  await crm?.close();
  await db?.drop();
});

beforeEach(async () => {
  await db.query('TRUNCATE customers RESTART IDENTITY CASCADE');
});

describe('POST /customers', () => {
  it('answers 201 with the customer, its Location, and the country uppercased', async () => {
    const res = await http.post('/customers', ada);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/customers/${res.data.id}`);
    expect(res.data).toMatchObject({ ...ada, address: { ...ada.address, country: 'GB' } });
    expect(new Date(res.data.createdAt).getTime()).not.toBeNaN();
  });

  it('accepts a customer with only a name and an email', async () => {
    const res = await http.post('/customers', { name: 'Grace Hopper', email: 'grace@example.com' });
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({ phone: null, company: null, address: null });
  });

  it('answers 409 for an email already in use in another case', async () => {
    expect((await http.post('/customers', ada)).status).toBe(201);
    const res = await http.post('/customers', { ...ada, email: 'ADA@example.COM' });
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({ code: 'CONFLICT', field: 'email' });
  });

  it('lets exactly one of 10 concurrent creations with one email succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => http.post('/customers', { ...ada, name: `Ada ${i}` })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect((await db.query('SELECT count(*)::int AS n FROM customers')).rows[0]?.n).toBe(1);
  });

  it('answers 400 naming each bad field', async () => {
    const res = await http.post('/customers', {
      name: '',
      email: 'not-an-email',
      phone: 'call me',
      address: { line1: 'x', city: 'y', country: 'XX' },
      nickname: 'Ada',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const fields = res.data.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(
      ['nickname', 'address.country', 'address.postalCode', 'email', 'name', 'phone'].sort(),
    );
  });

  it('answers 400 naming the field for text holding a NUL character, which PostgreSQL cannot store', async () => {
    const res = await http.post('/customers', { ...ada, address: { ...ada.address, city: 'Lon\u0000don' } });
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: 'address.city', message: expect.stringMatching(/NUL/) }]);
    const search = await http.get('/customers?search=%00');
    expect(search.status).toBe(400);
    expect(search.data.errors).toEqual([{ field: 'search', message: expect.stringMatching(/NUL/) }]);
  });

  it('answers 400 for a body that is not a JSON object', async () => {
    const res = await http.post('/customers', [1, 2]);
    expect(res.status).toBe(400);
    expect(res.data.errors).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });
});

describe('PATCH /customers/:id', () => {
  it('changes only the given fields and clears the address with null', async () => {
    const { data: created } = await http.post('/customers', ada);
    const res = await http.patch(`/customers/${created.id}`, { company: 'Babbage & Co', address: null });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      name: ada.name,
      email: ada.email,
      company: 'Babbage & Co',
      address: null,
    });
    expect(new Date(res.data.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(created.updatedAt).getTime(),
    );
  });

  it('answers 404 for a customer that does not exist, and 400 for a bad id', async () => {
    expect((await http.patch('/customers/999', { name: 'Nobody' })).status).toBe(404);
    expect((await http.patch('/customers/abc', { name: 'Nobody' })).status).toBe(400);
  });

  it('answers 400 for an empty change and for an unknown field', async () => {
    const { data: created } = await http.post('/customers', ada);
    expect((await http.patch(`/customers/${created.id}`, {})).status).toBe(400);
    const unknown = await http.patch(`/customers/${created.id}`, { id: 7 });
    expect(unknown.status).toBe(400);
  });

  it('answers 409 when the new email belongs to another customer', async () => {
    await http.post('/customers', ada);
    const { data: grace } = await http.post('/customers', {
      name: 'Grace Hopper',
      email: 'grace@example.com',
    });
    const res = await http.patch(`/customers/${grace.id}`, { email: 'ada@example.com' });
    expect(res.status).toBe(409);
  });
});

describe('GET /customers', () => {
  beforeEach(async () => {
    for (const [name, email, company] of [
      ['Ada Lovelace', 'ada@example.com', 'Analytical Engines'],
      ['Grace Hopper', 'grace@navy.example', null],
      ['Alan Turing', 'alan@example.org', 'Bletchley Park'],
      ['Katherine Johnson', 'kj@nasa.example', 'NASA'],
      ['Edsger Dijkstra', 'ewd@example.nl', null],
    ]) {
      await http.post('/customers', { name, email, ...(company && { company }) });
    }
  });

  it('pages forward with a cursor until nextCursor is null', async () => {
    const first = await http.get('/customers', { params: { limit: 2 } });
    expect(first.status).toBe(200);
    expect(first.data.items.map((c: { name: string }) => c.name)).toEqual(['Ada Lovelace', 'Grace Hopper']);
    const second = await http.get('/customers', { params: { limit: 2, cursor: first.data.nextCursor } });
    expect(second.data.items.map((c: { name: string }) => c.name)).toEqual([
      'Alan Turing',
      'Katherine Johnson',
    ]);
    const third = await http.get('/customers', { params: { limit: 2, cursor: second.data.nextCursor } });
    expect(third.data).toEqual({
      items: [expect.objectContaining({ name: 'Edsger Dijkstra' })],
      nextCursor: null,
    });
  });

  it('defaults to 20 items', async () => {
    const res = await http.get('/customers');
    expect(res.data.items).toHaveLength(5);
    expect(res.data.nextCursor).toBeNull();
  });

  it('finds a customer by email in any case', async () => {
    const res = await http.get('/customers', { params: { email: 'GRACE@navy.example' } });
    expect(res.data.items.map((c: { name: string }) => c.name)).toEqual(['Grace Hopper']);
  });

  it('searches name, email and company in any case, with LIKE wildcards taken literally', async () => {
    const byCompany = await http.get('/customers', { params: { search: 'bletchley' } });
    expect(byCompany.data.items.map((c: { name: string }) => c.name)).toEqual(['Alan Turing']);
    const byName = await http.get('/customers', { params: { search: 'OHNS' } });
    expect(byName.data.items.map((c: { name: string }) => c.name)).toEqual(['Katherine Johnson']);
    const wildcard = await http.get('/customers', { params: { search: '%' } });
    expect(wildcard.data.items).toEqual([]);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ cursor: 'bogus' }, 'cursor'],
    [{ cursor: 'c1.MTA=' }, 'cursor'],
    [{ colour: 'red' }, 'colour'],
    [{ search: '' }, 'search'],
  ])('answers 400 for %p', async (params, field) => {
    const res = await http.get('/customers', { params });
    expect(res.status).toBe(400);
    expect(res.data.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('GraphQL', () => {
  it('creates, updates and lists customers', async () => {
    const created = await graphql(
      crm.url,
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id email address { country } } }`,
      { input: ada },
    );
    expect(created.body.errors).toBeUndefined();
    const id = created.body.data.createCustomer.id;
    expect(created.body.data.createCustomer).toEqual({ id, email: ada.email, address: { country: 'GB' } });

    const updated = await graphql(
      crm.url,
      `mutation($id: ID!) { updateCustomer(id: $id, input: { phone: null, name: "Augusta Ada King" }) { name phone } }`,
      { id },
    );
    expect(updated.body).toEqual({ data: { updateCustomer: { name: 'Augusta Ada King', phone: null } } });

    const list = await graphql(
      crm.url,
      '{ customers(first: 1, search: "augusta") { edges { node { id } cursor } pageInfo { hasNextPage endCursor } } }',
    );
    expect(list.body.data.customers).toEqual({
      edges: [{ node: { id }, cursor: expect.any(String) }],
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
  });

  it('answers CONFLICT, NOT_FOUND and BAD_USER_INPUT with the field', async () => {
    await http.post('/customers', ada);
    const mutation = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`;
    const duplicate = await graphql(crm.url, mutation, { input: { name: 'A', email: 'ada@example.com' } });
    expect(duplicate.body.errors[0].extensions.code).toBe('CONFLICT');
    const missing = await graphql(
      crm.url,
      'mutation { updateCustomer(id: 999, input: { name: "X" }) { id } }',
    );
    expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const invalid = await graphql(crm.url, mutation, { input: { name: 'A', email: 'nope' } });
    expect(invalid.body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [{ field: 'email', message: expect.any(String) }],
    });
    const badPage = await graphql(crm.url, '{ customers(first: 500) { edges { cursor } } }');
    expect(badPage.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('reports an `after` it did not issue as BAD_USER_INPUT naming `after`, as every service does', async () => {
    const { body } = await graphql(crm.url, '{ customers(after: "c1.bogus") { edges { cursor } } }');
    expect(body.errors).toEqual([expect.objectContaining(BAD_AFTER_ERROR)]);
  });

  it('resolves 50 Customer references with one SQL statement', async () => {
    await db.query(
      `INSERT INTO customers (name, email) SELECT 'Customer ' || n, 'c' || n || '@example.com' FROM generate_series(1, 50) n`,
    );
    const representations = Array.from({ length: 50 }, (_, i) => ({
      __typename: 'Customer',
      id: String(i + 1),
    }));
    crm.queries.reset();
    const { body } = await graphql(
      crm.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }',
      { r: representations },
    );
    expect(body.data._entities).toHaveLength(50);
    expect(body.data._entities[49]).toEqual({ id: '50', name: 'Customer 50' });
    expect(crm.queries.statements.filter((sql) => !BACKGROUND_SQL.test(sql))).toHaveLength(1);
  });
});
