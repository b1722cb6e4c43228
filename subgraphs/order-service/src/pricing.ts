// Checking and pricing an order before anything is recorded: the customer,
// the products, one currency, the shipping address; unit prices captured now.
import { addressOf } from '@supply/service-kit/address';
import type { Database } from '@supply/service-kit/database';
import { NotFound, Unprocessable } from '@supply/service-kit/errors';
import { mergeByProduct } from '@supply/service-kit/lists';
import type { PlaceOrderInput } from './placing.ts';

/** Checks the order against the customer and the catalogue, and prices it (nothing is recorded). */
export async function priceOrder({ prisma }: Database, input: PlaceOrderInput) {
  const customer = await prisma.customer.findUnique({ where: { id: input.customerId } });
  if (!customer) throw new NotFound(`Customer ${input.customerId} does not exist`);
  const address = input.shippingAddress ?? addressOf(customer, 'address');
  if (!address) {
    throw new Unprocessable(`Customer ${customer.id} has no address on file: give a shippingAddress`);
  }
  const lines = mergeByProduct(input.items);
  const products = await prisma.product.findMany({ where: { id: { in: lines.map((l) => l.productId) } } });
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
    customerId: customer.id,
    address,
    lines: priced,
    currency: products[0]?.currency ?? 'USD',
    totalCents: priced.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
    unitWeights: new Map(products.map((p) => [p.id, p.weightGrams])),
  };
}
