// The images as the Dockerfile builds them, without a Docker engine: a copy
// of the build context, the builder stage's RUN lines (install, generate,
// bundle), the runtime stage's lines with each image's build arguments from
// docker-compose.yml, and then each image's CMD started with plain node, as
// the non-root user, in production mode against a test database, as one system.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { graphql, httpClient } from '@supply/test-support/http';
import { freePort, waitFor } from '@supply/test-support/network';
import { parse } from 'yaml';
import { APPS } from '../build.ts';
import { copyContext } from './docker-context.ts';
import { finalStage, parseDockerfile } from './dockerfile.ts';
import { type BuiltStage, buildStage, treeSize } from './image-build.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// Production takes keys of 32 characters or more.
const KEYS = {
  reader: 'img-reader-key'.padEnd(32, '0'),
  writer: 'img-writer-key'.padEnd(32, '0'),
  admin: 'img-admin-key'.padEnd(32, '0'),
};
const API_KEYS = Object.entries(KEYS)
  .map(([role, key]) => `${key}:${role}`)
  .join(',');
const SERVICE_API_KEY = 'img-service-key'.padEnd(32, '0');
const URL_VARIABLE: Record<string, string> = {
  'subgraphs/crm-api': 'CRM_API_URL',
  'subgraphs/inventory-service': 'INVENTORY_SERVICE_URL',
  'subgraphs/logistics-service': 'LOGISTICS_SERVICE_URL',
  'subgraphs/order-service': 'ORDER_SERVICE_URL',
};
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
/** The build arguments docker-compose.yml gives an app's image. */
const buildArgsOf = (app: string): Record<string, string> => compose.services[path.basename(app)].build.args;

interface RunningImage {
  app: string;
  image: BuiltStage;
  port: number;
  url: string;
  process?: ChildProcess;
  output: string;
  exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const work = mkdtempSync(path.join(tmpdir(), 'crm-supply-images-'));
const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const images = new Map<string, RunningImage>();
let db: TestDatabase;
let role: { name: string; password: string };
let databaseUrl: string;

const entryOf = (image: BuiltStage) => path.join(image.root, image.workdir);

/** The environment a container of `image` starts with: its ENV lines, then the deployment's. */
function containerEnv(image: BuiltStage, settings: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/home/node', ...image.env, ...settings };
}

function systemSettings(): Record<string, string> {
  const urls = Object.fromEntries(
    [...images.values()]
      .filter((image) => URL_VARIABLE[image.app])
      .map((image) => [URL_VARIABLE[image.app]!, image.url]),
  );
  return { DATABASE_URL: databaseUrl, API_KEYS, SERVICE_API_KEY, LOG_LEVEL: 'info', ...urls };
}

/** Runs `command` inside `image` as its USER (uid:gid) would, when this process may switch. */
function runInImage(image: BuiltStage, command: string[], env: Record<string, string>): ChildProcess {
  const [program, ...args] = command;
  if (program !== 'node') throw new Error(`expected a node command, got ${command.join(' ')}`);
  const [uid, gid] = (image.user ?? '').split(':').map(Number);
  const asUser = uid !== undefined && gid !== undefined && process.getuid?.() === 0 ? { uid, gid } : {};
  return spawn(process.execPath, args, { cwd: entryOf(image), env, ...asUser });
}

function collect(child: ChildProcess, into: { output: string }) {
  child.stdout?.on('data', (chunk) => {
    into.output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    into.output += chunk;
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
}

async function buildImages(): Promise<void> {
  const context = path.join(work, 'context');
  copyContext(ROOT, context);
  // The builder stage does not depend on the build arguments: one build for all five, as Docker's cache makes it.
  const builderStage = dockerfile.stages[0]!;
  const builder = await buildStage({
    stage: builderStage,
    root: path.join(work, 'builder'),
    context,
    stages: new Map(),
    cacheLabel: 'builder',
  });
  await Promise.all(
    APPS.map(async (app) => {
      const name = path.basename(app);
      const image = await buildStage({
        stage: finalStage(dockerfile),
        root: path.join(work, `image-${name}`),
        context,
        stages: new Map([[builderStage.name, builder]]),
        cacheLabel: `runtime-${name}`,
        buildArgs: buildArgsOf(app),
      });
      const port = await freePort();
      images.set(app, { app, image, port, url: `http://127.0.0.1:${port}`, output: '' });
    }),
  );
}

/** A login role with a real password: production mode refuses the test server's default one. */
async function createRole(): Promise<void> {
  role = {
    name: `crm_supply_img_${randomBytes(4).toString('hex')}`,
    password: randomBytes(12).toString('hex'),
  };
  await db.query(`CREATE ROLE ${role.name} LOGIN PASSWORD '${role.password}'`);
  await db.query(`GRANT ALL ON SCHEMA public TO ${role.name}`);
  await db.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role.name}`);
  await db.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role.name}`);
  await db.query(`GRANT ALL ON ALL FUNCTIONS IN SCHEMA public TO ${role.name}`);
  const url = new URL(db.url);
  url.username = role.name;
  url.password = role.password;
  databaseUrl = url.toString();
}

async function startSystem(): Promise<void> {
  for (const running of images.values()) {
    const env = containerEnv(running.image, { ...systemSettings(), PORT: String(running.port) });
    running.process = runInImage(running.image, running.image.cmd ?? [], env);
    running.exit = collect(running.process, running);
  }
  for (const running of images.values()) {
    await waitFor(
      async () =>
        running.process?.exitCode !== null ||
        (await httpClient(running.url)
          .get('/healthz', { timeout: 1_000 })
          .then(
            (res) => res.status === 200,
            () => false,
          )),
      `${running.app} to answer /healthz`,
      60_000,
    );
    if (running.process?.exitCode !== null) throw new Error(`${running.app} exited:\n${running.output}`);
  }
}

beforeAll(async () => {
  // Entered by the image's user below, as /app is in the image.
  chmodSync(work, 0o755);
  await buildImages();
  db = await createTestDatabase();
  await createRole();
  await startSystem();
}, 900_000);

afterAll(async () => {
  for (const running of images.values()) {
    if (running.process && running.process.exitCode === null && running.process.signalCode === null) {
      running.process.kill('SIGKILL');
      await running.exit;
    }
  }
  await db?.drop();
  if (role) await db?.query(`DROP ROLE IF EXISTS ${role.name}`).catch(() => dropRoleFromServer());
  rmSync(work, { recursive: true, force: true });
}, 60_000);

async function dropRoleFromServer(): Promise<void> {
  const { adminQuery } = await import('@supply/test-support/database');
  await adminQuery(process.env.TEST_DB_SERVER_URL!, `DROP ROLE IF EXISTS ${role.name}`);
}

const reader = { Authorization: `Bearer ${KEYS.reader}` };
const writer = { Authorization: `Bearer ${KEYS.writer}` };

describe('the images, built as the Dockerfile builds them', () => {
  it('builds every app, with its build arguments from docker-compose.yml', () => {
    for (const app of APPS)
      expect(buildArgsOf(app)).toEqual({ APP: path.basename(app), PORT: expect.stringMatching(/^\d+$/) });
  });

  for (const app of APPS) {
    it(`${app}: the runtime stage holds its bundle, node and nothing else`, () => {
      const { image } = images.get(app)!;
      const files = readdirSync(image.root, { recursive: true, withFileTypes: true })
        .filter((entry) => !entry.isDirectory())
        .map((entry) => path.relative(image.root, path.join(entry.parentPath, entry.name)));
      const name = path.basename(app);
      expect(files.filter((file) => !file.startsWith('app/'))).toEqual(['usr/local/bin/node']);
      expect(files).toContain(`app/${app}/src/main.mjs`);
      expect(files.filter((file) => /node_modules|\.[cm]?ts$|(^|\/)npm/.test(file))).toEqual([]);
      expect(image.systemPackages).toEqual(['libstdc++']);
      const compilers = files.filter((file) => file.includes('query_compiler'));
      if (name === 'gateway') {
        expect(compilers).toEqual([]);
        expect(files.filter((file) => file.startsWith('app/docs/'))).toEqual([]);
      } else {
        expect(compilers.length).toBeGreaterThan(0);
        expect(compilers.filter((file) => !file.includes('.postgresql'))).toEqual([]);
        expect(files).toContain('app/docs/db-schema.sql');
      }
      expect(image.user).toBe('1000:1000');
      expect(image.env).toEqual({ NODE_ENV: 'production', PORT: buildArgsOf(app).PORT });
      expect(image.exposed).toEqual([buildArgsOf(app).PORT]);
      expect(image.cmd).toEqual(['node', '.']);
    });

    it(`${app}: its CMD starts with plain node in production mode and answers health and GraphQL`, async () => {
      const running = images.get(app)!;
      const open = httpClient(running.url);
      expect((await open.get('/healthz')).status).toBe(200);
      const ready = await open.get('/readyz');
      expect({ status: ready.status, body: ready.data }).toMatchObject({ status: 200 });
      expect((await open.get('/graphql?query=%7B__typename%7D')).status).toBe(401);
      // A subgraph's /graphql answers the service key only (the gateway's); the gateway, callers.
      const gatewayItself = app === 'gateway';
      const caller = gatewayItself ? reader : { Authorization: `Bearer ${SERVICE_API_KEY}` };
      const { status, body } = await graphql(running.url, '{ __typename }', {}, caller);
      expect({ status, body }).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
      if (!gatewayItself) expect((await graphql(running.url, '{ __typename }', {}, reader)).status).toBe(403);
    });
  }

  const crm = () => images.get('subgraphs/crm-api');
  const gateway = () => images.get('gateway');
  it("loads the sample data with docker-compose.yml's sample-data command", async () => {
    const oneShot = compose.services['sample-data'];
    expect(oneShot.build).toEqual(compose.services['crm-api'].build);
    const run = { output: '' };
    const exit = collect(
      runInImage(crm()!.image, oneShot.command, containerEnv(crm()!.image, systemSettings())),
      run,
    );
    expect({ ...(await exit), output: run.output }).toMatchObject({ code: 0 });
    const customer = await httpClient(crm()!.url, reader).get('/customers/1');
    expect({ status: customer.status, name: customer.data.name }).toEqual({
      status: 200,
      name: 'Ada Lovelace',
    });
  });

  it("answers the README's GraphQL examples through the gateway, across every subgraph", async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const { status, body } = await graphql(gateway()!.url, example, {}, writer);
      expect({ example, status, errors: body.errors }).toEqual({ example, status: 200, errors: undefined });
    }
  });

  it('keeps introspection off at the gateway in production', async () => {
    const { body } = await graphql(gateway()!.url, '{ __schema { queryType { name } } }', {}, reader);
    expect(body.errors?.length).toBeGreaterThan(0);
  });

  it('refuses to start in production without API_KEYS or with a default password', async () => {
    const image = crm()!.image;
    const run = { output: '' };
    const env = containerEnv(image, { DATABASE_URL: db.url, PORT: '0' });
    const exit = await collect(runInImage(image, image.cmd ?? [], env), run);
    expect(exit.code).toBe(78);
    expect(run.output).toContain('refusing to start in production');
    expect(run.output).toContain('API_KEYS: must be set in production');
    expect(run.output).toContain('the database password is a default');
  });

  it('matches the image size estimates in docs/deploy.md (within 20%)', () => {
    const documented = documentedSizes();
    for (const running of images.values()) {
      const name = path.basename(running.app);
      const measured = Math.round(treeSize(entryOf(running.image)) / 1e6);
      const estimate = documented.get(name);
      expect({
        name,
        measured,
        estimate: estimate && Math.abs(measured - estimate) <= estimate * 0.2,
      }).toEqual({
        name,
        measured,
        estimate: true,
      });
    }
  });

  // Apollo Server's own SIGTERM handler is off (stopOnTerminationSignals: false): the kit drains first.
  it('drains and exits 0 on SIGTERM, logging "stopped" (every process)', async () => {
    for (const running of images.values()) running.process?.kill('SIGTERM');
    for (const running of images.values()) {
      const exit = await running.exit!;
      expect({ app: running.app, ...exit, stopped: running.output.includes('"msg":"stopped"') }).toEqual({
        app: running.app,
        code: 0,
        signal: null,
        stopped: true,
      });
    }
  }, 30_000);
});

/** The "app and dependencies" column of the size table in docs/deploy.md, in MB, by image. */
function documentedSizes(): Map<string, number> {
  const doc = readFileSync(path.join(ROOT, 'docs', 'deploy.md'), 'utf8');
  const sizes = new Map<string, number>();
  for (const row of doc.matchAll(/^\|\s*`?([a-z-]+)`?\s*\|\s*~?(\d+) MB\s*\|/gm)) {
    sizes.set(row[1]!, Number(row[2]));
  }
  return sizes;
}
