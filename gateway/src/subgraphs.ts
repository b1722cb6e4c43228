// Where each subgraph of gateway/supergraph.graphql is served, from config.
import type { Config } from '@supply/service-kit/config';
import { SERVICES } from '@supply/service-kit/processes';

/** Base URL of each subgraph's service, by its name in the supergraph. */
export function subgraphUrls(config: Config): Record<string, string> {
  return Object.fromEntries(SERVICES.map((service) => [service.graph, config.urls[service.urlKey]]));
}

/** The subgraph names a supergraph joins (its join__Graph values). */
export function subgraphNames(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((match) => match[1] as string);
}
