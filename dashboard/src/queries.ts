// Every operation the dashboard sends, each with the shape of its answer.
import type { TypedDocumentNode } from '@apollo/client';
import { gql } from '@apollo/client';

/** The cheapest question: does the graph answer this page (and its key) at all? */
export const ACCESS_CHECK: TypedDocumentNode<{ __typename: string }> = gql`
  query AccessCheck {
    __typename
  }
`;

export const ORDER_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
  'FAILED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Counts go up to this many per status; past it the chart says "100+". */
export const COUNT_LIMIT = 100;

export interface Page<T> {
  edges: Array<{ node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
type Counted = { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean } };
export type PageVariables = { first: number; after?: string | null };

export type ShipmentStatus = 'IN_TRANSIT' | 'EXCEPTION';
export const WATCHED_SHIPMENTS: ShipmentStatus[] = ['IN_TRANSIT', 'EXCEPTION'];

// The graph has no count field: a status's count is the length of one page of ids.
const countOf = (list: 'orders' | 'shipments', status: string) =>
  `${list}_${status}: ${list}(status: ${status}, first: ${COUNT_LIMIT}) { edges { node { id } } pageInfo { hasNextPage } }`;

export const COUNTS: TypedDocumentNode<Record<string, Counted | null>> = gql(
  `query Counts { ${[
    ...ORDER_STATUSES.map((status) => countOf('orders', status)),
    ...WATCHED_SHIPMENTS.map((status) => countOf('shipments', status)),
  ].join('\n')} }`,
);

/** A count from the Counts answer: its number, and whether there are more than that. */
export function countIn(data: Record<string, Counted | null> | undefined, list: string, status: string) {
  const page = data?.[`${list}_${status}`];
  return page ? { count: page.edges.length, more: page.pageInfo.hasNextPage } : undefined;
}

export interface StockLevel {
  quantityOnHand: number;
  quantityReserved: number;
  quantityAvailable: number;
  reorderPoint: number;
  location: string | null;
}
/** A product's stock in one warehouse, as the low-stock panel shows it. */
export interface WarehouseStock {
  warehouse: { id: string; code: string };
  quantityAvailable: number;
  reorderPoint: number;
  lowStock: boolean;
}
export interface LowStockProduct {
  id: string;
  sku: string;
  name: string;
  inventory: StockLevel & { byWarehouse: WarehouseStock[] };
}

export const LOW_STOCK: TypedDocumentNode<{ products: Page<LowStockProduct> | null }, PageVariables> = gql`
  query LowStock($first: Int!, $after: String) {
    products(lowStockOnly: true, first: $first, after: $after) {
      edges {
        node {
          id
          sku
          name
          inventory {
            quantityOnHand quantityReserved quantityAvailable reorderPoint location
            byWarehouse { warehouse { id code } quantityAvailable reorderPoint lowStock }
          }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export interface ShipmentRow {
  id: string;
  orderId: string;
  carrier: string;
  trackingNumber: string;
  estimatedDeliveryDate: string;
  destination: { city: string; country: string };
  updatedAt: string;
}

export const SHIPMENTS: TypedDocumentNode<
  { shipments: Page<ShipmentRow> | null },
  PageVariables & { status: ShipmentStatus }
> = gql`
  query Shipments($status: ShipmentStatus!, $first: Int!, $after: String) {
    shipments(status: $status, first: $first, after: $after) {
      edges {
        node {
          id
          orderId
          carrier
          trackingNumber
          estimatedDeliveryDate
          destination { city country }
          updatedAt
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export interface FailedOrderRow {
  id: string;
  customer: { name: string };
  totalCents: number;
  currency: string;
  failureReason: string | null;
  createdAt: string;
}

export const FAILED_ORDERS: TypedDocumentNode<{ orders: Page<FailedOrderRow> | null }, PageVariables> = gql`
  query FailedOrders($first: Int!, $after: String) {
    orders(status: FAILED, first: $first, after: $after) {
      edges { node { id customer { name } totalCents currency failureReason createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export interface OrderDetail {
  id: string;
  status: OrderStatus;
  serviceLevel: string;
  totalCents: number;
  currency: string;
  failureReason: string | null;
  createdAt: string;
  customer: { name: string; email: string };
  shippingAddress: { line1: string; city: string; postalCode: string; country: string };
  items: Array<{
    product: { sku: string; name: string };
    quantity: number;
    unitPriceCents: number;
    lineTotalCents: number;
  }>;
  shipment: {
    id: string;
    carrier: string;
    trackingNumber: string;
    status: string;
    estimatedDeliveryDate: string;
  } | null;
  history: Array<{ from: OrderStatus | null; to: OrderStatus; reason: string | null; at: string }>;
}

export const ORDER: TypedDocumentNode<{ order: OrderDetail | null }, { id: string }> = gql`
  query Order($id: ID!) {
    order(id: $id) {
      id
      status
      serviceLevel
      totalCents
      currency
      failureReason
      createdAt
      customer { name email }
      shippingAddress { line1 city postalCode country }
      items { product { sku name } quantity unitPriceCents lineTotalCents }
      shipment { id carrier trackingNumber status estimatedDeliveryDate }
      history { from to reason at }
    }
  }
`;
