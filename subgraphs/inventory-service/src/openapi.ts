// The REST routes of routes.ts, described for /openapi.json from the schemas they validate with.
import {
  idempotencyHeaders,
  idParams,
  json,
  type OpenApiVersion,
  pageOf,
  serviceDocs,
  timestamp,
} from '@supply/service-kit/openapi';
import { z } from 'zod';
import { productInput } from './products.ts';
import { reservationInput } from './reservations.ts';
import { describeRestocks } from './restock-openapi.ts';
import { ifMatchHeader, levelListQuery, productListQuery } from './routes.ts';
import { adjustmentInput, stockInput, transferInput } from './stock.ts';
import { warehouseInput } from './warehouses.ts';

function schemas(docs: ReturnType<typeof serviceDocs>) {
  const warehouseLevel = docs.schema(
    'WarehouseStock',
    z.object({
      warehouseId: z.int(),
      code: z.string(),
      country: z.string().nullable(),
      quantityOnHand: z.int(),
      quantityReserved: z.int(),
      quantityAvailable: z.int().describe('On hand less reserved, in this warehouse'),
      reorderPoint: z.int(),
      lowStock: z.boolean().describe('Available at or below the reorder point in this warehouse'),
      location: z.string().nullable(),
      version: z.int().describe("This warehouse's stock version; send it as If-Match to its PUT"),
    }),
  );
  const level = docs.schema(
    'StockLevel',
    z.object({
      productId: z.int(),
      sku: z.string(),
      name: z.string(),
      quantityOnHand: z.int(),
      quantityReserved: z.int(),
      quantityAvailable: z.int().describe('On hand less reserved'),
      reorderPoint: z.int(),
      location: z.string().nullable(),
      version: z.int().describe('Rises with every change; send it as If-Match to change only this version'),
      updatedAt: timestamp,
      warehouses: z
        .array(warehouseLevel)
        .describe("The product's stock in each warehouse; the fields above are their totals"),
    }),
  );
  const product = docs.schema(
    'Product',
    z.object({
      id: z.int(),
      sku: z.string(),
      name: z.string(),
      unitPriceCents: z.int(),
      currency: z.string(),
      weightGrams: z.int(),
      createdAt: timestamp,
      updatedAt: timestamp,
      inventory: level,
    }),
  );
  const reservation = docs.schema(
    'Reservation',
    z.object({
      orderId: z.int(),
      status: z.enum(['reserved', 'released', 'committed']),
      items: z.array(
        z.object({
          productId: z.int(),
          quantity: z.int(),
          allocations: z
            .array(z.object({ warehouseId: z.int(), quantity: z.int() }))
            .describe('The warehouses that hold this item, and how many each'),
        }),
      ),
      createdAt: timestamp,
      updatedAt: timestamp,
    }),
  );
  const warehouse = docs.schema(
    'Warehouse',
    z.object({
      id: z.int(),
      code: z.string(),
      name: z.string(),
      address: z
        .object({ line1: z.string(), city: z.string(), postalCode: z.string(), country: z.string() })
        .nullable(),
      priority: z.int().describe('Allocation tries lower numbers first'),
      isDefault: z.boolean(),
      createdAt: timestamp,
      updatedAt: timestamp,
    }),
  );
  const transfer = docs.schema(
    'StockTransfer',
    z.object({
      id: z.int(),
      productId: z.int(),
      fromWarehouseId: z.int(),
      toWarehouseId: z.int(),
      quantity: z.int(),
      inventory: level,
    }),
  );
  return { level, product, reservation, warehouse, transfer };
}

export function openApiDocument(version?: OpenApiVersion) {
  const docs = serviceDocs({
    title: 'inventory-service',
    description: 'Products, their stock levels, and the reservations that hold stock for orders.',
  });
  const { level, product, reservation, warehouse, transfer } = schemas(docs);
  const levelAnswer = (description: string) => ({
    ...json(level, description),
    headers: z.object({ ETag: z.string().describe('The level\'s version, e.g. "3"') }),
  });
  const products = { tags: ['products'] };
  docs.route({
    ...products,
    method: 'post',
    path: '/products',
    summary: 'Create a product with its stock level; a sku in use is a 409',
    access: 'writer',
    request: { headers: idempotencyHeaders, body: { ...json(productInput), required: true } },
    responses: { 201: json(product, 'The product, created') },
  });
  docs.route({
    ...products,
    method: 'get',
    path: '/products',
    summary: 'List products by id',
    access: 'reader',
    request: { query: productListQuery },
    responses: { 200: json(pageOf(product), 'A page of products') },
  });
  docs.route({
    ...products,
    method: 'get',
    path: '/products/{id}',
    summary: 'Read a product',
    access: 'reader',
    request: { params: idParams('id') },
    responses: { 200: json(product, 'The product') },
  });
  const reservations = { tags: ['reservations'], access: 'admin' as const };
  const orderId = idParams('orderId');
  docs.route({
    ...reservations,
    method: 'post',
    path: '/inventory/reservations',
    summary: 'Hold every item for an order, or nothing (409 when one is short); a repeat answers the first',
    request: { body: { ...json(reservationInput), required: true } },
    responses: { 201: json(reservation, 'The reservation, held') },
  });
  docs.route({
    ...reservations,
    method: 'get',
    path: '/inventory/reservations/{orderId}',
    summary: "Read an order's reservation",
    request: { params: orderId },
    responses: { 200: json(reservation, 'The reservation') },
  });
  docs.route({
    ...reservations,
    method: 'delete',
    path: '/inventory/reservations/{orderId}',
    summary: "Release an order's held stock (again: no change)",
    request: { params: orderId },
    responses: { 204: { description: 'Released' } },
  });
  docs.route({
    ...reservations,
    method: 'post',
    path: '/inventory/reservations/{orderId}/commit',
    summary: 'Commit held stock as shipped (again: no change)',
    request: { params: orderId },
    responses: { 200: json(reservation, 'The reservation, committed') },
  });
  // Before /inventory/{productId}, as the router has it: "restocks" is no product id.
  describeRestocks(docs);
  const warehouses = { tags: ['warehouses'] };
  docs.route({
    ...warehouses,
    method: 'post',
    path: '/warehouses',
    summary: 'Add a warehouse; a code in use is a 409',
    access: 'writer',
    request: { body: { ...json(warehouseInput), required: true } },
    responses: { 201: json(warehouse, 'The warehouse, added') },
  });
  docs.route({
    ...warehouses,
    method: 'get',
    path: '/warehouses',
    summary: 'List every warehouse by id',
    access: 'reader',
    responses: { 200: json(z.object({ items: z.array(warehouse) }), 'Every warehouse') },
  });
  docs.route({
    ...warehouses,
    method: 'get',
    path: '/warehouses/{id}',
    summary: 'Read a warehouse',
    access: 'reader',
    request: { params: idParams('id') },
    responses: { 200: json(warehouse, 'The warehouse') },
  });
  const stock = { tags: ['stock'] };
  const productId = idParams('productId');
  docs.route({
    ...stock,
    method: 'post',
    path: '/inventory/transfers',
    summary: 'Move available stock between two warehouses, all or nothing; short is a 409',
    access: 'writer',
    request: { body: { ...json(transferInput), required: true } },
    responses: { 201: json(transfer, 'The transfer, with the stock level after it') },
  });
  docs.route({
    ...stock,
    method: 'put',
    path: '/inventory/{productId}/warehouses/{warehouseId}',
    summary:
      "Set counted stock in one warehouse; below what is reserved there is a 409, a stale If-Match (that warehouse's version) a 412",
    access: 'writer',
    request: {
      params: idParams('productId').extend(idParams('warehouseId').shape),
      headers: z.object({ 'If-Match': ifMatchHeader }),
      body: { ...json(stockInput), required: true },
    },
    responses: { 200: levelAnswer('The stock level as set') },
  });
  docs.route({
    ...stock,
    method: 'get',
    path: '/inventory',
    summary: 'List stock levels by product id',
    access: 'reader',
    request: { query: levelListQuery },
    responses: { 200: json(pageOf(level), 'A page of stock levels') },
  });
  docs.route({
    ...stock,
    method: 'get',
    path: '/inventory/{productId}',
    summary: "Read a product's stock level",
    access: 'reader',
    request: {
      params: productId,
      headers: z.object({
        'If-None-Match': z.string().optional().describe('The ETag last read: 304 while it holds'),
      }),
    },
    responses: {
      200: levelAnswer('The stock level'),
      304: { description: 'Unchanged since the ETag given' },
    },
  });
  docs.route({
    ...stock,
    method: 'put',
    path: '/inventory/{productId}',
    summary: 'Set counted stock; below what is reserved is a 409, a stale If-Match a 412',
    access: 'writer',
    request: {
      params: productId,
      headers: z.object({ 'If-Match': ifMatchHeader }),
      body: { ...json(stockInput), required: true },
    },
    responses: { 200: levelAnswer('The stock level as set') },
  });
  docs.route({
    ...stock,
    method: 'post',
    path: '/inventory/{productId}/adjustments',
    summary: 'Add or remove stock with a reason; below what is reserved is a 409',
    access: 'writer',
    request: {
      params: productId,
      headers: idempotencyHeaders,
      body: { ...json(adjustmentInput), required: true },
    },
    responses: { 200: levelAnswer('The stock level as adjusted') },
  });
  return docs.document(version);
}
