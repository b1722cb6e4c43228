// A subgraph's own /graphql, reached past the gateway: it answers the service
// key only, and even that key is held to the subgraph's limits, so abuse is a
// 4xx while honest callers (REST and the gateway) are served at the same time.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GADGET, seed, WITH_ADDRESS } from '@supply/test-support/catalogue';
import { graphql, httpClient } from '@supply/test-support/http';
import { type System, startSystem } from '@supply/test-support/system';
import { DASHBOARD, PLACE_ORDER } from './operations.ts';

const READER = 'reader-key-for-side-doors';
const WRITER = 'writer-key-for-side-doors';
const SERVICE_KEY = 'service-key-for-side-doors';
const asService = { authorization: `Bearer ${SERVICE_KEY}` };
const asReader = { authorization: `Bearer ${READER}` };
const asWriter = { authorization: `Bearer ${WRITER}` };
const ORDER = { customerId: WITH_ADDRESS, items: [{ productId: GADGET, quantity: 1 }] };

/** `count` aliased reads of a page of 100 orders in one document. */
const aliasedPages = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `o${i}: orders(first: 100) { edges { node { id } } }`).join(' ')} }`;

const entities = (count: number) => ({
  query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } } }',
  variables: { r: Array.from({ length: count }, (_, i) => ({ __typename: 'Product', id: String(i + 1) })) },
});

/** Every field of an order the orders subgraph serves, with what the others add. */
const FULL_ORDER = `fragment Full on Order {
  ...Flat
  shippingAddress { line1 city postalCode country }
  history { from to reason at }
  items { quantity unitPriceCents lineTotalCents product { id sku name inventory { quantityAvailable } } }
  shipment { id status carrier trackingNumber }
}
fragment Flat on Order { id status serviceLevel totalCents currency failureReason createdAt updatedAt }`;

/**
 * The widest operation the gateway admits: 15 aliases (its limit), each every
 * field of an order and, as deep as the gateway allows, its customer's orders.
 */
const WIDEST = `${FULL_ORDER}
{ ${Array.from(
  { length: 15 },
  (_, i) =>
    `o${i}: orders(first: 1) { edges { node { ...Full customer { name orders(first: 1) { edges { node { ...Flat } } } } } } }`,
).join(' ')} }`;

let system: System;

beforeAll(async () => {
  system = await startSystem({
    seed,
    gateway: true,
    env: { API_KEYS: `${READER}:reader,${WRITER}:writer`, SERVICE_API_KEY: SERVICE_KEY },
  });
});

afterAll(async () => {
  await system?.stop();
});

describe("a subgraph's /graphql", () => {
  it('refuses callers without the service key: 401 without a key, 403 with a caller key', async () => {
    const read = '{ product(id: 1) { id } }';
    expect((await graphql(system.inventory.url, read)).status).toBe(401);
    const reader = await graphql(system.inventory.url, read, {}, asReader);
    expect({ status: reader.status, code: reader.body.errors?.[0]?.extensions?.code }).toEqual({
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it('holds the service key to the length, token and alias limits with a 400', async () => {
    const tooMany = await graphql(system.orders.url, aliasedPages(3_000), {}, asService);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/more than 65536 UTF-16 code units/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    const tokens = await graphql(
      system.orders.url,
      `{ orders { edges { node { ${'id '.repeat(4_100)} } } } }`,
      {},
      asService,
    );
    expect(tokens.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/more that 4000 tokens/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    const aliases = await graphql(system.orders.url, aliasedPages(31), {}, asService);
    expect(aliases.status).toBe(400);
    expect(aliases.body.errors[0]).toMatchObject({
      message: 'Aliases limit of 30 exceeded, found 31.',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('refuses 20,000 entity representations in one fetch with a 400', async () => {
    const { query, variables } = entities(20_000);
    const { status, body } = await graphql(system.inventory.url, query, variables, asService);
    expect(status).toBe(400);
    expect(body.errors[0]).toMatchObject({
      message: 'Entities limit of 5000 representations exceeded, found 20000.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('answers entity fetches within the limit, as the gateway sends them', async () => {
    const { query, variables } = entities(3);
    const { status, body } = await graphql(system.inventory.url, query, variables, asService);
    expect(status).toBe(200);
    expect(body.data._entities.map((product: { id: string } | null) => product?.id)).toEqual(['1', '2', '3']);
  });

  it('leaves room for what the gateway sends for the widest operation it admits', async () => {
    const placed = await graphql(system.gateway?.url ?? '', PLACE_ORDER, { input: ORDER }, asWriter);
    expect(placed.body.errors).toBeUndefined();
    const { status, body } = await graphql(system.gateway?.url ?? '', WIDEST, {}, asReader);
    expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
    expect(body.data.o14.edges[0].node.customer.orders.edges).toHaveLength(1);
  });

  it('refuses abuse in parallel while REST and the gateway keep serving honest callers', async () => {
    const abuse = Array.from({ length: 6 }, (_, i) =>
      i % 2 === 0
        ? graphql(system.orders.url, aliasedPages(3_000), {}, asService)
        : graphql(system.crm.url, aliasedPages(400).replaceAll('orders', 'customers'), {}, asService),
    );
    const honest = [
      httpClient(system.inventory.url, asReader).get(`/inventory/${GADGET}`),
      graphql(system.gateway?.url ?? '', DASHBOARD, { first: 5 }, asReader),
    ];
    const [refused, [stock, dashboard]] = await Promise.all([Promise.all(abuse), Promise.all(honest)]);
    for (const answer of refused) expect(answer.status).toBe(400);
    expect(stock?.status).toBe(200);
    expect(dashboard).toMatchObject({ status: 200, body: { data: { orders: expect.anything() } } });
  });
});
