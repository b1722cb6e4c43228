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
import { addressSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import { shipmentEventInput } from './lifecycle.ts';
import { placeOrderInput } from './placing.ts';
import { describeReturns } from './return-openapi.ts';
import { orderListQuery } from './routes.ts';
import { ORDER_STATUSES } from './status-machine.ts';

function supplyOrderSchema() {
  const status = z.enum(ORDER_STATUSES);
  const shipment = z.object({
    id: z.int(),
    originWarehouseId: z.int().describe('The warehouse the parcel leaves from'),
    carrier: z.string(),
    serviceLevel: z.string(),
    trackingNumber: z.string(),
    status: z.string(),
    estimatedDeliveryDate: z.string(),
    costCents: z.int(),
    currency: z.string(),
  });
  return z.object({
    id: z.int(),
    customerId: z.int(),
    status,
    serviceLevel: z.enum(['standard', 'express']),
    shippingAddress: addressSchema,
    items: z.array(
      z.object({
        productId: z.int(),
        quantity: z.int(),
        unitPriceCents: z.int(),
        lineTotalCents: z.int(),
        allocations: z
          .array(z.object({ warehouseId: z.int(), quantity: z.int() }))
          .describe('Where the units are held and ship from; empty until the stock is reserved'),
      }),
    ),
    totalCents: z.int(),
    currency: z.string(),
    failureReason: z.string().nullable(),
    shipment: shipment.nullable().describe('The first live shipment, else the latest cancelled one'),
    shipments: z
      .array(shipment)
      .describe('Every shipment, one per warehouse the order ships from (and any cancelled), in id order'),
    history: z.array(
      z.object({ from: status.nullable(), to: status, reason: z.string().nullable(), at: timestamp }),
    ),
    createdAt: timestamp,
    updatedAt: timestamp,
  });
}

export function openApiDocument(version?: OpenApiVersion) {
  const docs = serviceDocs({
    title: 'order-service',
    description:
      'Supply orders: placed with stock held and a label booked, or failed with nothing held; and their returns.',
  });
  const order = docs.schema('SupplyOrder', supplyOrderSchema());
  const tags = ['supply orders'];
  const id = idParams('id');
  docs.route({
    tags,
    method: 'post',
    path: '/supply-orders',
    summary: 'Place an order: 201 confirmed and held, 503 failed with nothing held',
    access: 'writer',
    request: { headers: idempotencyHeaders, body: { ...json(placeOrderInput), required: true } },
    responses: { 201: json(order, 'The order, confirmed and held') },
  });
  docs.route({
    tags,
    method: 'get',
    path: '/supply-orders',
    summary: 'List orders by id',
    access: 'reader',
    request: { query: orderListQuery },
    responses: { 200: json(pageOf(order), 'A page of orders') },
  });
  docs.route({
    tags,
    method: 'get',
    path: '/supply-orders/{id}',
    summary: 'Read an order',
    access: 'reader',
    request: { params: id },
    responses: { 200: json(order, 'The order') },
  });
  docs.route({
    tags,
    method: 'post',
    path: '/supply-orders/{id}/cancel',
    summary: 'Cancel an order before any shipment moves: every shipment cancelled, its stock released',
    access: 'writer',
    request: { params: id },
    responses: { 200: json(order, 'The order, cancelled') },
  });
  docs.route({
    tags,
    method: 'post',
    path: '/supply-orders/{id}/shipment-events',
    summary:
      "Record a shipment's report: the order is partially shipped, shipped or delivered as its shipments are",
    access: 'admin',
    request: { params: id, body: { ...json(shipmentEventInput), required: true } },
    responses: { 200: json(order, 'The order as moved') },
  });
  describeReturns(docs);
  return docs.document(version);
}
