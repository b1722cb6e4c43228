// The operations the gateway's limits are set from, and the examples the
// tests send: what real clients (a dashboard, Apollo Sandbox) ask.

/** The dashboard: a page of orders with everything the four subgraphs know about each. */
export const DASHBOARD = /* GraphQL */ `
  query Dashboard($first: Int!) {
    orders(first: $first) {
      edges { node {
        id status totalCents currency createdAt
        customer { id name email }
        items { quantity unitPriceCents product { id sku name inventory {
          quantityOnHand quantityReserved quantityAvailable
          byWarehouse { quantityAvailable lowStock warehouse { code } }
        } } }
        shipment { id status carrier trackingNumber estimatedDeliveryDate }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

/** The dashboard with every shipment of each order and the warehouse it leaves from. */
export const DASHBOARD_WITH_SHIPMENTS = DASHBOARD.replace(
  'shipment { id status carrier trackingNumber estimatedDeliveryDate }',
  'shipments { id status carrier trackingNumber origin { code } }',
);

/** The dashboard with its page size written in, as a hand-written client might send it. */
export const dashboardWithPage = (first: number) =>
  DASHBOARD.replace('orders(first: $first)', `orders(first: ${first})`).replace('($first: Int!)', '');

const typeRef = (depth: number): string =>
  depth === 0 ? 'kind name' : `kind name ofType { ${typeRef(depth - 1)} }`;

/** The introspection query Apollo Sandbox sends when it loads (deprecated arguments included). */
export const SANDBOX_INTROSPECTION = /* GraphQL */ `
  query IntrospectionQuery {
    __schema {
      queryType { name }
      mutationType { name }
      subscriptionType { name }
      types { ...FullType }
      directives {
        name
        description
        locations
        args(includeDeprecated: true) { ...InputValue }
      }
    }
  }

  fragment FullType on __Type {
    kind
    name
    description
    fields(includeDeprecated: true) {
      name
      description
      args(includeDeprecated: true) { ...InputValue }
      type { ...TypeRef }
      isDeprecated
      deprecationReason
    }
    inputFields(includeDeprecated: true) { ...InputValue }
    interfaces { ...TypeRef }
    enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
    possibleTypes { ...TypeRef }
  }

  fragment InputValue on __InputValue {
    name
    description
    type { ...TypeRef }
    defaultValue
    isDeprecated
    deprecationReason
  }

  fragment TypeRef on __Type { ${typeRef(7)} }
`;

/** The README's example: one customer from crm-api. */
export const CUSTOMER = /* GraphQL */ `
  query Customer($id: ID!) {
    customer(id: $id) { id name email address { city country } }
  }
`;

/** The README's example: an order placed through the graph. */
export const PLACE_ORDER = /* GraphQL */ `
  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String) {
    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {
      id status totalCents currency
      customer { id name }
      items { quantity unitPriceCents lineTotalCents product { id sku } }
      shipment { id carrier trackingNumber status estimatedDeliveryDate }
    }
  }
`;

/** `customer { orders { edges { node { customer { orders … } } } } }`, nested `levels` times (4 levels each). */
export function nestedOrders(levels: number): string {
  let selection = 'id';
  for (let level = 0; level < levels; level++) {
    selection = `customer { orders(first: 1) { edges { node { ${selection} } } } }`;
  }
  return `{ order(id: 1) { ${selection} } }`;
}

/** One customer's id read `count` times under different aliases. */
export function aliasedIds(count: number): string {
  const aliases = Array.from({ length: count }, (_, i) => `a${i}: id`).join(' ');
  return `{ customer(id: 1) { ${aliases} } }`;
}
