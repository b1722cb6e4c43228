// npm run compose-supergraph: rewrites gateway/supergraph.graphql from the
// subgraphs' schemas. With --check it only says whether the file is current.
import { readFile, writeFile } from 'node:fs/promises';
import { composeSupergraph, SUPERGRAPH_FILE } from './supergraph.ts';

const supergraph = await composeSupergraph();
const current = await readFile(SUPERGRAPH_FILE, 'utf8').catch(() => '');
if (process.argv.includes('--check')) {
  if (current !== supergraph) {
    console.error('gateway/supergraph.graphql is out of date: run npm run compose-supergraph');
    process.exit(1);
  }
} else if (current !== supergraph) {
  await writeFile(SUPERGRAPH_FILE, supergraph);
  console.warn('gateway/supergraph.graphql updated');
}
