// Pages through a sort=updatedAt list the way a CRM syncs, running `between`
// after each page so a test can change rows while the pass goes on.
import { expect } from '@jest/globals';
import type { AxiosInstance } from 'axios';

export interface Row {
  id: number;
  updatedAt: string;
}

export async function syncPass(
  http: AxiosInstance,
  path: string,
  params: Record<string, unknown>,
  between: (seen: readonly Row[]) => Promise<void> = async () => {},
): Promise<Row[]> {
  const seen: Row[] = [];
  let cursor: string | undefined;
  for (;;) {
    const res = await http.get(path, { params: { ...params, sort: 'updatedAt', cursor } });
    if (res.status !== 200)
      throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.data)}`);
    seen.push(...res.data.items);
    cursor = res.data.nextCursor ?? undefined;
    if (!cursor) return seen;
    await between(seen);
  }
}

/** The ids in the order read, and whether each came once and in (updatedAt, id) order. */
export function passFacts(rows: Row[]) {
  const ids = rows.map((row) => row.id);
  const sorted = [...rows].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id - b.id);
  return {
    ids,
    once: new Set(ids).size === ids.length,
    inOrder: sorted.every((row, i) => row === rows[i]),
  };
}

/**
 * Syncs `path` while, after each page, one row already read and one not yet read
 * change: the pass reads each row once, in order, and the next sync from the
 * pass's last updatedAt brings every changed row; together they hold all `ids`.
 */
export async function expectSyncWithoutGaps(
  http: AxiosInstance,
  path: string,
  ids: number[],
  change: (id: number) => Promise<void>,
): Promise<void> {
  const changed = new Set<number>();
  const pass = await syncPass(http, path, { limit: 2 }, async (seen) => {
    const read = seen.find((row) => !changed.has(row.id));
    const unread = ids.find((id) => !changed.has(id) && !seen.some((row) => row.id === id));
    for (const id of [read?.id, unread]) {
      if (id === undefined) continue;
      changed.add(id);
      await change(id);
    }
  });
  const facts = passFacts(pass);
  expect(facts).toMatchObject({ once: true, inOrder: true });
  const next = await syncPass(http, path, { limit: 2, updatedSince: pass.at(-1)?.updatedAt });
  const nextIds = next.map((row) => row.id);
  expect(passFacts(next).once).toBe(true);
  expect(nextIds).toEqual(expect.arrayContaining([...changed]));
  expect(new Set([...facts.ids, ...nextIds])).toEqual(new Set(ids));
  expect(changed.size).toBeGreaterThanOrEqual(4);
}
