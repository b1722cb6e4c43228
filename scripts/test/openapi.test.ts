// docs/openapi/ holds each service's document as the code generates it: a
// change to a route's schemas fails here until `npm run openapi` is run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DOCUMENTS, documentText, OPENAPI_DIR } from '../openapi.ts';

describe('docs/openapi/', () => {
  it.each(Object.entries(DOCUMENTS))(
    'holds the document %s generates (`npm run openapi` writes it)',
    (service, generate) => {
      const checkedIn = readFileSync(path.join(OPENAPI_DIR, `${service}.json`), 'utf8');
      expect(checkedIn).toBe(documentText(generate()));
    },
  );
});
