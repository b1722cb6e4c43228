// The system's subgraph URLs as a gateway's environment, and the counters
// the gateway tests read.
import type { Env } from '@supply/service-kit/config';
import { BACKGROUND_SQL, type StartedService } from '@supply/test-support/services';
import type { System } from '@supply/test-support/system';

export function subgraphEnv(system: System): Env {
  return {
    CRM_API_URL: system.crm.url,
    INVENTORY_SERVICE_URL: system.inventory.url,
    LOGISTICS_SERVICE_URL: system.logistics.url,
    ORDER_SERVICE_URL: system.orders.url,
  };
}

export function servicesOf(system: System): Record<string, StartedService> {
  return { crm: system.crm, inventory: system.inventory, logistics: system.logistics, orders: system.orders };
}

export function resetCounters(system: System): void {
  for (const service of Object.values(servicesOf(system))) {
    service.queries.reset();
    service.requests.reset();
  }
}

/** SQL statements (background sweeps aside) and HTTP requests per subgraph since the last reset. */
export function counters(system: System) {
  const entries = Object.entries(servicesOf(system));
  const sql = Object.fromEntries(
    entries.map(([name, service]) => [
      name,
      service.queries.statements.filter((statement) => !BACKGROUND_SQL.test(statement)).length,
    ]),
  );
  const fetches = Object.fromEntries(entries.map(([name, service]) => [name, service.requests.count]));
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  return { sql, fetches, totalSql: total(sql), totalFetches: total(fetches) };
}
