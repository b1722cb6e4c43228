// REST -> returns domain calls, nothing more.
import { idempotencyKeyOf } from '@supply/service-kit/idempotency';
import { listQuerySchema, pageOfQuery } from '@supply/service-kit/pagination';
import { idSchema, parse, parseId } from '@supply/service-kit/validation';
import { Router } from 'express';
import { z } from 'zod';
import { RETURN_STATUSES } from './return-store.ts';
import { type OrderReturns, returnReceiptInput, returnRequestInput } from './returns.ts';

export const returnListQuery = listQuerySchema
  .extend({ orderId: idSchema.optional(), status: z.enum(RETURN_STATUSES).optional() })
  .strict();

export function returnRoutes(returns: OrderReturns): Router {
  const router = Router();

  router.post('/supply-orders/:id/returns', async (req, res) => {
    const orderId = parseId(req.params.id);
    const input = parse(returnRequestInput, req.body);
    const created = await returns.request(orderId, input, idempotencyKeyOf(req));
    res.status(201).location(`/returns/${created.id}`).json(created);
  });

  router.get('/returns', async (req, res) => {
    const { limit, cursor, ...filter } = parse(returnListQuery, req.query);
    res.json(await returns.list(filter, pageOfQuery({ limit, cursor })));
  });

  router.get('/returns/:id', async (req, res) => {
    res.json(await returns.get(parseId(req.params.id)));
  });

  router.post('/returns/:id/receive', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await returns.receive(id, parse(returnReceiptInput, req.body ?? {})));
  });

  router.post('/returns/:id/cancel', async (req, res) => {
    res.json(await returns.cancel(parseId(req.params.id)));
  });

  return router;
}
