// The system's processes, listed once. Configuration, the gateway's subgraph
// list, composition, the build, the runner and the tests derive from here.
// Each service: its name, its subgraph's name in the supergraph, its key in
// config.urls, the variable that gives its URL to the others, its port when
// that variable is unset, and its database role (docs/db-schema.sql grants
// each role its tables).
export const SERVICES = [
  {
    name: 'crm-api',
    graph: 'crm',
    urlKey: 'crmApi',
    variable: 'CRM_API_URL',
    port: 3000,
    role: 'crm_api',
  },
  {
    name: 'inventory-service',
    graph: 'inventory',
    urlKey: 'inventory',
    variable: 'INVENTORY_SERVICE_URL',
    port: 4000,
    role: 'inventory_service',
  },
  {
    name: 'logistics-service',
    graph: 'logistics',
    urlKey: 'logistics',
    variable: 'LOGISTICS_SERVICE_URL',
    port: 5000,
    role: 'logistics_service',
  },
  {
    name: 'order-service',
    graph: 'orders',
    urlKey: 'orders',
    variable: 'ORDER_SERVICE_URL',
    port: 6000,
    role: 'order_service',
  },
] as const;

/**
 * The gateway: no subgraph of its own; its role may touch the rate-limit counts only.
 * Its node flags: a young generation of 2 x 64 MiB (V8's default is 2 x 16). Each query
 * allocates a plan's worth of short-lived objects while 30 others are in flight; with the
 * default many of them live through a scavenge or two and are copied. With it the gateway
 * spent 17-23 % less CPU per distinct page (docs/PERFORMANCE.md), for about 100 MiB more
 * RSS under load. Compose and Kubernetes set them as NODE_OPTIONS; their tests check they match.
 */
export const GATEWAY = {
  name: 'gateway',
  port: 8080,
  role: 'gateway',
  nodeFlags: ['--max-semi-space-size=64'],
} as const;

export type Service = (typeof SERVICES)[number];
export type ServiceName = Service['name'];
/** Each service's base URL, by its key in config.urls. */
export type ServiceUrls = { [S in Service as S['urlKey']]: string };

/** The roles docs/db-schema.sql grants tables to: one per process that opens the database. */
export const DATABASE_ROLES: string[] = [...SERVICES.map((service) => service.role), GATEWAY.role];

/** A process's port when PORT is unset. */
export function defaultPortOf(name: string): number {
  const process = [...SERVICES, GATEWAY].find((entry) => entry.name === name);
  if (!process) throw new Error(`${name} is not a process of this system`);
  return process.port;
}

/** The node flags a process runs with (NODE_OPTIONS in its deployment): the gateway's, or none. */
export function nodeFlagsOf(name: string): readonly string[] {
  return name === GATEWAY.name ? GATEWAY.nodeFlags : [];
}

/** A service's URL when its variable is unset: on this machine, at its default port. */
export const defaultUrlOf = (service: Service) => `http://localhost:${service.port}`;
