// A real HTTP receiver for webhooks that answers as a test tells it to: ok,
// fail (500) or hang (never answers). It verifies every request with the
// standardwebhooks library, as a CRM would, and keeps what it received.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceiverMode = 'ok' | 'fail' | 'hang';

export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: { type: string; timestamp: string; data: Record<string, unknown> | null };
  /** Whether the library verified the signature with the endpoint's secret. */
  verified: boolean;
  /** What the receiver answered: ok, fail, or hang. */
  answered: ReceiverMode;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  received: Received[];
  /** The most requests with one webhook-id in flight at the same moment. */
  maxConcurrentPerId: number;
  mode: ReceiverMode;
  /** Set to the endpoint's secret so requests are verified. */
  secret: string | undefined;
  /** Time each answer takes, to widen the window two senders could overlap in. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const inFlight = new Map<string, number>();
  const hung = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    maxConcurrentPerId: 0,
    mode: 'ok',
    secret: undefined,
    delayMs: 0,
    close: async () => {
      for (const release of hung) release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const id = String(req.headers['webhook-id']);
      const now = (inFlight.get(id) ?? 0) + 1;
      inFlight.set(id, now);
      receiver.maxConcurrentPerId = Math.max(receiver.maxConcurrentPerId, now);
      const mode = receiver.mode;
      receiver.received.push({
        id,
        headers: req.headers,
        body: JSON.parse(text),
        verified: verify(text, req.headers),
        answered: mode,
      });
      const answer = () => {
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
        if (mode === 'hang') return void res.destroy();
        res.statusCode = mode === 'ok' ? 204 : 500;
        res.end();
      };
      if (mode === 'hang') {
        // Held until the sender gives up (closes the connection) or the receiver closes.
        const release = () => answer();
        hung.add(release);
        req.socket.once('close', () => {
          if (hung.delete(release)) inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
        });
        return;
      }
      setTimeout(answer, receiver.delayMs);
    });
  });
  function verify(text: string, headers: IncomingHttpHeaders): boolean {
    if (!receiver.secret) return false;
    try {
      new Webhook(receiver.secret).verify(text, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
