// Runs a Dockerfile stage on this machine the way `docker build` would, for
// machines without a Docker engine: each stage gets its own folder standing
// for the image's file system, WORKDIR and COPY map into it, and RUN lines run
// with `sh -c` in the working directory. What cannot be followed faithfully
// (another RUN mount, ADD, wildcards) fails loudly instead of being skipped.
//
// Like Docker's layer cache, a stage's install layer (everything up to its
// first RUN) is reused while the files it copied and its lines are unchanged:
// a snapshot kept under the system's temp folder, hard-linked back in.
// IMAGE_TEST_CACHE=off always runs everything.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  execForm,
  type Instruction,
  mountOptions,
  parseArg,
  parseEnv,
  type Stage,
  substitute,
} from './dockerfile.ts';

/** The image's npm cache, which the RUN cache mounts stand for: this machine's npm cache. */
export const NPM_CACHE_TARGET = '/root/.npm';
const CACHE_DIR = path.join(tmpdir(), 'crm-supply-image-layers');
const STALE_SNAPSHOT_MS = 10 * 60_000;

export interface BuiltStage {
  name: string;
  /** The folder standing for the image's root (/). */
  root: string;
  workdir: string;
  env: Record<string, string>;
  /** The stage's ARG values: in the environment of its RUN lines, not of the image. */
  args: Record<string, string>;
  /** What `apk add` lines install: the base image's packages, which this machine stands for. */
  systemPackages: string[];
  user: string | undefined;
  exposed: string[];
  cmd: string[] | undefined;
  /** Whether the install layer came from the cache. */
  cached: boolean;
}

export interface StageBuild {
  stage: Stage;
  /** Folder for this stage's file system (created; must not exist yet). */
  root: string;
  /** The build context, for COPY without --from. */
  context: string;
  /** Stages built before, for COPY --from. */
  stages: Map<string, BuiltStage>;
  /** Names the cached install layer, e.g. "runtime-crm-api". */
  cacheLabel: string;
  /** --build-arg values. */
  buildArgs?: Record<string, string>;
}

export async function buildStage(build: StageBuild): Promise<BuiltStage> {
  const { stage, root } = build;
  mkdirSync(root, { recursive: true });
  const result: BuiltStage = {
    name: stage.name,
    root,
    workdir: '/',
    env: {},
    args: {},
    systemPackages: [],
    user: undefined,
    exposed: [],
    cmd: undefined,
    cached: false,
  };
  layBase(stage, root);
  const layer = createHash('sha256').update(`FROM ${stage.base}\n`);
  const firstRun = stage.instructions.findIndex((instruction) => instruction.keyword === 'RUN');
  for (const [index, instruction] of stage.instructions.entries()) {
    if (index <= firstRun) layer.update(`${instruction.text}\n`);
    if (index === firstRun) {
      const key = `${build.cacheLabel}-${layer.digest('hex').slice(0, 24)}`;
      result.cached = restoreSnapshot(key, root);
      if (result.cached) result.systemPackages.push(...(apkPackages(instruction.args) ?? []));
      else {
        await run(instruction, result);
        saveSnapshot(key, build.cacheLabel, root);
      }
      continue;
    }
    await apply(instruction, result, build, index < firstRun ? layer : undefined);
  }
  return result;
}

/** A node image's one file that the runtime copies out of it: /usr/local/bin/node, this machine's node. */
function layBase(stage: Stage, root: string): void {
  if (!stage.base.startsWith('node:')) return;
  mkdirSync(path.join(root, 'usr/local/bin'), { recursive: true });
  symlinkSync(process.execPath, path.join(root, 'usr/local/bin/node'));
}

async function apply(
  instruction: Instruction,
  state: BuiltStage,
  build: StageBuild,
  layer: ReturnType<typeof createHash> | undefined,
): Promise<void> {
  const values = { ...state.args, ...state.env };
  if (['COPY', 'ENV', 'EXPOSE', 'WORKDIR', 'USER'].includes(instruction.keyword)) {
    instruction = { ...instruction, args: substitute(instruction.args, values) };
  }
  switch (instruction.keyword) {
    case 'ARG': {
      const { name, value } = parseArg(instruction.args);
      state.args[name] = build.buildArgs?.[name] ?? value ?? '';
      return;
    }
    case 'WORKDIR':
      state.workdir = path.posix.resolve(state.workdir, instruction.args);
      mkdirSync(inRoot(state, state.workdir), { recursive: true });
      return;
    case 'ENV':
      Object.assign(state.env, parseEnv(instruction.args));
      return;
    case 'COPY':
      return copy(instruction, state, build, layer);
    case 'RUN':
      return run(instruction, state);
    case 'USER':
      state.user = instruction.args;
      return;
    case 'EXPOSE':
      state.exposed.push(...instruction.args.split(/\s+/));
      return;
    case 'CMD':
      state.cmd = execForm(instruction.args) ?? ['/bin/sh', '-c', instruction.args];
      return;
    case 'HEALTHCHECK':
    case 'LABEL':
      return;
    default:
      throw new Error(`line ${instruction.line}: ${instruction.keyword} is not followed by this runner`);
  }
}

function inRoot(state: BuiltStage, imagePath: string): string {
  return path.join(state.root, path.posix.resolve(state.workdir, imagePath));
}

function copy(
  instruction: Instruction,
  state: BuiltStage,
  build: StageBuild,
  layer: ReturnType<typeof createHash> | undefined,
): void {
  const unknown = Object.keys(instruction.flags).filter((flag) => !['from', 'chown', 'link'].includes(flag));
  if (unknown.length > 0) throw new Error(`line ${instruction.line}: COPY --${unknown[0]} is not followed`);
  const parts = instruction.args.split(/\s+/);
  const destination = parts.pop()!;
  if (parts.some((part) => /[*?[]/.test(part))) {
    throw new Error(`line ${instruction.line}: COPY wildcards are not followed`);
  }
  const from = instruction.flags.from?.[0];
  const source = from ? build.stages.get(from) : undefined;
  if (from && !source) throw new Error(`line ${instruction.line}: no stage ${from} built before`);
  const into = destination.endsWith('/') || parts.length > 1;
  for (const part of parts) {
    const src = source
      ? path.join(source.root, path.posix.resolve(source.workdir, part))
      : path.join(build.context, part);
    if (!existsSync(src)) throw new Error(`line ${instruction.line}: COPY source ${part} does not exist`);
    const isDir = statSync(src).isDirectory();
    const dest = inRoot(state, destination);
    const target = isDir ? dest : into ? path.join(dest, path.basename(src)) : dest;
    // The install layer's key covers what it copied: paths inside the image and contents.
    copyTree(src, target, (file, content) =>
      layer?.update(`${path.relative(state.root, file)}\0`).update(content),
    );
  }
}

/** Copies a file or a folder's contents; replaces files rather than writing into them (hard links). */
function copyTree(src: string, dest: string, onFile: (dest: string, content: string | Buffer) => void): void {
  const stat = lstatSync(src);
  if (stat.isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(src).sort()) copyTree(path.join(src, name), path.join(dest, name), onFile);
    return;
  }
  mkdirSync(path.dirname(dest), { recursive: true });
  rmSync(dest, { force: true });
  if (stat.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dest);
    onFile(dest, readlinkSync(src));
  } else {
    copyFileSync(src, dest);
    onFile(dest, readFileSync(src));
  }
}

/** The packages of an `apk add` line, or undefined for any other command. */
function apkPackages(command: string): string[] | undefined {
  return /^apk add (?:--no-cache )?([\w+ .-]+)$/.exec(command)?.[1]?.trim().split(/\s+/);
}

async function run(instruction: Instruction, state: BuiltStage): Promise<void> {
  const unknown = Object.keys(instruction.flags).filter((flag) => flag !== 'mount');
  if (unknown.length > 0) throw new Error(`line ${instruction.line}: RUN --${unknown[0]} is not followed`);
  for (const spec of instruction.flags.mount ?? []) {
    const mount = mountOptions(spec);
    if (mount.type !== 'cache' || mount.target !== NPM_CACHE_TARGET) {
      throw new Error(
        `line ${instruction.line}: only --mount=type=cache,target=${NPM_CACHE_TARGET} is followed`,
      );
    }
  }
  if (execForm(instruction.args))
    throw new Error(`line ${instruction.line}: RUN's exec form is not followed`);
  const packages = apkPackages(instruction.args);
  if (packages) {
    state.systemPackages.push(...packages);
    return;
  }
  // A clean environment, as in the image: nothing of jest's NODE_OPTIONS.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    ...state.args,
    ...state.env,
  };
  const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn('/bin/sh', ['-c', instruction.args], { cwd: inRoot(state, '.'), env });
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
    });
    child.stderr.on('data', (chunk) => {
      text += chunk;
    });
    child.on('close', (code) => resolve({ code, text }));
  });
  if (output.code !== 0) {
    throw new Error(
      `line ${instruction.line}: RUN ${instruction.args}\nexited ${output.code}:\n${output.text.slice(-4000)}`,
    );
  }
}

function restoreSnapshot(key: string, root: string): boolean {
  const snapshot = path.join(CACHE_DIR, key);
  if (process.env.IMAGE_TEST_CACHE === 'off' || !existsSync(snapshot)) return false;
  rmSync(root, { recursive: true, force: true });
  linkTree(snapshot, root);
  return true;
}

function saveSnapshot(key: string, label: string, root: string): void {
  if (process.env.IMAGE_TEST_CACHE === 'off') return;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = path.join(CACHE_DIR, `${key}.partial-${process.pid}`);
  linkTree(root, partial);
  try {
    renameSync(partial, path.join(CACHE_DIR, key));
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another run saved it first
  }
  for (const name of readdirSync(CACHE_DIR)) {
    const old = path.join(CACHE_DIR, name);
    const stale = Date.now() - statSync(old).mtimeMs > STALE_SNAPSHOT_MS;
    if (name.startsWith(`${label}-`) && name !== key && stale) rmSync(old, { recursive: true, force: true });
  }
}

/** A copy made of hard links (a real copy across file systems). */
function linkTree(from: string, to: string): void {
  try {
    execFileSync('cp', ['-al', from, to]);
  } catch {
    rmSync(to, { recursive: true, force: true });
    execFileSync('cp', ['-a', from, to]);
  }
}

/** Total size of the files under `dir` (what an image layer of it holds), in bytes. */
export function treeSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) total += treeSize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}
