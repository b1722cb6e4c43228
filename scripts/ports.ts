// A free port for the embedded database, the benchmark and the tests.
import { createServer } from 'node:net';

// Ports that browsers and fetch refuse (WHATWG "bad ports") within reach of the OS's range.
const BAD_PORTS = new Set([6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080]);

/** A port that is free now (the OS picks it), never one that fetch refuses. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (!BAD_PORTS.has(port)) return port;
  }
}
