// The restock route of routes.ts, described for /openapi.json from the schema it validates with.
import { json, type ServiceDocs, timestamp } from '@supply/service-kit/openapi';
import { z } from 'zod';
import { restockInput } from './restocks.ts';

export function describeRestocks(docs: ServiceDocs): void {
  const line = z.object({ productId: z.int(), warehouseId: z.int(), quantity: z.int() });
  const restock = docs.schema(
    'Restock',
    z.object({ returnId: z.int(), orderId: z.int(), items: z.array(line), createdAt: timestamp }),
  );
  docs.route({
    tags: ['restocks'],
    access: 'service',
    method: 'post',
    path: '/inventory/restocks',
    summary:
      "Put a received return's units back on hand, where they shipped from unless a warehouse is named; once per return, never more than shipped (409)",
    request: { body: { ...json(restockInput), required: true } },
    responses: { 201: json(restock, 'The restock, done now or before') },
  });
}
