// REST -> domain calls, nothing more.
import { NotFound } from '@supply/service-kit/errors';
import { parseId } from '@supply/service-kit/validation';
import { Router } from 'express';
import type { CustomersDomain } from './customers.ts';

export function customerRoutes(customers: CustomersDomain): Router {
  const router = Router();

  router.get('/customers/:id', async (req, res) => {
    const id = parseId(req.params.id);
    const [customer] = await customers.getMany([id]);
    if (!customer) throw new NotFound(`Customer ${id} does not exist`);
    res.json(customer);
  });

  return router;
}
