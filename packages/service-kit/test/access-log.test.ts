// The access log: one line per request, at a level that says whose fault a
// failure is, with the request id; health checks and levels switched off
// write nothing.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@supply/service-kit/config';
import { Unavailable } from '@supply/service-kit/errors';
import { createHttpApp, finishApp, listen, type RunningServer } from '@supply/service-kit/http';
import { httpClient } from '@supply/test-support/http';
import { waitFor } from '@supply/test-support/network';
import { capturingLogger } from '@supply/test-support/services';

async function startApp(level: string) {
  const config = loadConfig('test', 0, { NODE_ENV: 'test' });
  const { logger, logs } = capturingLogger('test', level);
  const app = createHttpApp({ config, logger, readiness: [] });
  app.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get('/neighbour', () => {
    throw new Unavailable('inventory-service did not answer');
  });
  app.get('/broken', () => {
    throw new Error('a bug');
  });
  app.get('/slow', async (_req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    res.json({ late: true });
  });
  const server = await listen(finishApp(app, logger), 0, '127.0.0.1');
  return { server, logs };
}

const accessLines = (logs: Array<Record<string, unknown>>) => logs.filter((line) => line.req !== undefined);

describe('the access log at info', () => {
  let server: RunningServer;
  let logs: Array<Record<string, unknown>>;

  beforeAll(async () => {
    ({ server, logs } = await startApp('info'));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('writes one info line per request, with its request id, method, path as sent, status and time', async () => {
    logs.length = 0;
    const { status } = await httpClient(server.url, { 'x-request-id': 'req-1' }).get('/Things/7?x=1');
    expect(status).toBe(200);
    await waitFor(async () => accessLines(logs).length === 1, 'the access line');
    expect(accessLines(logs)[0]).toMatchObject({
      level: 'info',
      service: 'test',
      requestId: 'req-1',
      req: { method: 'GET', url: '/Things/7?x=1' },
      res: { status: 200 },
      msg: 'request completed',
    });
    expect(typeof accessLines(logs)[0]?.responseTime).toBe('number');
  });

  it('writes a 503 at warn, another 5xx at error, and nothing for health checks', async () => {
    logs.length = 0;
    const client = httpClient(server.url);
    expect((await client.get('/neighbour')).status).toBe(503);
    expect((await client.get('/broken')).status).toBe(500);
    expect((await client.get('/healthz')).status).toBe(200);
    expect((await client.get('/readyz')).status).toBe(200);
    await waitFor(async () => accessLines(logs).length >= 2, 'two access lines');
    expect(accessLines(logs).map((line) => [(line.req as { url: string }).url, line.level])).toEqual([
      ['/neighbour', 'warn'],
      ['/broken', 'error'],
    ]);
  });

  it('writes a warn line when the caller hangs up before the answer', async () => {
    logs.length = 0;
    const url = new URL('/slow', server.url);
    await new Promise<void>((resolve) => {
      const req = request(url, { headers: { 'x-request-id': 'gone-1' } });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const line = await waitFor(
      async () => accessLines(logs).find((entry) => entry.requestId === 'gone-1'),
      'the aborted request line',
    );
    expect(line).toMatchObject({ level: 'warn', req: { url: '/slow' } });
    expect(String(line.msg)).toMatch(/^request aborted/);
  });
});

describe('the access log at warn', () => {
  it('writes nothing for good answers and still writes failures', async () => {
    const { server, logs } = await startApp('warn');
    try {
      const client = httpClient(server.url);
      for (let i = 0; i < 5; i++) expect((await client.get(`/things/${i}`)).status).toBe(200);
      expect((await client.get('/neighbour')).status).toBe(503);
      await waitFor(async () => accessLines(logs).length >= 1, 'the 503 line');
      expect(accessLines(logs).map((line) => line.res)).toEqual([{ status: 503 }]);
    } finally {
      await server.close();
    }
  });
});
