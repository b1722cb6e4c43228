// Stock held for reservations, and what becomes of it: held in the warehouses
// allocation chose, given back (released), gone with the goods (shipped), or
// back on hand (a return's restock). Every change first locks the products'
// inventory rows (stock.ts), as every other change to stock does.
import { Prisma, type Transaction } from '@supply/service-kit/database';
import { InsufficientStock, NotFound } from '@supply/service-kit/errors';
import { reservationsRefused } from '@supply/service-kit/metrics';
import { type Allocation, allocate, type Candidate } from './allocation.ts';
import type { StockItem } from './inventory.ts';
import { lockingProducts, lockProducts } from './stock.ts';

/**
 * Runs `claim` (a write RETURNING one row, or none when the row is taken) and, only when it
 * claims its row, locks the products, in one statement: the locks come after the claim, in
 * the usual order, and a claim that found its row taken locks nothing. Answers the claimed
 * row with `lockedProductIds` (the products that exist, now locked), or undefined.
 */
export async function claimLockingProducts<Row extends object>(
  tx: Transaction,
  claim: Prisma.Sql,
  productIds: number[],
): Promise<(Row & { lockedProductIds: number[] }) | undefined> {
  // Reading `locked` is what runs it: a CTE no one reads is never run, and nothing is locked.
  const [row] = await tx.$queryRaw<Array<Row & { lockedProductIds: number[] }>>`
    WITH claimed AS (${claim}),
    locked AS (${lockingProducts(productIds, Prisma.sql`EXISTS (SELECT FROM claimed)`)})
    SELECT claimed.*, ARRAY(SELECT l."productId" FROM locked l) AS "lockedProductIds" FROM claimed`;
  return row;
}

/**
 * Where to hold stock for every item, in the warehouses allocation chooses
 * (allocation.ts), once the products are locked (`locked`: the ids the lock
 * found). Unknown products are NotFound, lines the whole network cannot fill
 * InsufficientStock. Nothing is held until `holdStock` runs.
 */
export async function chooseHolds(
  tx: Transaction,
  items: StockItem[],
  locked: readonly number[],
  destinationCountry?: string,
): Promise<Allocation[]> {
  const ids = items.map((item) => item.productId);
  const lockedIds = new Set(locked);
  const unknown = ids.filter((id) => !lockedIds.has(id));
  if (unknown.length > 0) {
    reservationsRefused.inc({ reason: 'NOT_FOUND' });
    throw new NotFound(`Product ${unknown.join(', ')} does not exist`, { productIds: unknown });
  }
  // Read once the products are locked: no one else changes these rows until this transaction ends.
  const candidates = await tx.$queryRaw<Candidate[]>`
    SELECT s.product_id AS "productId", s.warehouse_id AS "warehouseId", w.address_country AS country,
      w.priority, s.quantity_on_hand - s.quantity_reserved AS available
    FROM warehouse_stock s JOIN warehouses w ON w.id = s.warehouse_id
    WHERE s.product_id = ANY(${ids}::int[]) AND s.quantity_on_hand > s.quantity_reserved`;
  const result = allocate(items, candidates, destinationCountry);
  if ('short' in result) {
    reservationsRefused.inc({ reason: 'INSUFFICIENT_STOCK' });
    throw new InsufficientStock(result.short);
  }
  return result.allocations;
}

/**
 * Holds the chosen allocations (reserved in their warehouses, not yet gone) in one statement
 * with `records`, the writes that say what they are held for. Call it with the products
 * locked (claimLockingProducts) and the allocations chosen under that lock (chooseHolds):
 * each must find its warehouse's row, and one that does not fails it all.
 */
export async function holdStock(tx: Transaction, allocations: Allocation[], records: HeldFor) {
  const hold = movingStock(allocations, Prisma.sql`quantity_reserved = s.quantity_reserved + m.quantity`);
  const written = records.map((record, i) => Prisma.sql`${Prisma.raw(`record${i}`)} AS (${record})`);
  const [row] = await tx.$queryRaw<Array<{ held: number }>>`
    WITH held AS (${hold} RETURNING 1), ${Prisma.join(written, ', ')}
    SELECT count(*)::int AS held FROM held`;
  if (row?.held !== allocations.length) {
    throw new Error(`holding ${allocations.length} allocations found ${row?.held} warehouse rows`);
  }
}

/** The writes that go with a hold: at least one. */
export type HeldFor = [Prisma.Sql, ...Prisma.Sql[]];

const productsOf = (allocations: Allocation[]) => [...new Set(allocations.map((a) => a.productId))];

/** Gives held stock back to the warehouses it was held in. */
export async function releaseStock(tx: Transaction, allocations: Allocation[]): Promise<void> {
  await lockProducts(tx, productsOf(allocations));
  const release = Prisma.sql`quantity_reserved = s.quantity_reserved - m.quantity`;
  await tx.$executeRaw(movingStock(allocations, release));
}

/** Held stock left its warehouses: it is neither on hand nor reserved there any more. */
export async function shipStock(tx: Transaction, allocations: Allocation[]): Promise<void> {
  await lockProducts(tx, productsOf(allocations));
  const ship = Prisma.sql`
    quantity_on_hand = s.quantity_on_hand - m.quantity, quantity_reserved = s.quantity_reserved - m.quantity`;
  await tx.$executeRaw(movingStock(allocations, ship));
}

/** Units back on hand where they are placed (a received return's); a warehouse row is made where none is. */
export async function returnStock(tx: Transaction, placed: Allocation[]): Promise<void> {
  await lockProducts(tx, productsOf(placed));
  await tx.$executeRaw`
    INSERT INTO warehouse_stock (product_id, warehouse_id, quantity_on_hand)
    SELECT * FROM unnest(${placed.map((a) => a.productId)}::int[], ${placed.map((a) => a.warehouseId)}::int[],
      ${placed.map((a) => a.quantity)}::int[])
    ON CONFLICT (product_id, warehouse_id) DO UPDATE
    SET quantity_on_hand = warehouse_stock.quantity_on_hand + EXCLUDED.quantity_on_hand,
      version = warehouse_stock.version + 1`;
}

/** The UPDATE applying `set` (the row as `s`, the allocation's quantity as `m.quantity`) to each row. */
function movingStock(allocations: Allocation[], set: Prisma.Sql): Prisma.Sql {
  const products = allocations.map((a) => a.productId);
  const warehouses = allocations.map((a) => a.warehouseId);
  const quantities = allocations.map((a) => a.quantity);
  return Prisma.sql`
    UPDATE warehouse_stock s SET ${set}, version = s.version + 1
    FROM unnest(${products}::int[], ${warehouses}::int[], ${quantities}::int[])
      AS m(product_id, warehouse_id, quantity)
    WHERE s.product_id = m.product_id AND s.warehouse_id = m.warehouse_id`;
}
