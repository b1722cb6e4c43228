// The load generator, run as its own process so it never shares an event
// loop with anything it measures. It lives for the whole run and takes one
// scenario at a time over IPC: autocannon's warm-up, then 'warm' to the
// runner, which resets its counters and answers 'go', then the measured run,
// whose numbers and errors go back as 'result'.
import autocannon from 'autocannon';
import { type LoadSpec, requestFor, responseError } from './scenarios.ts';

export interface LoadResult {
  /** Requests per second (mean over the run). */
  rps: number;
  p50: number;
  p99: number;
  /** Responses received. */
  responses: number;
  /** Requests sent, answered or not: what the servers may have worked on. */
  sent: number;
  /** Bad answers (non-2xx, GraphQL errors) plus connection errors and timeouts, warm-up included. */
  errors: number;
  /** The first few bad answers, to say what went wrong. */
  samples: string[];
  /** CPU seconds the load generator itself used in the measured run. */
  cpuSeconds: number;
}

export type ToCannon = { type: 'run'; spec: LoadSpec } | { type: 'go' };
export type FromCannon =
  | { type: 'warm' }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; error: string };

let go: (() => void) | undefined;

async function run(spec: LoadSpec): Promise<LoadResult> {
  let bad = 0;
  const samples: string[] = [];
  const request = {
    ...requestFor(spec),
    onResponse: (status: number, body: string) => {
      const error = responseError(spec.scenario, status, body);
      if (!error) return;
      bad++;
      if (samples.length < 3) samples.push(error);
    },
  };
  // Connections are kept alive, as a real client pool would keep them.
  const options = { url: spec.url, connections: spec.connections, requests: [request], pipelining: 1 };
  const warm = spec.warmup > 0 ? await autocannon({ ...options, duration: spec.warmup }) : undefined;
  await new Promise<void>((resolve) => {
    go = resolve;
    send({ type: 'warm' });
  });
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({ ...options, duration: spec.duration });
  const cpu = process.cpuUsage(cpuBefore);
  const connectionErrors = result.errors + (warm?.errors ?? 0);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses: result.requests.total,
    sent: result.requests.sent,
    errors: bad + connectionErrors,
    samples:
      connectionErrors > 0 ? [...samples, `${connectionErrors} connection errors or timeouts`] : samples,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

function send(message: FromCannon): void {
  process.send?.(message);
}

process.on('message', (message: ToCannon) => {
  if (message.type === 'go') return go?.();
  run(message.spec).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) => send({ type: 'failed', error: String(error) }),
  );
});
