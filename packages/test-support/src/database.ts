// Databases for tests: each test file gets its own copy of the run's
// template, so files run in parallel without seeing each other's rows.
import { randomBytes } from 'node:crypto';
import { databaseUrl, quoteIdent } from '@supply/service-kit/migrate';
import pg from 'pg';

export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end();
  }
}

function runSettings(): { serverUrl: string; prefix: string } {
  const serverUrl = process.env.TEST_DB_SERVER_URL;
  const prefix = process.env.TEST_DB_PREFIX;
  if (!serverUrl || !prefix)
    throw new Error('No test database server: run the tests through jest (npm test)');
  return { serverUrl, prefix };
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL against this database (setup and assertions only). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

/** A new database holding the schema and no rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { serverUrl, prefix } = runSettings();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(
    serverUrl,
    `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(`${prefix}_template`)}`,
  );
  const url = databaseUrl(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // DROP DATABASE ... WITH (FORCE) ends connections; that is expected at the end of a test file.
  pool.on('error', () => {});
  return {
    url,
    name,
    query: (sql, params = []) => pool.query(sql, params),
    drop: async () => {
      await pool.end();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}
