// REST -> domain calls, nothing more.

import { NotFound } from '@supply/service-kit/errors';
import { syncPageOf, syncQuerySchema } from '@supply/service-kit/sync';
import { idSchema, parse, parseId } from '@supply/service-kit/validation';
import { Router } from 'express';
import { z } from 'zod';
import { createShipmentInput } from './booking.ts';
import type { ReportOutbox } from './reports.ts';
import type { ShipmentsDomain } from './shipments.ts';
import { shipmentStatuses } from './status-machine.ts';

const status = z.enum(shipmentStatuses, { error: `must be one of ${shipmentStatuses.join(', ')}` });

export const shipmentListQuery = syncQuerySchema
  .extend({ orderId: idSchema.optional(), status: status.optional() })
  .strict();

export const statusInput = z.object({ status }).strict();

export const orderCancellationInput = z.object({ orderId: idSchema }).strict();

export function shipmentRoutes(shipments: ShipmentsDomain): Router {
  const router = Router();

  router.post('/shipments', async (req, res) => {
    const { shipment, created } = await shipments.create(parse(createShipmentInput, req.body));
    res
      .status(created ? 201 : 200)
      .location(`/shipments/${shipment.id}`)
      .json(shipment);
  });

  router.post('/shipments/cancellations', async (req, res) => {
    const { orderId } = parse(orderCancellationInput, req.body);
    res.json({ items: await shipments.cancelOrder(orderId) });
  });

  router.get('/shipments', async (req, res) => {
    const { sort, ...filter } = syncPageOf(parse(shipmentListQuery, req.query));
    res.json(sort === 'updatedAt' ? await shipments.listUpdated(filter) : await shipments.list(filter));
  });

  router.get('/shipments/:id', async (req, res) => {
    res.json(await shipments.get(parseId(req.params.id)));
  });

  router.patch('/shipments/:id', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await shipments.updateStatus(id, parse(statusInput, req.body).status));
  });

  return router;
}

/** The parked shipment reports, for operators (admin): list them, and send one again. */
export function reportRoutes(reports: ReportOutbox): Router {
  const router = Router();

  router.get('/shipment-reports/parked', async (_req, res) => {
    res.json({ items: await reports.parked() });
  });

  router.post('/shipment-reports/:id/replay', async (req, res) => {
    const id = parseId(req.params.id);
    if (!(await reports.replay(id))) throw new NotFound(`No parked shipment report ${id}`);
    res.status(202).json({ id, replayed: true });
  });

  return router;
}
