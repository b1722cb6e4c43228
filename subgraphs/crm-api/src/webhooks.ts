// Webhook endpoints and their deliveries, as the CRM's admins manage them.
// Sending is webhook-delivery.ts's; this file only reads and writes rows.
import { randomBytes } from 'node:crypto';
import type { Database } from '@supply/service-kit/database';
import { NotFound } from '@supply/service-kit/errors';
import { z } from 'zod';
import { checkEndpointUrl } from './webhook-urls.ts';

/** Every event an endpoint may subscribe to. */
export const WEBHOOK_EVENTS = [
  'order.confirmed',
  'order.failed',
  'order.cancelled',
  'order.partially_shipped',
  'order.shipped',
  'order.delivered',
  'shipment.exception',
  'stock.low',
  'return.received',
] as const;

export const createEndpointInput = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000),
  events: z
    .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
    .min(1, 'must name at least one event')
    .transform((events) => [...new Set(events)]),
  description: z.string().trim().max(500, 'must be at most 500 characters').nullish(),
});
export type CreateEndpointInput = z.output<typeof createEndpointInput>;

export interface WebhookEndpoint {
  id: number;
  url: string;
  events: string[];
  description: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface WebhookDelivery {
  id: number;
  eventId: number;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

const ENDPOINT = {
  id: true,
  url: true,
  events: true,
  description: true,
  disabledAt: true,
  createdAt: true,
} as const;

/** whsec_ and 24 random bytes in base64, as the Standard Webhooks libraries read it. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function webhooksDomain(db: Database, production: boolean) {
  const { prisma } = db;
  return {
    /** The endpoint and its secret, which no later response shows again. */
    async create(input: CreateEndpointInput): Promise<WebhookEndpoint & { secret: string }> {
      await checkEndpointUrl(input.url, production);
      const secret = newSecret();
      const row = await prisma.webhookEndpoint.create({
        data: { url: input.url, events: input.events, description: input.description ?? null, secret },
        select: ENDPOINT,
      });
      return { ...row, secret };
    },

    list(): Promise<WebhookEndpoint[]> {
      return prisma.webhookEndpoint.findMany({ select: ENDPOINT, orderBy: { id: 'asc' } });
    },

    /** Removes the endpoint and its deliveries; nothing more is sent to it. */
    async remove(id: number): Promise<void> {
      const { count } = await prisma.webhookEndpoint.deleteMany({ where: { id } });
      if (count === 0) throw new NotFound(`Webhook endpoint ${id} does not exist`);
    },

    /** The endpoint's latest 100 deliveries, newest first. */
    async deliveries(endpointId: number): Promise<WebhookDelivery[]> {
      const endpoint = await prisma.webhookEndpoint.findUnique({
        where: { id: endpointId },
        select: { id: true },
      });
      if (!endpoint) throw new NotFound(`Webhook endpoint ${endpointId} does not exist`);
      const rows = await prisma.webhookDelivery.findMany({
        where: { endpointId },
        include: { event: { select: { type: true } } },
        orderBy: { id: 'desc' },
        take: 100,
      });
      return rows.map(toDelivery);
    },

    /** Sends the delivery again at the next sweep, whatever became of it; it gets one more attempt. */
    async retry(id: number): Promise<WebhookDelivery> {
      const rows = await prisma.$queryRaw<Array<{ id: bigint }>>`
        UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), locked_until = NULL
        WHERE id = ${id} RETURNING id`;
      if (rows.length === 0) throw new NotFound(`Webhook delivery ${id} does not exist`);
      const row = await prisma.webhookDelivery.findUniqueOrThrow({
        where: { id: BigInt(id) },
        include: { event: { select: { type: true } } },
      });
      return toDelivery(row);
    },
  };
}

function toDelivery(row: {
  id: bigint;
  eventId: bigint;
  event: { type: string };
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
}): WebhookDelivery {
  return {
    id: Number(row.id),
    eventId: Number(row.eventId),
    type: row.event.type,
    status: row.status as WebhookDelivery['status'],
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
  };
}

export type WebhooksDomain = ReturnType<typeof webhooksDomain>;
