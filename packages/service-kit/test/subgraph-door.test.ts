// What a subgraph keeps to itself whoever reaches it: its SDL where
// introspection is off, more statements than a request's budget, and any role
// to a caller it could not identify.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireRole } from '@supply/service-kit/auth';
import { loadConfig } from '@supply/service-kit/config';
import { type Database, openDatabase } from '@supply/service-kit/database';
import { Unauthenticated } from '@supply/service-kit/errors';
import { mountSubgraph } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp, listen, type RunningServer } from '@supply/service-kit/http';
import { createLogger } from '@supply/service-kit/logger';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql } from '@supply/test-support/http';

const servers: RunningServer[] = [];

let testDb: TestDatabase;
let db: Database;

/** `reads(n)` sends n statements, one after another, through Prisma and the prepared reads in turn. */
async function reads(n: number): Promise<number> {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) await db.prisma.$queryRaw`SELECT 1`;
    else await db.read({ text: 'SELECT 1' }, []);
  }
  return n;
}

async function subgraph(introspection: boolean): Promise<string> {
  const config = loadConfig('test', 0, { NODE_ENV: 'test' });
  const logger = createLogger('test', 'silent');
  const app = createHttpApp({ config, logger, readiness: [] });
  const typeDefs = 'type Query { hello: String reads(n: Int!): Int } type Mutation { writes(n: Int!): Int }';
  const server = await mountSubgraph(app, {
    typeDefs,
    resolvers: {
      Query: { hello: () => 'hi', reads: (_: unknown, { n }: { n: number }) => reads(n) },
      Mutation: { writes: (_: unknown, { n }: { n: number }) => reads(n) },
    },
    logger,
    introspection,
    context: async () => ({}),
    statementBudget: 3,
  });
  const running = await listen(finishApp(app, logger), 0, '127.0.0.1');
  servers.push({
    ...running,
    close: async () => {
      await running.close();
      await server.stop();
    },
  });
  return running.url;
}

let closed: string;
let open: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = openDatabase({ url: testDb.url, poolSize: 2, logger: createLogger('test', 'silent') });
  [closed, open] = await Promise.all([subgraph(false), subgraph(true)]);
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await db?.close();
  await testDb?.drop();
});

describe('a subgraph', () => {
  it('refuses `_service { sdl }` where introspection is off, and serves it where it is on', async () => {
    const refused = await graphql(closed, '{ _service { sdl } }');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      message: '_service is not served: introspection is off',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect((await graphql(closed, '{ hello }')).body).toEqual({ data: { hello: 'hi' } });
    expect((await graphql(open, '{ _service { sdl } }')).body.data._service.sdl).toContain('hello');
  });
});

describe("a subgraph request's statement budget", () => {
  it('answers within it, refuses the statements past it, and leaves work outside requests alone', async () => {
    expect((await graphql(open, '{ reads(n: 3) }')).body).toEqual({ data: { reads: 3 } });
    // Three Prisma statements and two prepared reads: the fourth is refused.
    const over = await graphql(open, '{ reads(n: 5) }');
    expect(over.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/more database statements than one request may send/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    // Each request has its own budget, and a sweep (no request) has none.
    expect((await graphql(open, '{ reads(n: 3) }')).body).toEqual({ data: { reads: 3 } });
    expect(await reads(10)).toBe(10);
  });

  it('holds no mutation to it: its statements are its own work, not a read fanning out', async () => {
    expect((await graphql(open, 'mutation { writes(n: 10) }')).body).toEqual({ data: { writes: 10 } });
  });
});

describe('requireRole', () => {
  it('refuses a caller outside any request, instead of taking it for open mode', () => {
    expect(() => requireRole('reader')).toThrow(Unauthenticated);
  });
});
