// Where each subgraph of gateway/supergraph.graphql is served, from config.
import type { Config } from '@supply/service-kit/config';

/** Base URL of each subgraph's service, by its name in the supergraph. */
export function subgraphUrls(config: Config): Record<string, string> {
  return {
    crm: config.urls.crmApi,
    inventory: config.urls.inventory,
    logistics: config.urls.logistics,
    orders: config.urls.orders,
  };
}

/** The subgraph names a supergraph joins (its join__Graph values). */
export function subgraphNames(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((match) => match[1] as string);
}
