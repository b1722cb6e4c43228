// A service as its own operating-system process, as `npm start` runs it: for
// tests that kill one with SIGKILL mid-work.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { httpClient } from './http.ts';
import { waitFor } from './network.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Kills it at once, as a crash or an OOM kill does. */
  kill(): void;
}

/** Starts `subgraphs/<name>/src/main.ts` on `port` and waits until it answers /healthz. */
export async function spawnService(
  name: string,
  port: number,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', `subgraphs/${name}/src/main.ts`],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        PORT: String(port),
        ...env,
      },
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const started = { url, child, kill: () => void child.kill('SIGKILL') };
  try {
    await waitFor(
      () =>
        httpClient(url)
          .get('/healthz')
          .then(
            (r) => r.status === 200,
            () => false,
          ),
      `${name} to start`,
      30_000,
    );
  } catch (error) {
    started.kill();
    throw error;
  }
  return started;
}
