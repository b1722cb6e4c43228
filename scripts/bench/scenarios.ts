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
  'orders',
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
  | 'hive-gateway-nodedup';

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
  orders: {
    label: '5',
    title: 'POST /orders (crm-api → order-service → inventory, logistics)',
    target: 'crm-api',
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
}

const randomId = (max: number) => 1 + Math.floor(Math.random() * max);
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
      return { method: 'POST', path: '/graphql', headers: JSON_HEADERS, body: DASHBOARD_BODY };
    case 'orders':
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
