// Pages through a sort=updatedAt list the way a CRM syncs, running `between`
// after each page so a test can change rows while the pass goes on.
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
