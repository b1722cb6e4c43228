// Without OTEL_EXPORTER_OTLP_ENDPOINT tracing is not started: no SDK, no
// traceparent on calls to neighbours, no trace ids in log lines.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { createServiceClient } from '@supply/service-kit/client';
import { startTracing, tracing } from '@supply/service-kit/telemetry';
import { capturingLogger } from '@supply/test-support/services';

describe('tracing without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('starts nothing, and calls and log lines carry no trace', async () => {
    const stop = await startTracing('test-service', { OTEL_SERVICE_NAME: 'ignored' });
    expect(tracing()).toBe(false);
    let seen: IncomingHttpHeaders = {};
    const server = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { logger, logs } = capturingLogger('test-service', 'info');
    try {
      const port = (server.address() as AddressInfo).port;
      const client = createServiceClient({
        name: 'neighbour',
        baseURL: `http://127.0.0.1:${port}`,
        timeoutMs: 2_000,
        logger,
      });
      await client.get('/anything');
      logger.info('a line');
    } finally {
      server.close();
      await stop();
    }
    expect(seen.traceparent).toBeUndefined();
    expect(logs[0]).not.toHaveProperty('trace_id');
  });
});
