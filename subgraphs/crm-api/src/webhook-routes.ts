// REST -> webhook domain calls, nothing more; every route is for admins.
import { requireRole } from '@supply/service-kit/auth';
import { parse, parseId } from '@supply/service-kit/validation';
import { Router } from 'express';
import { createEndpointInput, type WebhooksDomain } from './webhooks.ts';

export function webhookRoutes(webhooks: WebhooksDomain): Router {
  const router = Router();
  router.use('/webhooks', (_req, _res, next) => {
    requireRole('admin');
    next();
  });

  router.post('/webhooks/endpoints', async (req, res) => {
    const endpoint = await webhooks.create(parse(createEndpointInput, req.body));
    res.status(201).location(`/webhooks/endpoints/${endpoint.id}`).json(endpoint);
  });

  router.get('/webhooks/endpoints', async (_req, res) => {
    res.json({ items: await webhooks.list() });
  });

  router.delete('/webhooks/endpoints/:id', async (req, res) => {
    await webhooks.remove(parseId(req.params.id));
    res.status(204).end();
  });

  router.get('/webhooks/endpoints/:id/deliveries', async (req, res) => {
    res.json({ items: await webhooks.deliveries(parseId(req.params.id)) });
  });

  router.post('/webhooks/deliveries/:id/retry', async (req, res) => {
    res.status(202).json(await webhooks.retry(parseId(req.params.id)));
  });

  return router;
}
