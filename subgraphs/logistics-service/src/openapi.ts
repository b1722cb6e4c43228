// The REST routes of routes.ts, described for /openapi.json from the schemas they validate with.
import { idParams, json, pageOf, serviceDocs, timestamp } from '@supply/service-kit/openapi';
import { z } from 'zod';
import { shipmentListQuery, statusInput } from './routes.ts';
import { createShipmentInput, shipmentStatuses } from './shipments.ts';
import { serviceLevels } from './shipping-rules.ts';

export function openApiDocument() {
  const docs = serviceDocs({
    title: 'logistics-service',
    port: 5000,
    description: 'Shipments: a label booked with a carrier for an order, and its moves until delivery.',
  });
  const shipment = docs.schema(
    'Shipment',
    z.object({
      id: z.int(),
      orderId: z.int(),
      carrier: z.string(),
      serviceLevel: z.enum(serviceLevels),
      trackingNumber: z.string(),
      status: z.enum(shipmentStatuses),
      destination: z.object({
        line1: z.string(),
        city: z.string(),
        postalCode: z.string(),
        country: z.string(),
      }),
      weightGrams: z.int(),
      costCents: z.int(),
      currency: z.string(),
      estimatedDeliveryDate: z.iso.date(),
      createdAt: timestamp,
      updatedAt: timestamp,
    }),
  );
  const tags = ['shipments'];
  const id = idParams('id');
  docs.route({
    tags,
    method: 'post',
    path: '/shipments',
    summary: "Book a label for an order; the order's live shipment when it has one",
    access: 'admin',
    request: { body: { ...json(createShipmentInput), required: true } },
    responses: {
      200: json(shipment, "The order's live shipment, booked before"),
      201: json(shipment, 'The shipment, booked'),
    },
  });
  docs.route({
    tags,
    method: 'get',
    path: '/shipments',
    summary: 'List shipments by id',
    access: 'reader',
    request: { query: shipmentListQuery },
    responses: { 200: json(pageOf(shipment), 'A page of shipments') },
  });
  docs.route({
    tags,
    method: 'get',
    path: '/shipments/{id}',
    summary: 'Read a shipment',
    access: 'reader',
    request: { params: id },
    responses: { 200: json(shipment, 'The shipment') },
  });
  docs.route({
    tags,
    method: 'patch',
    path: '/shipments/{id}',
    summary: 'Move a shipment to a new status; a move the lifecycle forbids is a 409',
    access: 'writer',
    request: { params: id, body: { ...json(statusInput), required: true } },
    responses: { 200: json(shipment, 'The shipment as moved') },
  });
  return docs.document();
}
