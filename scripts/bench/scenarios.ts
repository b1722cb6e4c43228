// What each scenario sends and what counts as an error. Shared by the runner
// (which process it targets) and the load generator (which builds requests).
import type autocannon from 'autocannon';

export const SCENARIO_NAMES = [
  'inventory',
  'inventory-floor',
  'customers',
  'dashboard',
  'dashboard-nodedup',
  'dashboard-floor',
  'dashboard-hive',
  'dashboard-hive-nodedup',
  'dashboard-hive-rust',
  'dashboard-pages',
  'dashboard-pages-floor',
  'dashboard-pages-hive',
  'dashboard-pages-hive-rust',
  'orders',
  'orders-floor',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The processes a scenario can be aimed at. */
export type Target =
  | 'crm-api'
  | 'inventory-service'
  | 'gateway'
  | 'gateway-nodedup'
  | 'floor'
  | 'hive-gateway'
  | 'hive-gateway-nodedup'
  | 'hive-gateway-rust';

export interface Scenario {
  /** The scenario's number in docs/PERFORMANCE.md's tables. */
  label: string;
  title: string;
  target: Target;
  /** Fixed concurrency (the orders scenario asks for 32 clients); else --connections. */
  connections?: number;
  graphql: boolean;
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  inventory: {
    label: '1',
    title: 'GET /inventory/:productId (inventory-service)',
    target: 'inventory-service',
    graphql: false,
  },
  'inventory-floor': { label: '1f', title: 'same row, bare node:http + pg', target: 'floor', graphql: false },
  customers: { label: '2', title: 'GET /customers/:id (crm-api)', target: 'crm-api', graphql: false },
  dashboard: {
    label: '3',
    title: 'Dashboard, 50 orders (@apollo/gateway)',
    target: 'gateway',
    graphql: true,
  },
  // The gateway shares identical subgraph fetches in flight (SUBGRAPH_DEDUPLICATION);
  // identical dashboards under load profit from it. This one measures the engine alone.
  'dashboard-nodedup': {
    label: '3b',
    title: 'Dashboard, 50 orders (@apollo/gateway, SUBGRAPH_DEDUPLICATION=false)',
    target: 'gateway-nodedup',
    graphql: true,
  },
  'dashboard-floor': {
    label: '4',
    title: 'Dashboard floor: one SQL query, bare node:http + pg',
    target: 'floor',
    graphql: true,
  },
  'dashboard-hive': {
    label: '7',
    title: 'Dashboard, 50 orders (Hive Gateway)',
    target: 'hive-gateway',
    graphql: true,
  },
  // Hive deduplicates identical subgraph fetches in flight by default, which
  // identical dashboards under load profit from; this one measures the engine alone.
  'dashboard-hive-nodedup': {
    label: '7b',
    title: 'Dashboard, 50 orders (Hive Gateway, inflight deduplication off)',
    target: 'hive-gateway-nodedup',
    graphql: true,
  },
  'dashboard-hive-rust': {
    label: '8',
    title: 'Dashboard, 50 orders (Hive Gateway, --hive-router-runtime)',
    target: 'hive-gateway-rust',
    graphql: true,
  },
  // Distinct pages: every request its own customer, status and page size, as real dashboards ask.
  'dashboard-pages': {
    label: '3p',
    title: 'Dashboard pages, distinct variables (@apollo/gateway)',
    target: 'gateway',
    graphql: true,
  },
  'dashboard-pages-floor': {
    label: '4p',
    title: 'Dashboard pages floor: one SQL query, bare node:http + pg',
    target: 'floor',
    graphql: true,
  },
  'dashboard-pages-hive': {
    label: '7p',
    title: 'Dashboard pages (Hive Gateway)',
    target: 'hive-gateway',
    graphql: true,
  },
  'dashboard-pages-hive-rust': {
    label: '8p',
    title: 'Dashboard pages (Hive Gateway, --hive-router-runtime)',
    target: 'hive-gateway-rust',
    graphql: true,
  },
  orders: {
    label: '5',
    title: 'POST /orders (crm-api → order-service → inventory, logistics)',
    target: 'crm-api',
    connections: 32,
    graphql: false,
  },
  'orders-floor': {
    label: '5f',
    title: 'same order, one transaction (reserve, record, book), bare node:http + pg',
    target: 'floor',
    connections: 32,
    graphql: false,
  },
};

export const DASHBOARD_QUERY = `query Dashboard($first: Int!) { orders(first: $first) { edges { node { id status totalCents currency createdAt customer { id name email } items { quantity unitPriceCents product { id sku name inventory { quantityOnHand quantityReserved quantityAvailable } } } shipment { id status carrier trackingNumber estimatedDeliveryDate } } } pageInfo { hasNextPage endCursor } } }`;
export const DASHBOARD_BODY = JSON.stringify({
  operationName: 'Dashboard',
  query: DASHBOARD_QUERY,
  variables: { first: 50 },
});

/** The Dashboard query with its filters: the same shape, a page of any customer, status and size. */
export const PAGES_QUERY = DASHBOARD_QUERY.replace(
  'query Dashboard($first: Int!) { orders(first: $first)',
  'query Dashboard($first: Int!, $after: String, $status: OrderStatus, $customerId: ID) { orders(first: $first, after: $after, status: $status, customerId: $customerId)',
);

const randomId = (max: number) => 1 + Math.floor(Math.random() * max);
const STATUSES = ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'FAILED'];
const pick = <T>(values: T[]): T => values[Math.floor(Math.random() * values.length)] as T;
const cursor = (id: number) => `c1.${Buffer.from(String(id)).toString('base64url')}`;

/**
 * One user's page: half ask for a customer's orders (10 or 20 a page), a
 * fifth for a customer's orders in one status, the rest scroll one status's
 * list from anywhere in it (20 or 50 a page).
 */
export function pageVariables(customers: number, orders: number): Record<string, unknown> {
  const roll = Math.random();
  const customerId = String(randomId(customers));
  if (roll < 0.5) return { first: pick([10, 20]), customerId };
  if (roll < 0.7) return { first: 20, customerId, status: pick(STATUSES) };
  return { first: pick([20, 50]), status: pick(STATUSES), after: cursor(randomId(orders)) };
}

export const pagesBody = (customers: number, orders: number) =>
  JSON.stringify({
    operationName: 'Dashboard',
    query: PAGES_QUERY,
    variables: pageVariables(customers, orders),
  });

/** What the load generator needs to know, passed to it as JSON. */
export interface LoadSpec {
  scenario: ScenarioName;
  url: string;
  connections: number;
  /** Seconds of the measured run. */
  duration: number;
  /** Seconds of load before it, not measured. */
  warmup: number;
  customers: number;
  products: number;
  orders: number;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** A request whose path or body is drawn afresh for every request. */
function varying(base: autocannon.Request, vary: () => Partial<autocannon.Request>): autocannon.Request {
  return { ...base, setupRequest: (request) => ({ ...request, ...vary() }) };
}

/** The autocannon request sequence of a scenario (one request, repeated). */
export function requestFor(spec: LoadSpec): autocannon.Request {
  switch (spec.scenario) {
    case 'inventory':
    case 'inventory-floor':
      return varying({ method: 'GET' }, () => ({ path: `/inventory/${randomId(spec.products)}` }));
    case 'customers':
      return varying({ method: 'GET' }, () => ({ path: `/customers/${randomId(spec.customers)}` }));
    case 'dashboard':
    case 'dashboard-nodedup':
    case 'dashboard-floor':
    case 'dashboard-hive':
    case 'dashboard-hive-nodedup':
    case 'dashboard-hive-rust':
      return { method: 'POST', path: '/graphql', headers: JSON_HEADERS, body: DASHBOARD_BODY };
    case 'dashboard-pages':
    case 'dashboard-pages-floor':
    case 'dashboard-pages-hive':
    case 'dashboard-pages-hive-rust':
      return varying({ method: 'POST', path: '/graphql', headers: JSON_HEADERS }, () => ({
        body: pagesBody(spec.customers, spec.orders),
      }));
    case 'orders':
    case 'orders-floor':
      return varying({ method: 'POST', path: '/orders', headers: JSON_HEADERS }, () => ({
        body: JSON.stringify({ customerId: randomId(spec.customers), items: orderLines(spec.products) }),
      }));
  }
}

/** One or two distinct products, 1 to 3 of each: light enough for every shipping band. */
function orderLines(products: number): Array<{ productId: number; quantity: number }> {
  const first = randomId(products);
  const lines = [{ productId: first, quantity: randomId(3) }];
  const second = randomId(products);
  if (Math.random() < 0.5 && second !== first) lines.push({ productId: second, quantity: randomId(3) });
  return lines;
}

/** Why a response counts as an error, or undefined when it is good. */
export function responseError(scenario: ScenarioName, status: number, body: string): string | undefined {
  if (status < 200 || status > 299) return `HTTP ${status}: ${body.slice(0, 300)}`;
  // A GraphQL answer with partial data and errors is still 200: look inside.
  if (SCENARIOS[scenario].graphql && body.includes('"errors"'))
    return `GraphQL errors: ${body.slice(0, 300)}`;
  return undefined;
}
