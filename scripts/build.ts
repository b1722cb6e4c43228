// npm run build: bundles each process with esbuild into dist/<name>/, the
// whole of what its image holds besides node:
//   package.json                 {"main": "<app>/src/main.mjs"}: `node .` starts it
//   <app>/src/main.mjs, chunks/  the process, its dependencies and the kit in one file,
//                                with what it imports lazily (the OpenTelemetry SDK,
//                                Prisma's PostgreSQL query compiler) in chunks beside it
//   <app>/src/schema.graphql     files the code reads beside itself, at the paths it
//   gateway/supergraph.graphql   reads them from (relative to its own file)
//   docs/db-schema.sql,          the schema and migrations, for the processes that
//   docs/migrations/             migrate a database at start-up (not the gateway)
// Each file keeps its place in the repository's tree, so every
// `new URL(..., import.meta.url)` resolves as it does in the sources.
// Emit only: `npm run typecheck` is the type check (see docs/deploy.md).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GATEWAY, SERVICES } from '@supply/service-kit/processes';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
export const APPS = [...SERVICES.map((service) => `subgraphs/${service.name}`), GATEWAY.name];
/** The processes that open a database, and so migrate it at start-up. */
const MIGRATING = new Set(APPS.filter((app) => app !== GATEWAY.name));

/** dist/<name>: the image's /app for one app. */
export const outputOf = (app: string, root = ROOT) => path.join(root, 'dist', path.basename(app));

/** Files of packages an app serves as they are, copied to <app>/<folder>/ beside its bundle. */
const SERVED_FILES: Record<string, { from: string; folder: string; files: string[] }> = {
  gateway: {
    from: 'node_modules/swagger-ui-dist',
    folder: 'swagger-ui',
    files: ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-ui.css', 'favicon-32x32.png'],
  },
};

const isTypeScript = (name: string) => /\.[cm]?ts$/.test(name);

/** Non-TypeScript files under src/, and *.graphql beside package.json. */
function assetsOf(app: string): string[] {
  const dir = path.join(ROOT, app);
  const underSrc = readdirSync(path.join(dir, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !isTypeScript(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
  const beside = readdirSync(dir).filter((name) => name.endsWith('.graphql'));
  return [...underSrc, ...beside];
}

// CommonJS dependencies inside an ES module bundle still call require() and
// read __dirname: give them node's own.
const BANNER = [
  "import { createRequire as __bundleRequire } from 'node:module';",
  "import { fileURLToPath as __bundlePath } from 'node:url';",
  'const require = __bundleRequire(import.meta.url);',
  'const __filename = __bundlePath(import.meta.url);',
  "const __dirname = __bundlePath(new URL('.', import.meta.url));",
].join('\n');

export async function bundle(app: string): Promise<void> {
  const out = outputOf(app);
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: { main: path.join(ROOT, app, 'src', 'main.ts') },
    outdir: path.join(out, app, 'src'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // The kit's sources, as the tests and `npm start` use them.
    conditions: ['development'],
    // pg's optional native binding, never installed.
    external: ['pg-native'],
    banner: { js: BANNER },
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const asset of assetsOf(app)) cpSync(path.join(ROOT, app, asset), path.join(out, app, asset));
  const served = SERVED_FILES[path.basename(app)];
  for (const file of served?.files ?? []) {
    cpSync(path.join(ROOT, served!.from, file), path.join(out, app, served!.folder, file));
  }
  if (MIGRATING.has(app)) {
    mkdirSync(path.join(out, 'docs'), { recursive: true });
    cpSync(path.join(ROOT, 'docs', 'db-schema.sql'), path.join(out, 'docs', 'db-schema.sql'));
    cpSync(path.join(ROOT, 'docs', 'migrations'), path.join(out, 'docs', 'migrations'), { recursive: true });
  }
  const manifest = { name: path.basename(app), private: true, type: 'module', main: `${app}/src/main.mjs` };
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'packages/service-kit/src/generated/prisma/client.ts'))) {
    throw new Error('no generated Prisma client: run `npm run generate` first');
  }
  await Promise.all(APPS.map(bundle));
  console.warn(`build: bundled ${APPS.join(', ')} into dist/`);
}

if (process.argv[1] === import.meta.filename) await main();
