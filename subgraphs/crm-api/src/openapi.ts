// The REST routes of routes.ts, described for /openapi.json from the schemas they validate with.

import {
  type DocumentedRoute,
  idempotencyHeaders,
  idParams,
  json,
  type OpenApiVersion,
  pageOf,
  serviceDocs,
  timestamp,
} from '@supply/service-kit/openapi';
import { addressSchema, idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import { createCustomerInput, updateCustomerInput } from './customers.ts';
import { legacyOrderInput } from './orders.ts';
import { customerListQuery, orderListQuery } from './routes.ts';
import { createEndpointInput, WEBHOOK_EVENTS } from './webhooks.ts';

const id = idParams('id');

export function openApiDocument(version?: OpenApiVersion) {
  const docs = serviceDocs({
    title: 'crm-api',
    description:
      "The CRM's door: customers, and orders placed and read on their behalf (order-service holds them).",
  });
  const customer = docs.schema(
    'Customer',
    z.object({
      id: z.int(),
      name: z.string(),
      email: z.string(),
      phone: z.string().nullable(),
      company: z.string().nullable(),
      address: addressSchema.nullable(),
      createdAt: timestamp,
      updatedAt: timestamp,
    }),
  );
  const order = docs.schema(
    'Order',
    z
      .object({ id: z.int(), customerId: z.int() })
      .catchall(z.unknown())
      .describe("An order as order-service answers it: see that service's SupplyOrder"),
  );
  const tags = { customers: ['customers'], orders: ['orders'] };
  docs.route({
    method: 'get',
    path: '/customers',
    summary: 'List customers by id; search matches name, email or company',
    access: 'reader',
    tags: tags.customers,
    request: { query: customerListQuery },
    responses: { 200: json(pageOf(customer), 'A page of customers') },
  });
  docs.route({
    method: 'post',
    path: '/customers',
    summary: 'Create a customer; an email in use is a 409',
    access: 'writer',
    tags: tags.customers,
    request: { headers: idempotencyHeaders, body: { ...json(createCustomerInput), required: true } },
    responses: { 201: json(customer, 'The customer, created') },
  });
  docs.route({
    method: 'get',
    path: '/customers/{id}',
    summary: 'Read a customer',
    access: 'reader',
    tags: tags.customers,
    request: { params: id },
    responses: { 200: json(customer, 'The customer') },
  });
  docs.route({
    method: 'patch',
    path: '/customers/{id}',
    summary: 'Change a customer; null clears phone, company or address',
    access: 'writer',
    tags: tags.customers,
    request: { params: id, body: { ...json(updateCustomerInput), required: true } },
    responses: { 200: json(customer, 'The customer as changed') },
  });
  docs.route({
    method: 'get',
    path: '/customers/{id}/orders',
    summary: "List a customer's orders",
    access: 'reader',
    tags: tags.orders,
    request: { params: id, query: orderListQuery },
    responses: { 200: json(pageOf(order), 'A page of orders') },
  });
  docs.route({
    method: 'post',
    path: '/orders',
    summary: "Place an order: order-service's body, or the legacy one-item shape",
    access: 'writer',
    tags: tags.orders,
    request: {
      headers: idempotencyHeaders,
      body: {
        ...json(
          z.union([legacyOrderInput, z.object({ customerId: idSchema }).catchall(z.unknown())]),
          "The legacy { customerId, productId, quantity } or order-service's SupplyOrder input",
        ),
        required: true,
      },
    },
    responses: {
      201: {
        ...json(order, 'The order, confirmed and held'),
        headers: z.object({
          'Idempotency-Key': z
            .string()
            .describe('The key sent, or the one made up for a caller that sent none'),
        }),
      },
    },
  });
  docs.route({
    method: 'get',
    path: '/orders/{id}',
    summary: 'Read an order',
    access: 'reader',
    tags: tags.orders,
    request: { params: id },
    responses: { 200: json(order, 'The order') },
  });
  webhookRoutes(docs);
  return docs.document(version);
}

/** Webhook endpoints and their deliveries: admins only. */
function webhookRoutes(docs: ReturnType<typeof serviceDocs>): void {
  const endpointFields = {
    id: z.int(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    description: z.string().nullable(),
    disabledAt: timestamp.nullable().describe('Set when the endpoint failed for 5 days'),
    createdAt: timestamp,
  };
  const endpoint = docs.schema('WebhookEndpoint', z.object(endpointFields));
  const delivery = docs.schema(
    'WebhookDelivery',
    z.object({
      id: z.int(),
      eventId: z.int(),
      type: z.string(),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.int(),
      lastStatus: z.int().nullable(),
      lastError: z.string().nullable(),
      nextAttemptAt: timestamp.nullable(),
      deliveredAt: timestamp.nullable(),
      createdAt: timestamp,
    }),
  );
  const route = (config: Omit<DocumentedRoute, 'access' | 'tags'>) =>
    docs.route({ ...config, access: 'admin', tags: ['webhooks'] });
  const id = idParams('id');
  route({
    method: 'post',
    path: '/webhooks/endpoints',
    summary: 'Register an endpoint; its signing secret is answered here only',
    request: { body: { ...json(createEndpointInput), required: true } },
    responses: {
      201: json(
        z.object({
          ...endpointFields,
          secret: z.string().describe('whsec_ and base64: verify signatures with it'),
        }),
        'The endpoint, with its secret',
      ),
    },
  });
  route({
    method: 'get',
    path: '/webhooks/endpoints',
    summary: 'List the endpoints',
    responses: { 200: json(z.object({ items: z.array(endpoint) }), 'Every endpoint') },
  });
  route({
    method: 'delete',
    path: '/webhooks/endpoints/{id}',
    summary: 'Remove an endpoint',
    request: { params: id },
    responses: { 204: { description: 'Removed' } },
  });
  route({
    method: 'get',
    path: '/webhooks/endpoints/{id}/deliveries',
    summary: "List an endpoint's deliveries: attempts, last status, next attempt",
    request: { params: id },
    responses: { 200: json(z.object({ items: z.array(delivery) }), 'The deliveries') },
  });
  route({
    method: 'post',
    path: '/webhooks/deliveries/{id}/retry',
    summary: 'Send a delivery again, now',
    request: { params: id },
    responses: { 202: json(delivery, 'The delivery, due now') },
  });
}
