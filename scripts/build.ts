// npm run build: compiles service-kit (with its generated Prisma client) and
// every service that has a src/main.ts to JavaScript that plain `node` runs.
// Files the code reads beside itself (schema.graphql, the gateway's
// supergraph.graphql) are copied so their relative paths hold in dist/.
// Emit only: `npm run typecheck` is the type check (see docs/deploy.md).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
export const KIT = 'packages/service-kit';
export const APPS = [
  'subgraphs/crm-api',
  'subgraphs/inventory-service',
  'subgraphs/logistics-service',
  'subgraphs/order-service',
  'gateway',
];

/** The apps written so far: a folder without src/main.ts is not built. */
export function buildableApps(root = ROOT): string[] {
  return APPS.filter((app) => existsSync(path.join(root, app, 'src', 'main.ts')));
}

const isTypeScript = (name: string) => /\.[cm]?ts$/.test(name);

/** Non-TypeScript files under src/, and *.graphql beside package.json. */
function assetsOf(workspace: string): string[] {
  const dir = path.join(ROOT, workspace);
  const underSrc = readdirSync(path.join(dir, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !isTypeScript(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
  const beside = readdirSync(dir).filter((name) => name.endsWith('.graphql'));
  return [...underSrc, ...beside];
}

/** Removes what only the compiler needs (declarations, build info) from dist/. */
function pruneCompilerFiles(dist: string): void {
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && (entry.name.endsWith('.d.ts') || entry.name.endsWith('.tsbuildinfo'))) {
      rmSync(path.join(entry.parentPath, entry.name));
    }
  }
}

function main(): void {
  const apps = buildableApps();
  const skipped = APPS.filter((app) => !apps.includes(app));
  for (const workspace of [KIT, ...APPS])
    rmSync(path.join(ROOT, workspace, 'dist'), { recursive: true, force: true });
  if (!existsSync(path.join(ROOT, KIT, 'src', 'generated', 'prisma', 'client.ts'))) {
    throw new Error('no generated Prisma client: run `npm run generate` first');
  }
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const projects = [KIT, ...apps].map((workspace) => path.join(workspace, 'tsconfig.build.json'));
  execFileSync(process.execPath, [tsc, '--build', ...projects], { cwd: ROOT, stdio: 'inherit' });
  for (const app of apps) {
    for (const asset of assetsOf(app)) {
      cpSync(path.join(ROOT, app, asset), path.join(ROOT, app, 'dist', asset));
    }
  }
  for (const workspace of [KIT, ...apps]) pruneCompilerFiles(path.join(ROOT, workspace, 'dist'));
  console.warn(`build: compiled ${[KIT, ...apps].join(', ')}`);
  if (skipped.length > 0) console.warn(`build: skipped (no src/main.ts yet): ${skipped.join(', ')}`);
}

if (process.argv[1] === import.meta.filename) main();
