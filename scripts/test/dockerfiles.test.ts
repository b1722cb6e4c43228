// The one Dockerfile: lint-clean, a builder that bundles every process once,
// and a runtime stage that holds node, the bundle the build arguments name and
// nothing else, running as a numeric non-root user as docs/deploy.md says.
// images.test.ts runs what it says.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import dockerfileUtils from 'dockerfile-utils';
import { APPS } from '../build.ts';
import { execForm, type Instruction, parseArg, parseDockerfile, parseEnv } from './dockerfile.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = parseDockerfile(text);
const [builder, runtime] = dockerfile.stages;

/** `${NAME}` as the Dockerfile writes it. */
const ref = (name: string) => `\${${name}}`;

const all = (instructions: Instruction[], keyword: string): Instruction[] =>
  instructions.filter((instruction) => instruction.keyword === keyword);

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

describe('the Dockerfile', () => {
  it('is the only one', () => {
    expect(APPS.filter((app) => existsSync(path.join(ROOT, app, 'Dockerfile')))).toEqual([]);
  });

  it("passes dockerfile-utils' lint with nothing to report", () => {
    const findings = dockerfileUtils
      .validate(text)
      .map((finding) => `line ${finding.range.start.line + 1}: ${finding.message}`);
    expect(findings).toEqual([]);
  });

  it('builds on node:24-alpine and runs on the same Alpine release, with BuildKit syntax', () => {
    expect(dockerfile.directives.syntax).toMatch(/^docker\/dockerfile:1/);
    expect(dockerfile.globalArgs.map((arg) => parseArg(arg.args).name)).toEqual(['ALPINE_VERSION']);
    expect(dockerfile.stages.map((stage) => [stage.name, stage.base])).toEqual([
      ['builder', `node:24-alpine${ref('ALPINE_VERSION')}`],
      ['runtime', `alpine:${ref('ALPINE_VERSION')}`],
    ]);
  });

  it('builds every bundle in a builder that takes no build argument', () => {
    const instructions = builder!.instructions;
    expect(all(instructions, 'ARG')).toEqual([]);
    const runs = all(instructions, 'RUN').map((run) => run.args);
    expect(runs[0]).toMatch(/^npm ci\b/);
    expect(runs.at(-1)).toBe('npm run generate && npm run build');
    // The install layer sees every workspace's manifest, so npm ci installs the lockfile's whole tree.
    const install = instructions.findIndex((instruction) => instruction.keyword === 'RUN');
    const copied = instructions.slice(0, install).map((instruction) => instruction.args);
    for (const workspace of workspaces()) expect(copied).toContain(`${workspace}/package.json ${workspace}/`);
  });

  it('keeps node, libstdc++ and the bundle APP names in the runtime, as a numeric non-root user', () => {
    const instructions = runtime!.instructions;
    expect(all(instructions, 'ARG').map((arg) => arg.args)).toEqual(['APP', 'PORT']);
    expect(all(instructions, 'RUN').map((run) => run.args)).toEqual(['apk add --no-cache libstdc++']);
    expect(all(instructions, 'COPY').map((copy) => [copy.flags.from?.[0], copy.args])).toEqual([
      ['builder', '/usr/local/bin/node /usr/local/bin/node'],
      ['builder', `/app/dist/${ref('APP')}/ ./`],
    ]);
    const user = instructions.findLastIndex((instruction) => instruction.keyword === 'USER');
    expect(instructions[user]?.args).toBe('1000:1000');
    // Everything the image holds is written before the switch: root owns it, the process only reads it.
    expect(instructions.slice(user).filter((i) => i.keyword === 'COPY' || i.keyword === 'RUN')).toEqual([]);
  });

  it('sets production mode, exposes PORT, checks /healthz and starts node in exec form', () => {
    const instructions = runtime!.instructions;
    const env = Object.assign({}, ...all(instructions, 'ENV').map((line) => parseEnv(line.args)));
    expect(env).toEqual({ NODE_ENV: 'production', PORT: ref('PORT') });
    expect(all(instructions, 'EXPOSE').map((line) => line.args)).toEqual([ref('PORT')]);
    const [health] = all(instructions, 'HEALTHCHECK');
    expect(health?.args).toBe(`CMD wget -qO- "http://127.0.0.1:\${PORT}/healthz" || exit 1`);
    expect(Object.keys(health?.flags ?? {}).sort()).toEqual([
      'interval',
      'retries',
      'start-period',
      'timeout',
    ]);
    const cmds = all(instructions, 'CMD');
    expect(cmds.map((cmd) => execForm(cmd.args))).toEqual([['node', '.']]);
    expect(all(instructions, 'ENTRYPOINT')).toEqual([]);
  });
});
