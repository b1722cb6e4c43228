// Composes the subgraphs' SDL files into gateway/supergraph.graphql, the only
// thing the gateway (or Apollo Router) knows about the subgraphs.
import { readFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';

export const SUPERGRAPH_FILE = new URL('../gateway/supergraph.graphql', import.meta.url);
/** The public graph: the supergraph's API schema, what callers of the gateway see. */
export const API_SCHEMA_FILE = new URL('../docs/schema.graphql', import.meta.url);

/** Each subgraph: its name in the supergraph, its folder, and its default URL. */
export const SUBGRAPHS = [
  { name: 'crm', folder: 'crm-api', url: 'http://localhost:3000/graphql' },
  { name: 'inventory', folder: 'inventory-service', url: 'http://localhost:4000/graphql' },
  { name: 'logistics', folder: 'logistics-service', url: 'http://localhost:5000/graphql' },
  { name: 'orders', folder: 'order-service', url: 'http://localhost:6000/graphql' },
] as const;

export async function composeSupergraph(): Promise<string> {
  const services = await Promise.all(
    SUBGRAPHS.map(async ({ name, folder, url }) => ({
      name,
      url,
      typeDefs: parse(
        await readFile(new URL(`../subgraphs/${folder}/src/schema.graphql`, import.meta.url), 'utf8'),
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
