// Cursor pagination, the same for every list in REST and GraphQL: pages are
// ordered by id, and a cursor is an opaque token this system issued.
import { z } from 'zod';
import { Invalid } from './errors.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export const limitSchema = z.coerce
  .number({ error: `must be a whole number from 1 to ${MAX_LIMIT}` })
  .int(`must be a whole number from 1 to ${MAX_LIMIT}`)
  .min(1, `must be a whole number from 1 to ${MAX_LIMIT}`)
  .max(MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`)
  .default(DEFAULT_LIMIT);

/** `limit` and `cursor` of a REST list; extend with the list's filters. */
export const listQuerySchema = z.object({ limit: limitSchema, cursor: z.string().optional() }).strict();

/** `first` and `after` of a GraphQL connection field; extend with the field's filters. */
export const connectionArgsSchema = z.object({ first: limitSchema, after: z.string().nullish() });

/**
 * What a list's domain function takes: how many, and after which id. Each
 * transport decodes its own form at its edge, so a bad cursor is reported
 * under the name its caller sent it as.
 */
export interface PageRequest {
  limit: number;
  after?: number | undefined;
}

/** A REST list's `limit` and `cursor`: a bad cursor is Invalid naming `cursor`. */
export function pageOfQuery(query: { limit: number; cursor?: string | undefined }): PageRequest {
  return { limit: query.limit, after: decodeCursor(query.cursor, 'cursor') };
}

/** A GraphQL connection's `first` and `after`: a bad cursor is Invalid naming `after`. */
export function pageOfConnection(args: { first: number; after?: string | null | undefined }): PageRequest {
  return { limit: args.first, after: decodeCursor(args.after, 'after') };
}

const PREFIX = 'c1.';

export function encodeCursor(lastId: number): string {
  return PREFIX + Buffer.from(String(lastId)).toString('base64url');
}

/** The id a cursor stands after; a token this system did not issue is Invalid. */
export function decodeCursor(
  cursor: string | null | undefined,
  field: 'cursor' | 'after' = 'cursor',
): number | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const text = cursor.startsWith(PREFIX)
    ? Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString()
    : '';
  const id = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(id <= 2_147_483_647) || encodeCursor(id) !== cursor) {
    throw new Invalid(`${field} is not a cursor issued by this service`, [
      { field, message: 'is not a cursor issued by this service' },
    ]);
  }
  return id;
}

/** Turns `limit + 1` rows ordered by id into a page. */
export function toPage<T extends { id: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

export interface Connection<T> {
  edges: Array<{ node: T; cursor: string }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The Relay connection for a page. */
export function toConnection<T extends { id: number }>(page: Page<T>): Connection<T> {
  return {
    edges: page.items.map((node) => ({ node, cursor: encodeCursor(node.id) })),
    pageInfo: {
      hasNextPage: page.nextCursor !== null,
      endCursor: page.items.length ? encodeCursor(page.items.at(-1)!.id) : null,
    },
  };
}
