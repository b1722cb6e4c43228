// The process runner `npm start` and the benchmark share: start a Node child,
// wait until it answers its readiness path, stop it (SIGTERM, then SIGKILL
// after a grace period), and keep its last lines to explain a failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import axios from 'axios';

export interface NodeChild {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Bytes written to stdout and stderr so far: the log volume. */
  logBytes: number;
  /** The last lines it wrote, to explain a failure. */
  tail: string[];
}

export interface NodeLaunch {
  name: string;
  /** Arguments to node (flags, then the entry file). */
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  cwd: string;
  /** Called with each line the child writes, on stdout or stderr. */
  onLine?: (line: string) => void;
}

const TAIL_LINES = 15;

/** Starts `node <args>` on the Node that runs this script, with PORT set and its output read line by line. */
export function startNode(launch: NodeLaunch): NodeChild {
  const child = spawn(process.execPath, launch.args, {
    cwd: launch.cwd,
    env: { ...launch.env, PORT: String(launch.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: NodeChild = {
    name: launch.name,
    port: launch.port,
    url: `http://127.0.0.1:${launch.port}`,
    child,
    logBytes: 0,
    tail: [],
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.on('data', (chunk: Buffer) => {
      proc.logBytes += chunk.length;
    });
    createInterface({ input: stream }).on('line', (line) => {
      proc.tail.push(line.slice(0, 500));
      if (proc.tail.length > TAIL_LINES) proc.tail.shift();
      launch.onLine?.(line);
    });
  }
  return proc;
}

export const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * Polls `path` until it answers 2xx; fails when the child exits first or the
 * time runs out, with its last lines. `cancelled` ends the wait quietly.
 */
export async function waitUntilReady(
  proc: NodeChild,
  path: string,
  { timeoutMs, cancelled = () => false }: { timeoutMs: number; cancelled?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !cancelled()) {
    if (!isRunning(proc.child)) {
      throw new Error(`${proc.name} exited while starting:\n  ${proc.tail.join('\n  ')}`);
    }
    // axios, not fetch: fetch refuses some ports (6000 among them), and this one may be any.
    const ok = await axios.get(`${proc.url}${path}`, { timeout: 2_000 }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (cancelled()) return;
  throw new Error(
    `${proc.name} did not answer on port ${proc.port} within ${timeoutMs / 1000} s:\n  ${proc.tail.join('\n  ')}`,
  );
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (!isRunning(child)) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
