// GET /docs: a readable viewer (Swagger UI) of the four services' OpenAPI
// documents. Swagger UI's files come from its npm package, served from here
// (no CDN); each document is fetched from its service when the page asks.
// Swagger UI rather than Scalar: Scalar's current packages need Node 22, and
// swagger-ui-dist is a static build with no Node engine of its own.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccessPolicy } from '@supply/service-kit/auth';
import { NotFound, Unavailable } from '@supply/service-kit/errors';
import axios from 'axios';
import express, { type Express } from 'express';

export const DOCS_PATH = '/docs';
const DOCUMENT_TIMEOUT_MS = 5_000;

/** The viewer and the documents are public, as each service's /openapi.json is. */
export function docsArePublic(policy: AccessPolicy): AccessPolicy {
  return (req) => (req.path === DOCS_PATH || req.path.startsWith(`${DOCS_PATH}/`) ? 'public' : policy(req));
}

/** Swagger UI's files: a copy beside the bundle in an image (scripts/build.ts), the package in the sources. */
function swaggerUiDir(): string {
  const copy = fileURLToPath(new URL('../swagger-ui', import.meta.url));
  if (existsSync(copy)) return copy;
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>API documents</title>
  <link rel="stylesheet" href="${DOCS_PATH}/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/assets/favicon-32x32.png">
</head>
<body>
  <div id="viewer"></div>
  <script src="${DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/assets/swagger-ui-standalone-preset.js"></script>
  <script src="${DOCS_PATH}/viewer.js"></script>
</body>
</html>
`;

/** The page's own script, a file rather than inline so the Content-Security-Policy holds. */
function viewerScript(names: string[]): string {
  const urls = names.map((name) => ({ name, url: `${DOCS_PATH}/${name}/openapi.json` }));
  return `window.ui = SwaggerUIBundle({
  urls: ${JSON.stringify(urls)},
  dom_id: '#viewer',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;
}

/** Mounts /docs, /docs/assets/* and /docs/<subgraph>/openapi.json. */
export function mountApiDocs(app: Express, urls: Record<string, string>, names: string[]): void {
  app.use(`${DOCS_PATH}/assets`, express.static(swaggerUiDir(), { index: false, maxAge: '1d' }));
  app.get(DOCS_PATH, (_req, res) => {
    res.type('html').send(page);
  });
  app.get(`${DOCS_PATH}/viewer.js`, (_req, res) => {
    res.type('js').send(viewerScript(names));
  });
  app.get(`${DOCS_PATH}/:name/openapi.json`, async (req, res) => {
    const name = req.params.name;
    const base = names.includes(name) ? urls[name] : undefined;
    if (!base) throw new NotFound(`No service named ${name}: one of ${names.join(', ')}`);
    try {
      const { data } = await axios.get(`${base}/openapi.json`, { timeout: DOCUMENT_TIMEOUT_MS });
      res.json(data);
    } catch {
      throw new Unavailable(`The ${name} service did not answer with its document`);
    }
  });
}
