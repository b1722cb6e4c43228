// What a receipt records for each item of a return: how many units arrived,
// how many go back on the shelf, at the order's unit price.
import { Conflict } from '@supply/service-kit/errors';
import type { ReturnView } from './return-store.ts';

export interface ReceiptLine {
  productId: number;
  received: number;
  restock: number;
  unitPriceCents: number;
}

export interface ReceivedItem {
  productId: number;
  quantity: number;
  restock: boolean;
}

/**
 * Without `items`, everything the return holds arrived and is restocked. With
 * them, the items named arrived in those quantities (never more than the
 * return holds), and those left out did not arrive.
 */
export function receiptLines(current: ReturnView, items: ReceivedItem[] | undefined): ReceiptLine[] {
  const named = new Map(items?.map((item) => [item.productId, item]));
  const unknown = [...named.keys()].filter((id) => !current.items.some((item) => item.productId === id));
  if (unknown.length > 0) {
    throw new Conflict(`Return ${current.id} holds no product ${unknown.join(', ')}`, {
      productIds: unknown,
    });
  }
  const lines = current.items.map((item) => {
    const got = items ? named.get(item.productId) : { quantity: item.quantity, restock: true };
    const received = got?.quantity ?? 0;
    return {
      productId: item.productId,
      received,
      restock: got?.restock ? received : 0,
      unitPriceCents: item.unitPriceCents,
      expected: item.quantity,
    };
  });
  const over = lines.filter((line) => line.received > line.expected);
  if (over.length > 0) {
    const named = over.map((l) => `product ${l.productId} (received ${l.received}, returned ${l.expected})`);
    throw new Conflict(`More received than the return holds: ${named.join(', ')}`, {
      items: over.map((l) => ({ productId: l.productId, received: l.received, returned: l.expected })),
    });
  }
  return lines.map(({ expected: _, ...line }) => line);
}
