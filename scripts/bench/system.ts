// The processes a run starts: each service, the gateway, the floor and the
// peer gateway as its own child, on ports nobody else uses. Every child is
// tracked, so a failure or Ctrl-C stops all of them.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isRunning, type NodeChild, startNode, stopChild, waitUntilReady } from '../runner.ts';

export type Proc = NodeChild;

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
    const proc = startNode({ ...spec, cwd: root });
    procs.push(proc);
    return proc;
  }

  return {
    procs,
    /** Starts each process, then waits until all of them answer their readiness path. */
    async start(specs: LaunchSpec[]): Promise<Proc[]> {
      const started = specs.map(launch);
      await Promise.all(
        started.map((proc, i) =>
          waitUntilReady(proc, specs[i]?.readyPath ?? '/', { timeoutMs: READY_TIMEOUT_MS }),
        ),
      );
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
      await Promise.all(procs.map((proc) => stopChild(proc.child, STOP_TIMEOUT_MS)));
    },
    /** Last resort on exit: nothing this run started may outlive it. */
    killNow(): void {
      for (const child of [...others, ...procs.map((proc) => proc.child)]) {
        if (isRunning(child)) child.kill('SIGKILL');
      }
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;

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
