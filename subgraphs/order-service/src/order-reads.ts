// Orders with their items, read through prepared statements on pg rather than
// Prisma: pages, the first pages of several customers, and batches by id. Each
// filter combination is one fixed text, parsed and planned once per connection,
// and brings each order's lines with it (PostgreSQL builds them as JSON).
import type { Database, Statement } from '@supply/service-kit/database';
import { groupedInOrder, inIdOrder } from '@supply/service-kit/lists';
import { type Page, type PageRequest, toPage } from '@supply/service-kit/pagination';
import { type ItemRow, type OrderRow, type OrderSummary, toOrderSummary } from './order-view.ts';
import type { OrderStatus } from './status-machine.ts';

/** The columns of the order `o` under the names Prisma gives them, and its lines in product order. */
const ORDER_COLUMNS = `o.id, o.customer_id AS "customerId", o.status, o.service_level AS "serviceLevel",
  o.total_cents AS "totalCents", o.currency, o.shipping_line1 AS "shippingLine1", o.shipping_city AS "shippingCity",
  o.shipping_postal_code AS "shippingPostalCode", o.shipping_country AS "shippingCountry",
  o.failure_reason AS "failureReason", o.created_at AS "createdAt", o.updated_at AS "updatedAt",
  (SELECT coalesce(json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
    'unitPriceCents', i.unit_price_cents) ORDER BY i.product_id), '[]')
   FROM order_items i WHERE i.order_id = o.id) AS items`;

type OrderWithItems = OrderRow & { items: Omit<ItemRow, 'orderId'>[] };

const ORDERS_BY_IDS: Statement = {
  text: `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = ANY($1::int[])`,
};

export interface PageFilter extends PageRequest {
  status?: OrderStatus | undefined;
  customerId?: number | undefined;
  updatedSince?: Date | undefined;
}

/** The orders with these ids, in the same order; null where none exists. */
export async function ordersByIds(db: Database, ids: readonly number[]): Promise<Array<OrderSummary | null>> {
  const rows = await db.read<OrderWithItems>(ORDERS_BY_IDS, [[...ids]]);
  return inIdOrder(ids, rows, toOrderSummary);
}

/** One page of orders by id after `filter.after`; one more row read tells whether another follows. */
export async function orderPage(db: Database, filter: PageFilter): Promise<Page<OrderSummary>> {
  const values: unknown[] = [filter.after ?? 0];
  const conditions = ['o.id > $1'];
  const where = (condition: string, value: unknown) => {
    values.push(value);
    conditions.push(`${condition} $${values.length}`);
  };
  if (filter.status) where('o.status =', filter.status);
  if (filter.customerId !== undefined) where('o.customer_id =', filter.customerId);
  if (filter.updatedSince) where('o.updated_at >=', filter.updatedSince);
  values.push(filter.limit + 1);
  const text = `SELECT ${ORDER_COLUMNS} FROM orders o WHERE ${conditions.join(' AND ')} ORDER BY o.id LIMIT $${values.length}`;
  const rows = await db.read<OrderWithItems>({ text }, values);
  return toPage(rows.map(toOrderSummary), filter.limit);
}

const customerPagesText = (status: string) => `SELECT ${ORDER_COLUMNS} FROM (
    SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY id) AS n FROM orders
    WHERE customer_id = ANY($1::int[]) AND id > $2 ${status}
  ) o WHERE o.n <= $3 ORDER BY o.id`;
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
    ? await db.read<OrderWithItems>(CUSTOMER_PAGES_BY_STATUS, [...values, page.status])
    : await db.read<OrderWithItems>(CUSTOMER_PAGES, values);
  const orders = groupedInOrder(customerIds, rows, (row) => row.customerId, toOrderSummary);
  return orders.map((ofCustomer) => toPage(ofCustomer, page.limit));
}
