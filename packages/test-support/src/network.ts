// Network pieces for tests: a free port (the runner's own), a server that
// accepts connections and never answers (a hung dependency), and a bounded wait.
import { createServer, type Server, type Socket } from 'node:net';

export { freePort } from '../../../scripts/ports.ts';

export interface HungServer {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** Accepts every connection and reads what it is sent, but never answers. */
export async function startHungServer(): Promise<HungServer> {
  const sockets = new Set<Socket>();
  const hung = { url: '', connections: 0, close: async () => {} };
  const server: Server = createServer((socket) => {
    hung.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  hung.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  hung.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return hung;
}

/** Polls `check` until it answers something other than undefined or false; fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
