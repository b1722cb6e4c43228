// REST -> domain calls, nothing more.
import { idempotencyKeyOf } from '@supply/service-kit/idempotency';
import { syncPageOf, syncQuerySchema } from '@supply/service-kit/sync';
import { idSchema, parse, parseId } from '@supply/service-kit/validation';
import { Router } from 'express';
import { z } from 'zod';
import { shipmentEventInput } from './lifecycle.ts';
import { placeOrderInput } from './placing.ts';
import { ORDER_STATUSES } from './status-machine.ts';
import type { SupplyOrders } from './supply-orders.ts';

export const orderListQuery = syncQuerySchema.extend({
  status: z.enum(ORDER_STATUSES).optional(),
  customerId: idSchema.optional(),
});

export function supplyOrderRoutes(orders: SupplyOrders): Router {
  const router = Router();

  router.post('/supply-orders', async (req, res) => {
    const key = idempotencyKeyOf(req);
    const order = await orders.place(parse(placeOrderInput, req.body), key);
    res.status(201).location(`/supply-orders/${order.id}`).json(order);
  });

  router.get('/supply-orders', async (req, res) => {
    res.json(await orders.list(syncPageOf(parse(orderListQuery, req.query))));
  });

  router.get('/supply-orders/:id', async (req, res) => {
    res.json(await orders.get(parseId(req.params.id)));
  });

  router.post('/supply-orders/:id/cancel', async (req, res) => {
    res.json(await orders.cancel(parseId(req.params.id)));
  });

  router.post('/supply-orders/:id/shipment-events', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await orders.recordShipmentEvent(id, parse(shipmentEventInput, req.body)));
  });

  return router;
}
