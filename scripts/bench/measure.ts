// One scenario, measured: the load generator warms up, the counters are
// reset once the warm-up's requests have drained, then the measured run, with
// RSS sampled, CPU read per process, and SQL statements counted.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import type { FromCannon, LoadResult, ToCannon } from './cannon.ts';
import { cpuSeconds, machineCpuSeconds, postgresCpuSeconds } from './cpu.ts';
import type { ScenarioResult } from './report.ts';
import type { LoadSpec } from './scenarios.ts';
import { countStatements, resetStatements, settleStatements } from './statements.ts';
import { type Fleet, rssMiB } from './system.ts';

export interface MeasureContext {
  fleet: Fleet;
  cannon: LoadGenerator;
  admin: pg.Client;
  /** The database cluster's folder, to find its processes' CPU. */
  dataDir: string;
}

export interface Measured {
  result: ScenarioResult;
  /** Peak RSS of each process during the measured run. */
  peaks: Map<string, number>;
  /** Each process's RSS growth under steady load, MiB: over the measured run, and over its second half. */
  growth: Map<string, Growth>;
  /** The measured run in process.hrtime microseconds (the clock of CPU profiles). */
  window: { startUs: number; endUs: number };
}

/**
 * MiB, from the lowest RSS in each quarter of the run (its floor: what is left
 * after garbage collection, where a single sample mostly shows where the
 * collector happened to be): the last quarter's floor less the first's, and
 * less the second's. A process that has levelled off grows ~0 in the second half.
 */
export interface Growth {
  run: number;
  secondHalf: number;
}

function growthOf(rss: number[]): Growth {
  const quarter = (q: number) =>
    Math.min(...rss.slice(Math.floor((q * rss.length) / 4), Math.ceil(((q + 1) * rss.length) / 4)));
  return { run: quarter(3) - quarter(0), secondHalf: quarter(3) - quarter(1) };
}

const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n);
const MACHINE = '(machine)';

export interface LoadGenerator {
  /** Runs a scenario; `onWarm` runs between its warm-up and its measured run. */
  run(spec: LoadSpec, onWarm: () => Promise<void>): Promise<LoadResult>;
}

/** Starts the load generator's process, which serves every scenario of the run in turn. */
export function startLoadGenerator(root: string, fleet: Fleet): LoadGenerator {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts', 'bench', 'cannon.ts')],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  fleet.adopt(child);
  return {
    run: (spec, onWarm) =>
      new Promise((resolve, reject) => {
        const gone = () => reject(new Error('the load generator exited'));
        const done = (outcome: () => void) => {
          child.off('message', listen);
          child.off('exit', gone);
          outcome();
        };
        const listen = (message: FromCannon) => {
          if (message.type === 'warm') {
            onWarm().then(
              () => child.send({ type: 'go' } satisfies ToCannon),
              (error: unknown) => done(() => reject(error)),
            );
          } else if (message.type === 'result') done(() => resolve(message.result));
          else done(() => reject(new Error(`the load generator failed: ${message.error}`)));
        };
        child.on('message', listen);
        child.once('exit', gone);
        child.send({ type: 'run', spec } satisfies ToCannon);
      }),
  };
}

/** CPU seconds so far of every process of the run, and of the database server. */
function cpuNow(ctx: MeasureContext): Map<string, number> {
  const cpu = new Map(ctx.fleet.procs.map((proc) => [proc.name, cpuSeconds(proc.child.pid)]));
  cpu.set('postgres', postgresCpuSeconds(ctx.dataDir));
  cpu.set(MACHINE, machineCpuSeconds());
  return cpu;
}

function sampleRss(ctx: MeasureContext): () => Pick<Measured, 'peaks' | 'growth'> {
  const peaks = new Map<string, number>();
  const series = new Map<string, number[]>();
  const sample = () => {
    for (const proc of ctx.fleet.procs) {
      const rss = rssMiB(proc.child.pid);
      if (rss === undefined) continue;
      peaks.set(proc.name, Math.max(rss, peaks.get(proc.name) ?? 0));
      const samples = series.get(proc.name) ?? [];
      series.set(proc.name, samples);
      samples.push(rss);
    }
  };
  sample();
  const timer = setInterval(sample, 500);
  return () => {
    clearInterval(timer);
    sample();
    const growth = new Map([...series].map(([name, rss]): [string, Growth] => [name, growthOf(rss)]));
    return { peaks, growth };
  };
}

export async function measure(ctx: MeasureContext, spec: LoadSpec): Promise<Measured> {
  const logBytes = () => ctx.fleet.procs.reduce((sum, proc) => sum + proc.logBytes, 0);
  let logsBefore = 0;
  let cpuBefore = new Map<string, number>();
  let stopSampling = (): Pick<Measured, 'peaks' | 'growth'> => ({ peaks: new Map(), growth: new Map() });
  let startUs = 0;
  const load = await ctx.cannon.run(spec, async () => {
    // The warm-up's last requests are still being answered: let them finish first.
    await settleStatements(ctx.admin);
    await resetStatements(ctx.admin);
    logsBefore = logBytes();
    cpuBefore = cpuNow(ctx);
    stopSampling = sampleRss(ctx);
    startUs = hrtimeUs();
  });
  const window = { startUs, endUs: hrtimeUs() };
  const { peaks, growth } = stopSampling();
  const cpuAfter = cpuNow(ctx);
  const statements = await countStatements(ctx.admin);
  const sent = Math.max(1, load.sent);
  const cpuMsPerRequest: Record<string, number> = {};
  for (const [name, after] of cpuAfter) {
    cpuMsPerRequest[name] = ((after - (cpuBefore.get(name) ?? after)) * 1000) / sent;
  }
  cpuMsPerRequest['load generator'] = (load.cpuSeconds * 1000) / sent;
  const machineMs = cpuMsPerRequest[MACHINE] ?? 0;
  delete cpuMsPerRequest[MACHINE];
  const seconds = (window.endUs - window.startUs) / 1e6;
  const result: ScenarioResult = {
    name: spec.scenario,
    load,
    sqlPerRequest: statements.calls / sent,
    logBytesPerRequest: (logBytes() - logsBefore) / sent,
    top: statements.top,
    statements: statements.all,
    cpuMsPerRequest,
    seconds,
    machineCores: (machineMs * sent) / 1000 / seconds,
  };
  return { result, peaks, growth, window };
}
