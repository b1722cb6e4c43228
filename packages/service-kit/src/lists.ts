// What the services do to lists the same way: rows read by id put back in
// the order they were asked for (one each, or all of each), and order lines
// merged by product.

/** The rows for `ids`, in the order of `ids`, null where none was read (a DataLoader's answer). */
export function inIdOrder<R extends { id: number }, T>(
  ids: readonly number[],
  rows: R[],
  map: (row: R) => T,
): Array<T | null> {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = byId.get(id);
    return row ? map(row) : null;
  });
}

/** Each key's rows, mapped, in the order of `keys` and then as read; [] for a key with none. */
export function groupedInOrder<R, T>(
  keys: readonly number[],
  rows: readonly R[],
  keyOf: (row: R) => number,
  map: (row: R) => T,
): T[][] {
  const groups = new Map<number, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(map(row));
  return keys.map((key) => groups.get(key) ?? []);
}

export interface ProductLine {
  productId: number;
  quantity: number;
}

/** One line per product, the quantities of a repeated product summed, in product id order. */
export function mergeByProduct(items: readonly ProductLine[]): ProductLine[] {
  const totals = new Map<number, number>();
  for (const { productId, quantity } of items) totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  return [...totals].sort(([a], [b]) => a - b).map(([productId, quantity]) => ({ productId, quantity }));
}
