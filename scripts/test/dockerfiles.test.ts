// The five Dockerfiles: lint-clean, built the same way, and each one running
// its own app as docs/deploy.md says (node:24-alpine, non-root, health check, plain
// node in exec form). images.test.ts runs what they say.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import dockerfileUtils from 'dockerfile-utils';
import { APPS } from '../build.ts';
import { type Dockerfile, execForm, type Instruction, parseDockerfile, parseEnv } from './dockerfile.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PORTS: Record<string, number> = {
  'subgraphs/crm-api': 3000,
  'subgraphs/inventory-service': 4000,
  'subgraphs/logistics-service': 5000,
  'subgraphs/order-service': 6000,
  gateway: 8080,
};
const text = (app: string) => readFileSync(path.join(ROOT, app, 'Dockerfile'), 'utf8');
const present = APPS.filter((app) => existsSync(path.join(ROOT, app)));
const dockerfiles = new Map<string, Dockerfile>(present.map((app) => [app, parseDockerfile(text(app))]));

const all = (dockerfile: Dockerfile, stage: number, keyword: string): Instruction[] =>
  dockerfile.stages[stage]!.instructions.filter((instruction) => instruction.keyword === keyword);

/** Every workspace folder with a package.json, from the root's "workspaces" globs. */
function workspaces(): string[] {
  const globs: string[] = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).workspaces;
  return globs.flatMap((glob) => {
    const folders = glob.endsWith('/*')
      ? readdirSync(path.join(ROOT, glob.slice(0, -2))).map((name) => `${glob.slice(0, -2)}/${name}`)
      : [glob];
    return folders.filter((folder) => existsSync(path.join(ROOT, folder, 'package.json')));
  });
}

describe('the Dockerfiles', () => {
  it('exist for every app folder', () => {
    expect(present.filter((app) => !existsSync(path.join(ROOT, app, 'Dockerfile')))).toEqual([]);
  });

  for (const app of present) {
    const port = PORTS[app]!;

    it(`${app}: passes dockerfile-utils' lint with nothing to report`, () => {
      const findings = dockerfileUtils
        .validate(text(app))
        .map((finding) => `line ${finding.range.start.line + 1}: ${finding.message}`);
      expect(findings).toEqual([]);
    });

    it(`${app}: builds on node:24-alpine in a builder and a runtime stage, with BuildKit syntax`, () => {
      const dockerfile = dockerfiles.get(app)!;
      expect(dockerfile.directives.syntax).toMatch(/^docker\/dockerfile:1/);
      expect(dockerfile.stages.map((stage) => [stage.name, stage.base])).toEqual([
        ['builder', 'node:24-alpine'],
        ['runtime', 'node:24-alpine'],
      ]);
    });

    it(`${app}: the builder installs everything, generates the Prisma client and builds`, () => {
      const dockerfile = dockerfiles.get(app)!;
      const runs = all(dockerfile, 0, 'RUN').map((run) => run.args);
      expect(runs[0]).toMatch(/^npm ci\b/);
      expect(runs.join('\n')).toMatch(/npm run generate && npm run build/);
      // The install layer sees every workspace's manifest, so npm ci installs the lockfile's whole tree.
      const install = dockerfile.stages[0]!.instructions.findIndex(
        (instruction) => instruction.keyword === 'RUN',
      );
      const copied = dockerfile.stages[0]!.instructions.slice(0, install).map(
        (instruction) => instruction.args,
      );
      for (const workspace of workspaces())
        expect(copied).toContain(`${workspace}/package.json ${workspace}/`);
    });

    it(`${app}: the runtime installs its production dependencies only and runs as node`, () => {
      const dockerfile = dockerfiles.get(app)!;
      const [install, ...otherRuns] = all(dockerfile, 1, 'RUN').map((run) => run.args);
      expect(otherRuns).toEqual([]);
      for (const option of [
        '--omit=dev',
        '--omit=optional',
        '--ignore-scripts',
        `-w ${app}`,
        '-w packages/service-kit',
      ]) {
        expect(install).toContain(option);
      }
      const copies = all(dockerfile, 1, 'COPY').map((copy) => copy.args);
      for (const needed of [
        '/app/docs/db-schema.sql docs/',
        '/app/docs/migrations docs/migrations/',
        '/app/packages/service-kit/dist packages/service-kit/dist/',
        `/app/${app}/dist ${app}/dist/`,
      ]) {
        expect(copies).toContain(needed);
      }
      const runtime = dockerfile.stages[1]!.instructions;
      const user = runtime.findLastIndex((instruction) => instruction.keyword === 'USER');
      expect(runtime[user]?.args).toBe('node');
      // Everything the image holds is written before the switch: root owns it, node only reads it.
      expect(runtime.slice(user).filter((i) => i.keyword === 'COPY' || i.keyword === 'RUN')).toEqual([]);
    });

    it(`${app}: sets production mode, exposes ${port}, checks /healthz and starts node in exec form`, () => {
      const dockerfile = dockerfiles.get(app)!;
      const env = Object.assign({}, ...all(dockerfile, 1, 'ENV').map((line) => parseEnv(line.args)));
      expect(env).toEqual({ NODE_ENV: 'production', PORT: String(port) });
      expect(all(dockerfile, 1, 'EXPOSE').map((line) => line.args)).toEqual([String(port)]);
      const [health] = all(dockerfile, 1, 'HEALTHCHECK');
      expect(health?.args).toBe(`CMD wget -qO- "http://127.0.0.1:\${PORT}/healthz" || exit 1`);
      expect(Object.keys(health?.flags ?? {}).sort()).toEqual([
        'interval',
        'retries',
        'start-period',
        'timeout',
      ]);
      const cmds = all(dockerfile, 1, 'CMD');
      expect(cmds).toHaveLength(1);
      expect(execForm(cmds[0]!.args)).toEqual(['node', `${app}/dist/src/main.js`]);
      expect(all(dockerfile, 1, 'ENTRYPOINT')).toEqual([]);
    });
  }

  it('are the same but for the app folder, its name and its port', () => {
    const normalised = present.map((app) => {
      const source = text(app);
      const runtime = source.indexOf('FROM node:24-alpine AS runtime');
      const builder = source.indexOf('FROM node:24-alpine AS builder');
      const own = (part: string) =>
        part
          .replaceAll(app, '<app>')
          .replaceAll(path.basename(app), '<app>')
          .replaceAll(String(PORTS[app]), '<port>');
      // The builder names every workspace, so it must match word for word.
      return {
        app,
        text: own(source.slice(0, builder)) + source.slice(builder, runtime) + own(source.slice(runtime)),
      };
    });
    for (const { app, text: other } of normalised.slice(1)) {
      expect({ app, text: other }).toEqual({ app, text: normalised[0]!.text });
    }
  });
});
