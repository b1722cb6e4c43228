// Composes the subgraphs' SDL files into gateway/supergraph.graphql, the only
// thing the gateway (or Apollo Router) knows about the subgraphs.
import { readFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import { defaultUrlOf, SERVICES } from '@supply/service-kit/processes';
import { parse } from 'graphql';

export const SUPERGRAPH_FILE = new URL('../gateway/supergraph.graphql', import.meta.url);
/** The public graph: the supergraph's API schema, what callers of the gateway see. */
export const API_SCHEMA_FILE = new URL('../docs/schema.graphql', import.meta.url);

export async function composeSupergraph(): Promise<string> {
  const services = await Promise.all(
    SERVICES.map(async (service) => ({
      name: service.graph,
      url: `${defaultUrlOf(service)}/graphql`,
      typeDefs: parse(
        await readFile(new URL(`../subgraphs/${service.name}/src/schema.graphql`, import.meta.url), 'utf8'),
      ),
    })),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((error) => `  ${error.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}

/** The API schema of a supergraph: its types and fields without federation's. */
export function apiSchemaOf(supergraphSdl: string): string {
  return `${printSchema(Supergraph.build(supergraphSdl).apiSchema()).trimEnd()}\n`;
}
