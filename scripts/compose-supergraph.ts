// npm run compose-supergraph: rewrites gateway/supergraph.graphql from the
// subgraphs' schemas, and docs/schema.graphql, the public graph it serves.
// With --check it only says whether the files are current.
import { readFile, writeFile } from 'node:fs/promises';
import { API_SCHEMA_FILE, apiSchemaOf, composeSupergraph, SUPERGRAPH_FILE } from './supergraph.ts';

const supergraph = await composeSupergraph();
const outputs = [
  { file: SUPERGRAPH_FILE, text: supergraph },
  { file: API_SCHEMA_FILE, text: apiSchemaOf(supergraph) },
];
for (const { file, text } of outputs) {
  const name = file.pathname.split('/').slice(-2).join('/');
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current === text) continue;
  if (process.argv.includes('--check')) {
    console.error(`${name} is out of date: run npm run compose-supergraph`);
    process.exitCode = 1;
  } else {
    await writeFile(file, text);
    console.warn(`${name} updated`);
  }
}
