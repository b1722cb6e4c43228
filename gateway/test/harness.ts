// A gateway started in front of a started system, with its log lines kept
// (test-support's startGateway drops them), and the counters tests read.
import { type Env, loadConfig } from '@supply/service-kit/config';
import { listen } from '@supply/service-kit/http';
import { capturingLogger, NEIGHBOUR_URLS, NOWHERE, type StartedService } from '@supply/test-support/services';
import type { System } from '@supply/test-support/system';
import { buildGateway } from '../src/app.ts';

export interface TestGateway {
  url: string;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The system's subgraph URLs as the gateway's environment (none: every subgraph unreachable). */
export function subgraphEnv(system?: System): Env {
  if (!system) return Object.fromEntries(NEIGHBOUR_URLS.map((name) => [name, NOWHERE]));
  return {
    CRM_API_URL: system.crm.url,
    INVENTORY_SERVICE_URL: system.inventory.url,
    LOGISTICS_SERVICE_URL: system.logistics.url,
    ORDER_SERVICE_URL: system.orders.url,
  };
}

/** Starts a gateway with `env` over NODE_ENV=test; its logs are kept at info. */
export async function startTestGateway(env: Env): Promise<TestGateway> {
  const config = loadConfig('gateway', 0, { NODE_ENV: 'test', LOG_LEVEL: 'info', ...subgraphEnv(), ...env });
  const { logger, logs } = capturingLogger('gateway', config.logLevel);
  const gateway = await buildGateway({ config, logger });
  const server = await listen(gateway.app, 0, '127.0.0.1');
  return {
    url: server.url,
    logs,
    close: async () => {
      await server.close();
      await gateway.close();
    },
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

// logistics-service's report outbox polls shipment_reports every 200 ms in tests
// (startSystem's reportIntervalMs), whatever the gateway does: not an operation's cost.
const BACKGROUND_SQL = /\bshipment_reports\b/;

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
