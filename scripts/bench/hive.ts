// The peer: Hive Gateway (@graphql-hive/gateway), alone or on the Hive Router
// runtime (its Rust query planner, @graphql-hive/router-runtime), serving the
// same gateway/supergraph.graphql over the same subgraphs. Only the subgraph
// URLs differ, pointed at this run's ports, as @apollo/gateway's buildService
// does for the system's own gateway. The peers live in scripts/bench/peers,
// a package folder of their own (not a workspace), installed on first use so
// that they weigh nothing on the root install.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LaunchSpec } from './system.ts';

export type PeerLaunch = { ok: true; spec: LaunchSpec } | { ok: false; reason: string };

const PEERS = path.join(import.meta.dirname, 'peers');
/** What Hive Gateway logs when --hive-router-runtime could not load the runtime and fell back. */
export const ROUTER_RUNTIME_MISSING = 'Could not load the @graphql-hive/router-runtime package';

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Whether every package the peers' lockfile names is installed at the version it names. */
function peersInstalled(): boolean {
  type Lock = { packages: Record<string, { version?: string }> };
  const lock = readJson<Lock>(path.join(PEERS, 'package-lock.json'));
  const installed = readJson<Lock>(path.join(PEERS, 'node_modules', '.package-lock.json'));
  if (!lock || !installed) return false;
  return Object.entries(lock.packages)
    .filter(([key]) => key !== '')
    .every(([key, { version }]) => installed.packages[key]?.version === version);
}

/** Installs the peers (`npm ci` in their folder) when they are missing or stale; answers why not, if it fails. */
export async function ensurePeers(say: (line: string) => void): Promise<string | undefined> {
  if (peersInstalled()) return undefined;
  say('installing the peer gateways into scripts/bench/peers (npm ci, once)');
  const started = performance.now();
  try {
    await promisify(execFile)('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: PEERS });
    say(`installed the peer gateways in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return undefined;
  } catch (error) {
    return `npm ci in scripts/bench/peers failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function hiveBin(): string | undefined {
  try {
    const manifest = createRequire(path.join(PEERS, 'package.json')).resolve(
      '@graphql-hive/gateway/package.json',
    );
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
    return path.resolve(path.dirname(manifest), bin['hive-gateway'] ?? 'dist/bin.js');
  } catch {
    return undefined;
  }
}

/**
 * The launch of `hive-gateway supergraph`, or why it cannot run here. With
 * `dedupe: false`, identical subgraph fetches in flight are each sent; with
 * `rust`, the query planner is the Hive Router's.
 */
export function hiveGateway(options: {
  name: string;
  dedupe: boolean;
  rust: boolean;
  root: string;
  runDir: string;
  port: number;
  subgraphUrls: Record<string, string>;
  env: NodeJS.ProcessEnv;
}): PeerLaunch {
  const bin = hiveBin();
  if (!bin) return { ok: false, reason: '@graphql-hive/gateway is not installed in scripts/bench/peers' };
  const sdl = readFileSync(path.join(options.root, 'gateway', 'supergraph.graphql'), 'utf8');
  const supergraph = sdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (match, name: string) =>
    options.subgraphUrls[name]
      ? `@join__graph(name: "${name}", url: "${options.subgraphUrls[name]}/graphql")`
      : match,
  );
  const file = path.join(options.runDir, 'supergraph.graphql');
  writeFileSync(file, supergraph);
  const config = path.join(options.runDir, `${options.name}.config.mjs`);
  // Hive's documented per-transport option; everything else stays at its defaults.
  const transports = options.dedupe ? {} : { '*': { options: { deduplicateInflightRequests: false } } };
  writeFileSync(
    config,
    `export const gatewayConfig = ${JSON.stringify({ transportEntries: transports })};\n`,
  );
  const flags = ['--config-path', config, '--host', '127.0.0.1', '--port', String(options.port)];
  if (options.rust) flags.push('--hive-router-runtime');
  return {
    ok: true,
    spec: {
      name: options.name,
      args: [bin, 'supergraph', file, ...flags, '--disable-websockets'],
      env: options.env,
      port: options.port,
      readyPath: '/readiness',
    },
  };
}
