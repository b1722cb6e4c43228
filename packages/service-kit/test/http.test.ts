import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@supply/service-kit/config';
import { createHttpApp, finishApp, listen, type RunningServer } from '@supply/service-kit/http';
import { createLogger } from '@supply/service-kit/logger';
import { httpClient } from '@supply/test-support/http';

let server: RunningServer;

beforeAll(async () => {
  const config = loadConfig('test', 0, {
    API_KEYS: 'r:reader,a:admin',
    SERVICE_API_KEY: 's',
    NODE_ENV: 'test',
  });
  const logger = createLogger('test', 'silent');
  const app = createHttpApp({
    config,
    logger,
    readiness: [],
    access: (req) => (req.path.startsWith('/internal') ? 'admin' : 'reader'),
  });
  app.get('/internal/thing', (_req, res) => {
    res.json({ secret: true });
  });
  server = await listen(finishApp(app, logger), 0, '127.0.0.1');
});

afterAll(async () => {
  await server?.close();
});

describe('access policies', () => {
  it.each(['/internal/thing', '/INTERNAL/thing', '/Internal/Thing/', '/internal/thing?x=1'])(
    'ask for the same role whatever the spelling of %s',
    async (path) => {
      const reader = await httpClient(server.url, { authorization: 'Bearer r' }).get(path);
      expect(reader.status).toBe(403);
      const admin = await httpClient(server.url, { authorization: 'Bearer a' }).get(path);
      expect(admin.status).toBe(200);
    },
  );

  it('answers 401 without a key and with an unknown key, health checks excepted', async () => {
    expect((await httpClient(server.url).get('/internal/thing')).status).toBe(401);
    expect(
      (await httpClient(server.url, { authorization: 'Bearer nope' }).get('/internal/thing')).status,
    ).toBe(401);
    expect((await httpClient(server.url).get('/healthz')).status).toBe(200);
  });
});
