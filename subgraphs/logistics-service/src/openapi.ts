// The REST routes of routes.ts, described for /openapi.json from the schemas they validate with.
import {
  idParams,
  json,
  type OpenApiVersion,
  pageOf,
  serviceDocs,
  timestamp,
} from '@supply/service-kit/openapi';
import { z } from 'zod';
import { createShipmentInput } from './booking.ts';
import { reportedStatuses } from './reports.ts';
import { orderCancellationInput, shipmentListQuery, statusInput } from './routes.ts';
import { serviceLevels } from './shipping-rules.ts';
import { shipmentStatuses } from './status-machine.ts';

export function openApiDocument(version?: OpenApiVersion) {
  const docs = serviceDocs({
    title: 'logistics-service',
    description: 'Shipments: a label booked with a carrier for an order, and its moves until delivery.',
  });
  const shipment = docs.schema(
    'Shipment',
    z.object({
      id: z.int(),
      orderId: z.int(),
      originWarehouseId: z.int().describe('The warehouse the parcel leaves from'),
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
    summary: "Book a label for an order from one warehouse; the order's live one from there when it has one",
    access: 'admin',
    request: { body: { ...json(createShipmentInput), required: true } },
    responses: {
      200: json(shipment, "The order's live shipment, booked before"),
      201: json(shipment, 'The shipment, booked'),
    },
  });
  docs.route({
    tags,
    method: 'post',
    path: '/shipments/cancellations',
    summary: 'Cancel every live shipment of an order, or none: 409 when one has moved',
    access: 'admin',
    request: { body: { ...json(orderCancellationInput), required: true } },
    responses: { 200: json(z.object({ items: z.array(shipment) }), 'Every shipment of the order') },
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
  reportRoutes(docs);
  return docs.document(version);
}

/** The parked shipment reports: order-service refused them, and they wait for an operator. */
function reportRoutes(docs: ReturnType<typeof serviceDocs>): void {
  const parked = docs.schema(
    'ParkedReport',
    z.object({
      id: z.int(),
      shipmentId: z.int(),
      orderId: z.int(),
      status: z.enum(reportedStatuses),
      attempts: z.int(),
      reason: z.string().nullable().describe("order-service's answer when it refused the report"),
      parkedAt: timestamp,
    }),
  );
  const tags = ['shipment reports'];
  docs.route({
    tags,
    method: 'get',
    path: '/shipment-reports/parked',
    summary: 'List the shipment reports order-service refused, parked until replayed',
    access: 'admin',
    responses: { 200: json(z.object({ items: z.array(parked) }), 'Every parked report') },
  });
  docs.route({
    tags,
    method: 'post',
    path: '/shipment-reports/{id}/replay',
    summary: 'Send a parked report to order-service again, now',
    access: 'admin',
    request: { params: idParams('id') },
    responses: {
      202: json(z.object({ id: z.int(), replayed: z.literal(true) }), 'The report is sent again'),
    },
  });
}
