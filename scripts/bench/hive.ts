// The peer: Hive Gateway (@graphql-hive/gateway, a dev dependency of the
// benchmark only) serving the same gateway/supergraph.graphql over the same
// subgraphs. Only the subgraph URLs differ, pointed at this run's ports, as
// @apollo/gateway's buildService does for the system's own gateway.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LaunchSpec } from './system.ts';

export type PeerLaunch = { ok: true; spec: LaunchSpec } | { ok: false; reason: string };

/**
 * The launch of `hive-gateway supergraph`, or why it cannot run here. With
 * `dedupe: false`, identical subgraph fetches in flight are each sent.
 */
export function hiveGateway(options: {
  name: string;
  dedupe: boolean;
  root: string;
  runDir: string;
  port: number;
  subgraphUrls: Record<string, string>;
  env: NodeJS.ProcessEnv;
}): PeerLaunch {
  let bin: string;
  try {
    const manifest = createRequire(import.meta.url).resolve('@graphql-hive/gateway/package.json');
    const { bin: bins } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
    bin = path.resolve(path.dirname(manifest), bins['hive-gateway'] ?? 'dist/bin.js');
  } catch {
    return { ok: false, reason: '@graphql-hive/gateway is not installed (npm ci installs it)' };
  }
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
