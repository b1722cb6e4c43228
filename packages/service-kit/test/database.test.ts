// The database client prepares each fixed SQL text once per connection, and
// leaves unprepared the texts Prisma writes per list length; its direct reads
// are prepared statements too, and counted like Prisma's.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { type Database, openDatabase } from '@supply/service-kit/database';
import { createLogger } from '@supply/service-kit/logger';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { waitFor } from '@supply/test-support/network';

let testDb: TestDatabase;
let db: Database;
const sent: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  await testDb.query(`INSERT INTO customers (id, name, email)
    SELECT c, 'Customer ' || c, 'c' || c || '@example.com' FROM generate_series(1, 5) c`);
  // One connection: what is prepared on it is what pg_prepared_statements shows.
  db = openDatabase({
    url: testDb.url,
    poolSize: 1,
    logger: createLogger('test', 'silent'),
    onQuery: (sql) => sent.push(sql),
  });
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

async function prepared(): Promise<string[]> {
  const rows = await db.prisma.$queryRaw<Array<{ statement: string }>>`
    SELECT statement FROM pg_prepared_statements WHERE NOT from_sql`;
  return rows.map((row) => row.statement);
}

it('prepares a fixed statement once and reuses it', async () => {
  for (const id of [1, 2, 3]) {
    expect((await db.prisma.customer.findUnique({ where: { id } }))?.id).toBe(id);
  }
  const byId = (await prepared()).filter((text) =>
    /FROM "public"\."customers" WHERE .*"id" = \$1/.test(text),
  );
  expect(byId).toHaveLength(1);
});

it('leaves a list of ids unprepared, whatever its length', async () => {
  for (const ids of [[1], [1, 2], [1, 2, 3, 4]]) {
    expect(await db.prisma.customer.findMany({ where: { id: { in: ids } } })).toHaveLength(ids.length);
  }
  expect((await prepared()).filter((text) => /\bIN \(\$/.test(text))).toEqual([]);
});

it('reads rows with a prepared statement of its own, counted as sent', async () => {
  const statement = { text: 'SELECT id, email, created_at AS "createdAt" FROM customers WHERE id = $1' };
  sent.length = 0;
  for (const id of [4, 5, 6]) {
    const rows = await db.read<{ id: number; email: string; createdAt: Date }>(statement, [id]);
    expect(rows.map((row) => row.id)).toEqual(id <= 5 ? [id] : []);
    if (rows[0]) expect(rows[0].createdAt).toBeInstanceOf(Date);
  }
  expect(sent).toEqual([statement.text, statement.text, statement.text]);
  expect((await prepared()).filter((text) => text === statement.text)).toHaveLength(1);
});

it('closes its connections on close, also when only read() has used them', async () => {
  const connections = async () => {
    const { rows } = await testDb.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return rows[0]?.n as number;
  };
  const before = await connections();
  const readsOnly = openDatabase({ url: testDb.url, poolSize: 1, logger: createLogger('test', 'silent') });
  await readsOnly.read({ text: 'SELECT 1 AS one' }, []);
  expect(await connections()).toBe(before + 1);
  await readsOnly.close();
  expect(await waitFor(async () => (await connections()) === before, 'the connection to close')).toBe(true);
});

it('bounds every statement and every idle transaction on its connections', async () => {
  const [settings] = await db.prisma.$queryRaw<Array<{ statement: string; idle: string }>>`
    SELECT current_setting('statement_timeout') AS statement,
      current_setting('idle_in_transaction_session_timeout') AS idle`;
  expect(settings).toEqual({ statement: '15s', idle: '10s' });
});
