import type { Login } from '@supply/service-kit/migrate';

// The four services as the runner and the benchmark start them: each one's
// name, its subgraph's name in the supergraph, the variable that gives its
// URL to the others, its port when that variable is unset, and its database
// role (docs/db-schema.sql grants each role its tables).
export const SERVICES = [
  { name: 'crm-api', graph: 'crm', variable: 'CRM_API_URL', port: 3000, role: 'crm_api' },
  {
    name: 'inventory-service',
    graph: 'inventory',
    variable: 'INVENTORY_SERVICE_URL',
    port: 4000,
    role: 'inventory_service',
  },
  {
    name: 'logistics-service',
    graph: 'logistics',
    variable: 'LOGISTICS_SERVICE_URL',
    port: 5000,
    role: 'logistics_service',
  },
  {
    name: 'order-service',
    graph: 'orders',
    variable: 'ORDER_SERVICE_URL',
    port: 6000,
    role: 'order_service',
  },
] as const;

/** Each process's database role: the four services', and the gateway's (rate limits only). */
const ROLES: Record<string, string> = {
  ...Object.fromEntries(SERVICES.map((service) => [service.name, service.role])),
  gateway: 'gateway',
};

/**
 * The roles' logins on the embedded database and the tests' (never production:
 * docs/deploy.md has each role given a password of its own).
 */
export const LOCAL_LOGINS: Login[] = Object.values(ROLES).map((role) => ({
  role,
  password: `${role}-local`,
}));

/** The local login of the process called `name`, if it has a role. */
export const localLoginOf = (name: string): Login | undefined =>
  LOCAL_LOGINS.find((login) => login.role === ROLES[name]);

/** A service's entry file, relative to the repository root. */
export const entryOf = (name: string) => `subgraphs/${name}/src/main.ts`;
