// REST -> domain calls, nothing more.
import { randomUUID } from 'node:crypto';
import { idempotencyKeyOf } from '@supply/service-kit/idempotency';
import { syncPageOf, syncQuerySchema } from '@supply/service-kit/sync';
import { parse, parseId } from '@supply/service-kit/validation';
import { Router } from 'express';
import { z } from 'zod';
import { type CustomersDomain, createCustomerInput, updateCustomerInput } from './customers.ts';
import type { OrdersClient } from './orders.ts';

export const customerListQuery = syncQuerySchema.extend({
  email: z.string().trim().min(1).max(254).optional(),
  search: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
});

// Checked again by order-service; parsed here so a bad query costs no call.
export const orderListQuery = syncQuerySchema.extend({ status: z.string().optional() });

export function customerRoutes(customers: CustomersDomain, orders: OrdersClient): Router {
  const router = Router();

  router.get('/customers', async (req, res) => {
    res.json(await customers.list(syncPageOf(parse(customerListQuery, req.query))));
  });

  router.post('/customers', async (req, res) => {
    const customer = await customers.create(parse(createCustomerInput, req.body), idempotencyKeyOf(req));
    res.status(201).location(`/customers/${customer.id}`).json(customer);
  });

  router.get('/customers/:id', async (req, res) => {
    res.json(await customers.get(parseId(req.params.id)));
  });

  router.patch('/customers/:id', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await customers.update(id, parse(updateCustomerInput, req.body)));
  });

  router.get('/customers/:id/orders', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await orders.ofCustomer(id, parse(orderListQuery, req.query)));
  });

  router.post('/orders', async (req, res) => {
    // A caller that sent no key gets the one made up for it, to retry with whatever the response.
    const key = req.get('idempotency-key') ?? `crm-${randomUUID()}`;
    res.set('Idempotency-Key', key);
    const order = await orders.place(req.body, key);
    res.status(201).location(`/orders/${order.id}`).json(order);
  });

  router.get('/orders/:id', async (req, res) => {
    res.json(await orders.get(parseId(req.params.id)));
  });

  return router;
}
