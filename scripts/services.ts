// The four services as the runner and the benchmark start them: each one's
// name, its subgraph's name in the supergraph, the variable that gives its
// URL to the others, and its port when that variable is unset.
export const SERVICES = [
  { name: 'crm-api', graph: 'crm', variable: 'CRM_API_URL', port: 3000 },
  { name: 'inventory-service', graph: 'inventory', variable: 'INVENTORY_SERVICE_URL', port: 4000 },
  { name: 'logistics-service', graph: 'logistics', variable: 'LOGISTICS_SERVICE_URL', port: 5000 },
  { name: 'order-service', graph: 'orders', variable: 'ORDER_SERVICE_URL', port: 6000 },
] as const;

/** A service's entry file, relative to the repository root. */
export const entryOf = (name: string) => `subgraphs/${name}/src/main.ts`;
