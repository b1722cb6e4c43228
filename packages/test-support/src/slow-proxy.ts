// A neighbour made slow on purpose: a real HTTP server in front of a service
// that holds every request arriving before `slowUntil` until that moment (and
// every request at least `delayMs`), then
// passes it on and answers what the service answers. A request held this way
// lands late, after its caller gave up, as on a real network.
import { createServer, request, type Server } from 'node:http';

export interface SlowProxy {
  url: string;
  /** The service behind it (settable, so the proxy can start before the service). */
  target: string;
  /** Requests arriving before this time (epoch ms) wait until it; 0: none wait. */
  slowUntil: number;
  /** Every request waits at least this long (ms). */
  delayMs: number;
  /** Requests received and not yet answered. */
  pending: number;
  /** Resolves when every request received has been passed on and answered. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function startSlowProxy(target = ''): Promise<SlowProxy> {
  const proxy: SlowProxy = {
    url: '',
    target,
    slowUntil: 0,
    delayMs: 0,
    pending: 0,
    drained: async () => {
      while (proxy.pending > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    proxy.pending++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(
        () => {
          const to = new URL(proxy.target);
          const onward = request(
            { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
            (answer) => {
              // The caller may have hung up: the answer is read all the same, then dropped.
              if (!res.destroyed) res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
              answer.on('end', () => proxy.pending--);
            },
          );
          onward.on('error', () => {
            proxy.pending--;
            res.destroy();
          });
          onward.end(Buffer.concat(chunks));
        },
        Math.max(0, proxy.slowUntil - Date.now()),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
