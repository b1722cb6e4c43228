// Checking and pricing an order before anything is recorded: the customer,
// the products, one currency, the shipping address; unit prices captured now.
import { addressOf } from '@supply/service-kit/address';
import type { Database, Statement } from '@supply/service-kit/database';
import { NotFound, Unprocessable } from '@supply/service-kit/errors';
import { mergeByProduct } from '@supply/service-kit/lists';
import type { PlaceOrderInput } from './placing.ts';

interface PricingRow {
  customerId: number | null;
  addressLine1: string | null;
  addressCity: string | null;
  addressPostalCode: string | null;
  addressCountry: string | null;
  products: Array<{ id: number; currency: string; unitPriceCents: number; weightGrams: number }>;
}

/**
 * The customer (its columns null when there is none) and the ordered products that exist, in
 * one statement: one row always, the customer asked for joined to it.
 */
const CUSTOMER_AND_PRODUCTS: Statement = {
  text: `
    SELECT c.id AS "customerId", c.address_line1 AS "addressLine1", c.address_city AS "addressCity",
      c.address_postal_code AS "addressPostalCode", c.address_country AS "addressCountry",
      (SELECT coalesce(json_agg(json_build_object('id', p.id, 'currency', p.currency,
          'unitPriceCents', p.unit_price_cents, 'weightGrams', p.weight_grams) ORDER BY p.id), '[]')
        FROM products p WHERE p.id = ANY($2::int[])) AS products
    FROM (VALUES ($1::int)) AS asked (id) LEFT JOIN customers c ON c.id = asked.id`,
};

/** Checks the order against the customer and the catalogue, and prices it (nothing is recorded). */
export async function priceOrder(db: Database, input: PlaceOrderInput) {
  const lines = mergeByProduct(input.items);
  const [row] = await db.read<PricingRow>(CUSTOMER_AND_PRODUCTS, [
    input.customerId,
    lines.map((l) => l.productId),
  ]);
  if (!row?.customerId) throw new NotFound(`Customer ${input.customerId} does not exist`);
  const address = input.shippingAddress ?? addressOf(row, 'address');
  if (!address) {
    throw new Unprocessable(`Customer ${row.customerId} has no address on file: give a shippingAddress`);
  }
  const { products } = row;
  const byId = new Map(products.map((p) => [p.id, p]));
  const missing = lines.map((l) => l.productId).filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new NotFound(`Product ${missing.join(', ')} does not exist`, { productIds: missing });
  }
  const currencies = new Set(products.map((p) => p.currency));
  if (currencies.size > 1)
    throw new Unprocessable(`The products are priced in ${[...currencies].join(' and ')}`);
  const priced = lines.map((l) => ({ ...l, unitPriceCents: byId.get(l.productId)?.unitPriceCents ?? 0 }));
  return {
    customerId: row.customerId,
    address,
    lines: priced,
    currency: products[0]?.currency ?? 'USD',
    totalCents: priced.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
    unitWeights: new Map(products.map((p) => [p.id, p.weightGrams])),
  };
}
