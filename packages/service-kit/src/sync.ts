// Sync reads: "everything changed since", paged by (updated_at, id). The
// cursor carries the last row's updated_at to the microsecond and the moment
// the pass began, so a row changed during the pass leaves this pass (its
// updated_at is now later) and comes in the next one: no gaps, no repeats.
import { z } from 'zod';
import { type Database, Prisma } from './database.ts';
import { Invalid } from './errors.ts';
import { inIdOrder } from './lists.ts';
import { decodeCursor, listQuerySchema, type Page, type PageRequest } from './pagination.ts';

/** `updatedSince` (inclusive) and `sort` beside a list's `limit` and `cursor`. */
export const syncQuerySchema = listQuerySchema.extend({
  updatedSince: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time, such as 2026-01-31T09:00:00Z' })
    .transform((text) => new Date(text))
    .optional(),
  sort: z.enum(['id', 'updatedAt'], { error: 'must be id or updatedAt' }).default('id'),
});
export type SyncQuery = z.output<typeof syncQuerySchema>;

/**
 * A sync list's query as its domain takes it: with sort=id its cursor decoded
 * here, at the transport's edge, into `after`; a sort=updatedAt cursor stays
 * whole, for updatedPage.
 */
export function syncPageOf<Q extends SyncQuery>(query: Q): Q & PageRequest {
  if (query.sort === 'updatedAt') return query;
  return { ...query, cursor: undefined, after: decodeCursor(query.cursor, 'cursor') };
}

interface SyncPosition {
  /** The last row's updated_at, microseconds since the epoch. */
  updatedAt: string;
  id: number;
  /** The database clock when the pass began, microseconds since the epoch. */
  until: string;
}

const PREFIX = 'u1.';

function encode(position: SyncPosition): string {
  const text = `${position.updatedAt}.${position.id}.${position.until}`;
  return PREFIX + Buffer.from(text).toString('base64url');
}

function decode(cursor: string | undefined): SyncPosition | undefined {
  if (cursor === undefined) return undefined;
  const text = cursor.startsWith(PREFIX)
    ? Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString()
    : '';
  const match = /^(-?[0-9]{1,17})\.([1-9][0-9]{0,9})\.([0-9]{1,17})$/.exec(text);
  const position = match && { updatedAt: match[1]!, id: Number(match[2]), until: match[3]! };
  if (!position || position.id > 2_147_483_647 || encode(position) !== cursor) {
    throw new Invalid('cursor is not a sort=updatedAt cursor issued by this service', [
      { field: 'cursor', message: 'is not a sort=updatedAt cursor issued by this service' },
    ]);
  }
  return position;
}

const micros = (column: Prisma.Sql) => Prisma.sql`(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
const fromMicros = (value: string) =>
  Prisma.sql`(timestamptz 'epoch' + ${value}::bigint * interval '1 microsecond')`;

interface KeyRow {
  id: number;
  updatedAt: string;
  until: string;
}

/**
 * The ids of one page ordered by (updated_at, id), and the cursor after it.
 * `table` is a trusted table name; `where` the list's own filters.
 */
export async function updatedPage(
  db: Database,
  table: string,
  where: Prisma.Sql[],
  query: Pick<SyncQuery, 'limit' | 'cursor' | 'updatedSince'>,
): Promise<Page<number>> {
  const after = decode(query.cursor);
  const until = after ? fromMicros(after.until) : Prisma.sql`now()`;
  const conditions = [...where, Prisma.sql`updated_at <= ${until}`];
  if (query.updatedSince) conditions.push(Prisma.sql`updated_at >= ${query.updatedSince}`);
  if (after) conditions.push(Prisma.sql`(updated_at, id) > (${fromMicros(after.updatedAt)}, ${after.id})`);
  const rows = await db.prisma.$queryRaw<KeyRow[]>`
    SELECT id, ${micros(Prisma.sql`updated_at`)} AS "updatedAt", ${micros(until)} AS until
    FROM ${Prisma.raw(table)}
    WHERE ${Prisma.join(conditions, ' AND ')}
    ORDER BY updated_at, id
    LIMIT ${query.limit + 1}`;
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => row.id),
    nextCursor: rows.length > query.limit && last ? encode(last) : null,
  };
}

/** Rows read by id, put back in the page's order. */
export function inPageOrder<T extends { id: number }>(ids: number[], rows: T[]): T[] {
  return inIdOrder(ids, rows, (row) => row).filter((row): row is T => row !== null);
}
