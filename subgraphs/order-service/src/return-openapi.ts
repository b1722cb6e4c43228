// The return routes of return-routes.ts, described for /openapi.json from the schemas they validate with.
import {
  idempotencyHeaders,
  idParams,
  json,
  pageOf,
  type ServiceDocs,
  timestamp,
} from '@supply/service-kit/openapi';
import { z } from 'zod';
import { returnListQuery } from './return-routes.ts';
import { RETURN_STATUSES } from './return-store.ts';
import { returnReceiptInput, returnRequestInput } from './returns.ts';

function returnSchema() {
  const status = z.enum(RETURN_STATUSES);
  const received = (description: string) =>
    z.int().nullable().describe(`${description}; null until received`);
  return z.object({
    id: z.int(),
    orderId: z.int(),
    status,
    reason: z.string(),
    items: z.array(
      z.object({
        productId: z.int(),
        quantity: z.int(),
        unitPriceCents: z.int(),
        receivedQuantity: received('Units that arrived'),
        restockQuantity: received('Units of them put back on hand'),
        refundCents: received('Received units times unit price'),
      }),
    ),
    warehouseId: z.int().nullable().describe('Where restocked units went; null: where they shipped from'),
    refundCents: received('The refund, the sum of the items'),
    currency: z.string(),
    restockedAt: timestamp.nullable().describe('When restocked units were back on hand; null until then'),
    history: z.array(z.object({ from: status.nullable(), to: status, at: timestamp })),
    createdAt: timestamp,
    updatedAt: timestamp,
  });
}

export function describeReturns(docs: ServiceDocs): void {
  const orderReturn = docs.schema('Return', returnSchema());
  const tags = ['returns'];
  const id = idParams('id');
  docs.route({
    tags,
    method: 'post',
    path: '/supply-orders/{id}/returns',
    summary: 'Ask to send back delivered goods; beyond what was delivered and not yet returned is a 409',
    access: 'writer',
    request: {
      params: id,
      headers: idempotencyHeaders,
      body: { ...json(returnRequestInput), required: true },
    },
    responses: { 201: json(orderReturn, 'The return, requested') },
  });
  docs.route({
    tags,
    method: 'get',
    path: '/returns',
    summary: 'List returns by id',
    access: 'reader',
    request: { query: returnListQuery },
    responses: { 200: json(pageOf(orderReturn), 'A page of returns') },
  });
  docs.route({
    tags,
    method: 'get',
    path: '/returns/{id}',
    summary: 'Read a return',
    access: 'reader',
    request: { params: id },
    responses: { 200: json(orderReturn, 'The return') },
  });
  docs.route({
    tags,
    method: 'post',
    path: '/returns/{id}/receive',
    summary: 'Record what arrived and its refund, and restock it; a received return is answered as it is',
    access: 'writer',
    request: { params: id, body: { ...json(returnReceiptInput) } },
    responses: { 200: json(orderReturn, 'The return, received') },
  });
  docs.route({
    tags,
    method: 'post',
    path: '/returns/{id}/cancel',
    summary: 'Cancel a requested return; a received one is a 409',
    access: 'writer',
    request: { params: id },
    responses: { 200: json(orderReturn, 'The return, cancelled') },
  });
}
