// What a subgraph keeps to itself whoever reaches it: its SDL where
// introspection is off, and any role to a caller it could not identify.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireRole } from '@supply/service-kit/auth';
import { loadConfig } from '@supply/service-kit/config';
import { Unauthenticated } from '@supply/service-kit/errors';
import { mountSubgraph } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp, listen, type RunningServer } from '@supply/service-kit/http';
import { createLogger } from '@supply/service-kit/logger';
import { graphql } from '@supply/test-support/http';

const servers: RunningServer[] = [];

async function subgraph(introspection: boolean): Promise<string> {
  const config = loadConfig('test', 0, { NODE_ENV: 'test' });
  const logger = createLogger('test', 'silent');
  const app = createHttpApp({ config, logger, readiness: [] });
  const typeDefs = 'type Query { hello: String }';
  const server = await mountSubgraph(app, {
    typeDefs,
    resolvers: { Query: { hello: () => 'hi' } },
    logger,
    introspection,
    context: async () => ({}),
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
  [closed, open] = await Promise.all([subgraph(false), subgraph(true)]);
});

afterAll(async () => {
  for (const server of servers) await server.close();
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

describe('requireRole', () => {
  it('refuses a caller outside any request, instead of taking it for open mode', () => {
    expect(() => requireRole('reader')).toThrow(Unauthenticated);
  });
});
