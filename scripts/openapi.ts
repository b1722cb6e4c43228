// `npm run openapi`: writes each service's OpenAPI document to docs/openapi/,
// where callers find them without a running system; a test fails while a
// checked-in document differs from the one the code generates.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenApiDocument, OpenApiVersion } from '@supply/service-kit/openapi';
import { openApiDocument as crmApi } from '../subgraphs/crm-api/src/openapi.ts';
import { openApiDocument as inventoryService } from '../subgraphs/inventory-service/src/openapi.ts';
import { openApiDocument as logisticsService } from '../subgraphs/logistics-service/src/openapi.ts';
import { openApiDocument as orderService } from '../subgraphs/order-service/src/openapi.ts';

export const OPENAPI_DIR = path.resolve(import.meta.dirname, '../docs/openapi');

export const DOCUMENTS: Record<string, (version?: OpenApiVersion) => OpenApiDocument> = {
  'crm-api': crmApi,
  'inventory-service': inventoryService,
  'logistics-service': logisticsService,
  'order-service': orderService,
};

/** A document as it is checked in: two-space JSON with a final newline. */
export function documentText(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] === import.meta.filename) {
  for (const [service, generate] of Object.entries(DOCUMENTS)) {
    const file = path.join(OPENAPI_DIR, `${service}.json`);
    writeFileSync(file, documentText(generate()));
    console.warn(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
