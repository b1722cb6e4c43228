// The entry point legacy CRM systems use for orders. crm-api decides nothing
// about orders: it accepts the legacy one-line shape too, and hands every
// request to order-service, whose response it passes back as it is.
import { FORWARDED_AUTHORIZATION } from '@supply/service-kit/auth';
import type { AxiosInstance } from '@supply/service-kit/client';
import { currentContext } from '@supply/service-kit/context';
import { withDeadline } from '@supply/service-kit/deadline';
import type { Page } from '@supply/service-kit/pagination';
import { idSchema } from '@supply/service-kit/validation';
import { z } from 'zod';
import type { CustomersDomain } from './customers.ts';

/** The one-line shape older CRM systems send: one product, one quantity. */
export const legacyOrderInput = z.object({
  customerId: idSchema,
  productId: idSchema,
  quantity: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  shippingAddress: z.unknown().optional(),
  serviceLevel: z.unknown().optional(),
});

/** The body order-service takes: the legacy shape becomes a one-item order; the rest passes as it is. */
export function toSupplyOrder(body: unknown): unknown {
  const isLegacy = typeof body === 'object' && body !== null && 'productId' in body && !('items' in body);
  if (!isLegacy) return body;
  const { customerId, productId, quantity, ...rest } = legacyOrderInput.parse(body);
  return { customerId, items: [{ productId, quantity }], ...rest };
}

export interface Order {
  id: number;
  customerId: number;
  [field: string]: unknown;
}

export function ordersClient(
  orderService: AxiosInstance,
  customers: CustomersDomain,
  orderTimeoutMs: number,
) {
  return {
    /**
     * Places the order under its key. Waits the whole order timeout (or the caller's
     * earlier deadline), once, and tells order-service 500 ms less: it settles the order
     * within that, so its response is the order's fate, never later than ours.
     */
    async place(body: unknown, idempotencyKey: string): Promise<Order> {
      // The caller rides along, so its key is kept among its own keys, not the service's.
      const caller = currentContext()?.caller.authorization;
      const { data } = await withDeadline(orderTimeoutMs, () =>
        orderService.post<Order>('/supply-orders', toSupplyOrder(body), {
          headers: {
            'Idempotency-Key': idempotencyKey,
            ...(caller && { [FORWARDED_AUTHORIZATION]: caller }),
          },
          timeout: orderTimeoutMs,
          'axios-retry': { retries: 0 },
        }),
      );
      return data;
    },

    async get(id: number): Promise<Order> {
      const { data } = await orderService.get<Order>(`/supply-orders/${id}`);
      return data;
    },

    /** The customer's orders, newest last; 404 when the customer does not exist. */
    async ofCustomer(customerId: number, query: Record<string, unknown>): Promise<Page<Order>> {
      await customers.get(customerId);
      const { data } = await orderService.get<Page<Order>>('/supply-orders', {
        params: { ...query, customerId },
      });
      return data;
    },
  };
}

export type OrdersClient = ReturnType<typeof ordersClient>;
