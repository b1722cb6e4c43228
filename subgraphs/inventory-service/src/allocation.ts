// Which warehouses an order's stock is held in. Pure: given each warehouse's
// available stock, it answers the allocations or the lines the network as a
// whole cannot fill. The rule, as Saleor's allocation strategies and Medusa's
// reservations per location suggest, in order:
//   1. the fewest warehouses that together fill every line of the order;
//   2. among sets of that size, the one whose warehouses rank first, a
//      warehouse in the destination's country ranking before one abroad,
//      then lower `priority`, then lower id;
//   3. within the set, each line takes what it can from the best-ranked
//      warehouse first.
import type { ShortItem } from '@supply/service-kit/errors';
import type { StockItem } from './inventory.ts';

export interface Candidate {
  productId: number;
  warehouseId: number;
  country: string | null;
  priority: number;
  available: number;
}

export interface Allocation {
  productId: number;
  warehouseId: number;
  quantity: number;
}

/** Above this many warehouses holding the goods, sets are no longer tried exhaustively. */
const EXHAUSTIVE_UP_TO = 12;

export function allocate(
  items: StockItem[],
  candidates: Candidate[],
  destinationCountry?: string,
): { allocations: Allocation[] } | { short: ShortItem[] } {
  const available = new Map<string, number>();
  for (const c of candidates) available.set(`${c.productId}:${c.warehouseId}`, Math.max(c.available, 0));
  const of = (productId: number, warehouseId: number) => available.get(`${productId}:${warehouseId}`) ?? 0;
  const ranked = rankWarehouses(candidates, destinationCountry);
  const short = items.flatMap((item): ShortItem[] => {
    const total = ranked.reduce((sum, w) => sum + of(item.productId, w), 0);
    return total < item.quantity
      ? [{ productId: item.productId, requested: item.quantity, available: total }]
      : [];
  });
  if (short.length > 0) return { short };
  const fills = (set: number[]) =>
    items.every((item) => set.reduce((sum, w) => sum + of(item.productId, w), 0) >= item.quantity);
  const chosen = smallestFillingSet(ranked, fills);
  const allocations = items.flatMap((item) => {
    let left = item.quantity;
    return chosen.flatMap((warehouseId) => {
      const quantity = Math.min(left, of(item.productId, warehouseId));
      left -= quantity;
      return quantity > 0 ? [{ productId: item.productId, warehouseId, quantity }] : [];
    });
  });
  return { allocations };
}

/** Warehouse ids, best first: in the destination's country, then lower priority, then lower id. */
function rankWarehouses(candidates: Candidate[], destinationCountry?: string): number[] {
  const byId = new Map(candidates.map((c) => [c.warehouseId, c]));
  const key = (c: Candidate) => [c.country === destinationCountry ? 0 : 1, c.priority, c.warehouseId];
  return [...byId.values()]
    .sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      return ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
    })
    .map((c) => c.warehouseId);
}

/**
 * The first set, by size then by rank, that fills the order. Sets of each
 * size come in rank order (lexicographic over ranked positions), so the best
 * ranked set of the smallest size wins. Past EXHAUSTIVE_UP_TO warehouses,
 * the best-ranked warehouses are added one by one until the order is filled.
 */
function smallestFillingSet(ranked: number[], fills: (set: number[]) => boolean): number[] {
  if (ranked.length > EXHAUSTIVE_UP_TO) {
    for (let size = 1; size <= ranked.length; size++) {
      if (fills(ranked.slice(0, size))) return ranked.slice(0, size);
    }
    return ranked;
  }
  for (let size = 1; size <= ranked.length; size++) {
    for (const set of combinations(ranked, size)) if (fills(set)) return set;
  }
  return ranked;
}

/** Every `size`-element subset of `items`, in lexicographic order of positions. */
function* combinations<T>(items: T[], size: number, start = 0): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - size; i++) {
    for (const rest of combinations(items, size - 1, i + 1)) yield [items[i]!, ...rest];
  }
}
