// The processes a run starts: each service, the gateway, the floor and the
// peer gateway as its own child, on ports nobody else uses. Every child is
// tracked, so a failure or Ctrl-C stops all of them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import axios from 'axios';

export interface Proc {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Bytes written to stdout and stderr so far: the log volume. */
  logBytes: number;
  /** The last lines it wrote, to explain a failure. */
  tail: string[];
}

export interface LaunchSpec {
  name: string;
  /** Arguments to node (flags, then the entry file). */
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

export function createFleet(root: string) {
  const procs: Proc[] = [];
  // Children that are not servers (the load generator): stopped and killed with the rest.
  const others = new Set<ChildProcess>();

  function launch(spec: LaunchSpec): Proc {
    const child = spawn(process.execPath, spec.args, {
      cwd: root,
      env: { ...spec.env, PORT: String(spec.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: Proc = {
      name: spec.name,
      port: spec.port,
      url: `http://127.0.0.1:${spec.port}`,
      child,
      logBytes: 0,
      tail: [],
    };
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        proc.logBytes += chunk.length;
      });
      if (stream) {
        createInterface({ input: stream }).on('line', (line) => {
          proc.tail.push(line.slice(0, 500));
          if (proc.tail.length > 15) proc.tail.shift();
        });
      }
    }
    procs.push(proc);
    return proc;
  }

  async function waitReady(proc: Proc, path: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
        throw new Error(`${proc.name} exited while starting:\n  ${proc.tail.join('\n  ')}`);
      }
      // axios, not fetch: fetch refuses some ports, and this one may be any.
      const ok = await axios.get(`${proc.url}${path}`, { timeout: 2_000 }).then(
        () => true,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `${proc.name} was not ready within ${READY_TIMEOUT_MS / 1000} s:\n  ${proc.tail.join('\n  ')}`,
    );
  }

  return {
    procs,
    /** Starts each process, then waits until all of them answer their readiness path. */
    async start(specs: LaunchSpec[]): Promise<Proc[]> {
      const started = specs.map(launch);
      await Promise.all(started.map((proc, i) => waitReady(proc, specs[i]?.readyPath ?? '/')));
      return started;
    },
    /** Tracks a child that is not a server until it exits. */
    adopt(child: ChildProcess): void {
      others.add(child);
      child.once('exit', () => others.delete(child));
    },
    /** SIGTERM to all, SIGKILL to any still there after the grace period; profiles are written on a clean exit. */
    async stopAll(): Promise<void> {
      for (const child of others) child.kill('SIGKILL');
      await Promise.all(procs.map(stop));
    },
    /** Last resort on exit: nothing this run started may outlive it. */
    killNow(): void {
      for (const child of [...others, ...procs.map((proc) => proc.child)]) {
        if (running(child)) child.kill('SIGKILL');
      }
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function stop(proc: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (!running(proc.child)) return resolve();
    const force = setTimeout(() => proc.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    proc.child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    proc.child.kill('SIGTERM');
  });
}

/** Resident set size in MiB, from /proc (Linux); undefined where there is none. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}
