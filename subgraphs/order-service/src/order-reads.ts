// Orders with their items, read through prepared statements on pg rather than
// Prisma: pages, the first pages of several customers, and batches by id. Each
// filter combination is one fixed text, parsed and planned once per connection;
// the items of every order read follow in one more statement.
import type { Database, Statement } from '@supply/service-kit/database';
import { inIdOrder } from '@supply/service-kit/lists';
import { type Page, type PageRequest, toPage } from '@supply/service-kit/pagination';
import { type ItemRow, type OrderRow, type OrderSummary, toOrderSummary } from './order-view.ts';
import type { OrderStatus } from './status-machine.ts';

/** An order's columns under the names Prisma gives them. */
const ORDER_COLUMNS = `id, customer_id AS "customerId", status, service_level AS "serviceLevel",
  total_cents AS "totalCents", currency, shipping_line1 AS "shippingLine1", shipping_city AS "shippingCity",
  shipping_postal_code AS "shippingPostalCode", shipping_country AS "shippingCountry",
  failure_reason AS "failureReason", created_at AS "createdAt", updated_at AS "updatedAt"`;

const ORDERS_BY_IDS: Statement = { text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1::int[])` };
// Each order's lines in product order, as every answer lists them.
const ITEMS_OF_ORDERS: Statement = {
  text: `SELECT order_id AS "orderId", product_id AS "productId", quantity, unit_price_cents AS "unitPriceCents"
    FROM order_items WHERE order_id = ANY($1::int[]) ORDER BY order_id, product_id`,
};

export interface PageFilter extends PageRequest {
  status?: OrderStatus | undefined;
  customerId?: number | undefined;
  updatedSince?: Date | undefined;
}

/** The rows with their items, in the order read; no second statement when there are none. */
async function withItems(db: Database, rows: OrderRow[]): Promise<OrderSummary[]> {
  if (rows.length === 0) return [];
  const items = await db.read<ItemRow>(ITEMS_OF_ORDERS, [rows.map((row) => row.id)]);
  const byOrder = new Map<number, ItemRow[]>(rows.map((row) => [row.id, []]));
  for (const item of items) byOrder.get(item.orderId)?.push(item);
  return rows.map((row) => toOrderSummary({ ...row, items: byOrder.get(row.id) ?? [] }));
}

/** The orders with these ids, in the same order; null where none exists. */
export async function ordersByIds(db: Database, ids: readonly number[]): Promise<Array<OrderSummary | null>> {
  const orders = await withItems(db, await db.read<OrderRow>(ORDERS_BY_IDS, [[...ids]]));
  return inIdOrder(ids, orders, (order) => order);
}

/** One page of orders by id after `filter.after`; one more row read tells whether another follows. */
export async function orderPage(db: Database, filter: PageFilter): Promise<Page<OrderSummary>> {
  const values: unknown[] = [filter.after ?? 0];
  const conditions = ['id > $1'];
  const where = (condition: string, value: unknown) => {
    values.push(value);
    conditions.push(`${condition} $${values.length}`);
  };
  if (filter.status) where('status =', filter.status);
  if (filter.customerId !== undefined) where('customer_id =', filter.customerId);
  if (filter.updatedSince) where('updated_at >=', filter.updatedSince);
  values.push(filter.limit + 1);
  const text = `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT $${values.length}`;
  return toPage(await withItems(db, await db.read<OrderRow>({ text }, values)), filter.limit);
}

const customerPagesText = (status: string) => `SELECT ${ORDER_COLUMNS} FROM (
    SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY id) AS n FROM orders
    WHERE customer_id = ANY($1::int[]) AND id > $2 ${status}
  ) ranked WHERE n <= $3 ORDER BY id`;
const CUSTOMER_PAGES: Statement = { text: customerPagesText('') };
const CUSTOMER_PAGES_BY_STATUS: Statement = { text: customerPagesText('AND status = $4') };

/**
 * The same page of each of these customers' orders (all `first` orders
 * after the same id, of one status or any), in one windowed statement.
 */
export async function customerPages(
  db: Database,
  customerIds: readonly number[],
  page: PageRequest & { status?: OrderStatus | null | undefined },
): Promise<Array<Page<OrderSummary>>> {
  const values = [[...customerIds], page.after ?? 0, page.limit + 1];
  const rows = page.status
    ? await db.read<OrderRow>(CUSTOMER_PAGES_BY_STATUS, [...values, page.status])
    : await db.read<OrderRow>(CUSTOMER_PAGES, values);
  const orders = await withItems(db, rows);
  return customerIds.map((customerId) =>
    toPage(
      orders.filter((order) => order.customerId === customerId),
      page.limit,
    ),
  );
}
