// REST -> domain calls, nothing more.
import { type AccessPolicy, defaultPolicy } from '@supply/service-kit/auth';
import { idempotencyKeyOf } from '@supply/service-kit/idempotency';
import { listQuerySchema, pageOfQuery } from '@supply/service-kit/pagination';
import { parse, parseId } from '@supply/service-kit/validation';
import { type Response, Router } from 'express';
import { z } from 'zod';
import type { StockLevel } from './inventory.ts';
import { type ProductsDomain, productInput, skuSchema } from './products.ts';
import { type ReservationsDomain, reservationInput } from './reservations.ts';
import { type RestocksDomain, restockInput } from './restocks.ts';
import { adjustmentInput, type InventoryDomain, stockInput, transferInput } from './stock.ts';
import { type WarehousesDomain, warehouseInput } from './warehouses.ts';

export interface Domains {
  products: ProductsDomain;
  inventory: InventoryDomain;
  reservations: ReservationsDomain;
  warehouses: WarehousesDomain;
  restocks: RestocksDomain;
}

/**
 * Reservations are internal routes (admin); restocks are order-service's
 * alone (the service key), since inventory takes its word that the goods came
 * back. Other routes, /graphql among them, follow the kit's default.
 */
export const access: AccessPolicy = (req) => {
  // The kit hands policies the canonical path: lower case, no trailing slash.
  if (/^\/inventory\/restocks(\/|$)/.test(req.path)) return 'service';
  if (/^\/inventory\/reservations(\/|$)/.test(req.path)) return 'admin';
  return defaultPolicy(req);
};

const lowStockQuery = z
  .enum(['true', 'false'], 'must be true or false')
  .transform((value) => value === 'true');
export const productListQuery = listQuerySchema
  .extend({ lowStock: lowStockQuery.optional(), sku: skuSchema.optional() })
  .strict();
export const levelListQuery = listQuerySchema.extend({ lowStock: lowStockQuery.optional() }).strict();

// A version, bare or as a strong or weak entity tag: 3, "3", W/"3". `*` asks for no particular version.
export const ifMatchHeader = z
  .string()
  .regex(/^(\*|[1-9][0-9]{0,9}|(W\/)?"[1-9][0-9]{0,9}")$/, 'must be a version such as "3"')
  .transform((value) => (value === '*' ? undefined : Number(value.replace(/^W\//, '').replaceAll('"', ''))))
  .refine((version) => version === undefined || version <= 2_147_483_647, 'must be a version such as "3"')
  .optional();

/** The version an If-Match header asks for; undefined when there is none (or `*`). */
function parseIfMatch(header: string | undefined): number | undefined {
  return parse(z.object({ 'If-Match': ifMatchHeader }), { 'If-Match': header })['If-Match'];
}

/** The level, tagged with the version a conditional PUT of the same target expects. */
function sendLevel(res: Response, level: StockLevel, warehouseId?: number): void {
  const version =
    warehouseId === undefined
      ? level.version
      : level.warehouses.find((stock) => stock.warehouseId === warehouseId)?.version;
  if (version !== undefined) res.set('ETag', `"${version}"`);
  res.json(level);
}

export function inventoryRoutes(domains: Domains): Router {
  const router = Router();
  productRoutes(router, domains.products);
  reservationRoutes(router, domains.reservations);
  restockRoutes(router, domains.restocks);
  warehouseRoutes(router, domains.warehouses);
  transferRoutes(router, domains.inventory);
  stockRoutes(router, domains.inventory);
  return router;
}

function productRoutes(router: Router, products: ProductsDomain): void {
  router.post('/products', async (req, res) => {
    const product = await products.create(parse(productInput, req.body), idempotencyKeyOf(req));
    res.status(201).location(`/products/${product.id}`).json(product);
  });
  router.get('/products', async (req, res) => {
    const { limit, cursor, ...filter } = parse(productListQuery, req.query);
    res.json(await products.list(filter, pageOfQuery({ limit, cursor })));
  });
  router.get('/products/:id', async (req, res) => {
    res.json(await products.get(parseId(req.params.id)));
  });
}

function reservationRoutes(router: Router, reservations: ReservationsDomain): void {
  router.post('/inventory/reservations', async (req, res) => {
    const reservation = await reservations.reserve(parse(reservationInput, req.body));
    res.status(201).location(`/inventory/reservations/${reservation.orderId}`).json(reservation);
  });
  router.get('/inventory/reservations/:orderId', async (req, res) => {
    res.json(await reservations.get(parseId(req.params.orderId, 'orderId')));
  });
  router.delete('/inventory/reservations/:orderId', async (req, res) => {
    await reservations.release(parseId(req.params.orderId, 'orderId'));
    res.status(204).end();
  });
  router.post('/inventory/reservations/:orderId/commit', async (req, res) => {
    res.json(await reservations.commit(parseId(req.params.orderId, 'orderId')));
  });
}

// Registered before /inventory/:productId, so "restocks" is never read as a product id.
function restockRoutes(router: Router, restocks: RestocksDomain): void {
  router.post('/inventory/restocks', async (req, res) => {
    res.status(201).json(await restocks.restock(parse(restockInput, req.body)));
  });
}

function warehouseRoutes(router: Router, warehouses: WarehousesDomain): void {
  router.post('/warehouses', async (req, res) => {
    const warehouse = await warehouses.create(parse(warehouseInput, req.body));
    res.status(201).location(`/warehouses/${warehouse.id}`).json(warehouse);
  });
  router.get('/warehouses', async (_req, res) => {
    res.json({ items: await warehouses.list() });
  });
  router.get('/warehouses/:id', async (req, res) => {
    res.json(await warehouses.get(parseId(req.params.id)));
  });
}

// Registered before /inventory/:productId, so "transfers" is never read as a product id.
function transferRoutes(router: Router, inventory: InventoryDomain): void {
  router.post('/inventory/transfers', async (req, res) => {
    res.status(201).json(await inventory.transfer(parse(transferInput, req.body)));
  });
}

function stockRoutes(router: Router, inventory: InventoryDomain): void {
  router.get('/inventory', async (req, res) => {
    const { limit, cursor, ...filter } = parse(levelListQuery, req.query);
    res.json(await inventory.levels(filter, pageOfQuery({ limit, cursor })));
  });
  router.get('/inventory/:productId', async (req, res) => {
    sendLevel(res, await inventory.level(parseId(req.params.productId, 'productId')));
  });
  router.put('/inventory/:productId', async (req, res) => {
    const productId = parseId(req.params.productId, 'productId');
    const expectedVersion = parseIfMatch(req.get('if-match'));
    const product = await inventory.setStock(productId, parse(stockInput, req.body), { expectedVersion });
    sendLevel(res, product.inventory);
  });
  router.put('/inventory/:productId/warehouses/:warehouseId', async (req, res) => {
    const productId = parseId(req.params.productId, 'productId');
    const warehouseId = parseId(req.params.warehouseId, 'warehouseId');
    const expectedVersion = parseIfMatch(req.get('if-match'));
    const input = parse(stockInput, req.body);
    const product = await inventory.setStock(productId, input, { warehouseId, expectedVersion });
    sendLevel(res, product.inventory, warehouseId);
  });
  router.post('/inventory/:productId/adjustments', async (req, res) => {
    const productId = parseId(req.params.productId, 'productId');
    const adjustment = parse(adjustmentInput, req.body);
    const product = await inventory.adjust(productId, adjustment, idempotencyKeyOf(req));
    sendLevel(res, product.inventory);
  });
}
