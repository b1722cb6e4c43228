// A neighbour made slow on purpose: a real HTTP server in front of a service.
// Every request arriving before `slowUntil` is held until that moment (and
// every request at least `delayMs`), then passed on, so it lands late, after
// its caller gave up, as on a real network. With `holdAnswers`, requests pass
// at once and their answers are held instead (the work is done, the caller
// does not know yet). With `down`, it answers 503 at once.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

export interface SlowProxy {
  url: string;
  /** The service behind it (settable, so the proxy can start before the service). */
  target: string;
  /** Requests (or, with holdAnswers, answers) before this time (epoch ms) wait until it. */
  slowUntil: number;
  /** Every request waits at least this long (ms). */
  delayMs: number;
  holdAnswers: boolean;
  down: boolean;
  /** Requests received and not yet answered. */
  pending: number;
  /** Resolves when every request received has been passed on and answered. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function startSlowProxy(target = ''): Promise<SlowProxy> {
  const proxy: SlowProxy = {
    url: '',
    target,
    slowUntil: 0,
    delayMs: 0,
    holdAnswers: false,
    down: false,
    pending: 0,
    drained: async () => {
      while (proxy.pending > 0) await sleep(20);
    },
    close: async () => {},
  };
  // slowUntil is read again while waiting: a test may let held requests go early.
  const wait = async () => {
    await sleep(proxy.delayMs);
    while (Date.now() < proxy.slowUntil) await sleep(20);
  };

  async function pass(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    if (!proxy.holdAnswers) await wait();
    const to = new URL(proxy.target);
    await new Promise<void>((resolve) => {
      const onward = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        async (answer) => {
          const chunks: Buffer[] = [];
          for await (const chunk of answer) chunks.push(chunk as Buffer);
          if (proxy.holdAnswers) await wait();
          // The caller may have hung up: the answer was read all the same, and is dropped.
          if (!res.destroyed)
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
          resolve();
        },
      );
      onward.on('error', () => {
        res.destroy();
        resolve();
      });
      onward.end(body);
    });
  }

  const server: Server = createServer((req, res) => {
    if (proxy.down) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"detail":"down on purpose"}');
      return;
    }
    proxy.pending++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void pass(req, Buffer.concat(chunks), res).finally(() => proxy.pending--));
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
