// Contract checks: every answer a test receives from a service is validated
// against that service's checked-in OpenAPI document (docs/openapi/), and the
// operation it answered is noted, so a whole run can tell which documented
// operations no test exercised.
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVICES } from '@supply/service-kit/processes';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { AxiosResponse } from 'axios';

const OPENAPI_DIR = path.resolve(import.meta.dirname, '../../../docs/openapi');

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: object;
}

/** Each running service's base URL, and the name of its document. */
const services = new Map<string, string>();
const documents = new Map<string, Document>();
const validators = new Map<string, ValidateFunction>();
// OpenAPI's own keywords (example, discriminator...) are not JSON Schema's: ignored, not refused.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

/** Answers from `url` are checked against docs/openapi/<service>.json from now on. */
export function documentService(url: string, service: string): void {
  services.set(url, service);
}

function documentOf(service: string): Document {
  let document = documents.get(service);
  if (!document) {
    document = JSON.parse(readFileSync(path.join(OPENAPI_DIR, `${service}.json`), 'utf8')) as Document;
    documents.set(service, document);
  }
  return document;
}

/** The documented path a request path falls under, as Express matches it: any case, trailing slash. */
export function templateOf(document: Document, requestPath: string): string | undefined {
  const canonical = requestPath.toLowerCase().replace(/(.)\/+$/, '$1');
  return Object.keys(document.paths).find((template) => {
    const pattern = template.toLowerCase().replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(canonical);
  });
}

/** Where this run's workers note the operations they saw answered. */
export function hitsFile(): string {
  return path.join(tmpdir(), `${process.env.TEST_DB_PREFIX ?? 'crm_supply_test'}-openapi-hits.txt`);
}

/** Throws, naming what differs, when an answer is not what its document says. */
export function validateAnswer(response: AxiosResponse): void {
  const { config } = response;
  const base = config.baseURL ?? '';
  const service = services.get(base);
  const method = (config.method ?? 'get').toLowerCase();
  if (!service || method === 'head' || method === 'options') return;
  const document = documentOf(service);
  const url = new URL(config.url ?? '', 'http://x');
  const template = templateOf(document, url.pathname);
  const operation = template ? document.paths[template]?.[method] : undefined;
  if (!template || !operation) return;
  appendFileSync(hitsFile(), `${service} ${method.toUpperCase()} ${template}\n`);
  const status = String(response.status);
  const documented = operation.responses[status] ?? operation.responses.default;
  const where = `${service}: ${method.toUpperCase()} ${url.pathname} answered ${status}`;
  if (!documented) throw new Error(`${where}, a status its document does not list`);
  const type = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
  if (!documented.content) {
    if (response.data !== '' && response.data !== undefined) throw new Error(`${where} with a body`);
    return;
  }
  const media = documented.content[type];
  if (!media) throw new Error(`${where} as ${type || 'no content type'}, not as documented`);
  const key = `${service} ${method} ${template} ${status} ${type}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({ ...media.schema, components: document.components });
    validators.set(key, validate);
  }
  // A test that reads the answer as text (to compare bytes) still gets it checked.
  const body = typeof response.data === 'string' ? JSON.parse(response.data) : response.data;
  if (!validate(body)) {
    throw new Error(`${where}, not as documented: ${ajv.errorsText(validate.errors)}`);
  }
}

/** Every documented operation of every service, as `service METHOD /path`. */
export function documentedOperations(): string[] {
  return SERVICES.map((service) => service.name).flatMap((service) =>
    Object.entries(documentOf(service).paths).flatMap(([template, item]) =>
      Object.keys(item).map((method) => `${service} ${method.toUpperCase()} ${template}`),
    ),
  );
}

/** What of jest's global config tells whether a run was the whole suite. */
export interface RunScope {
  testPathPatterns?: { patterns?: string[] } | string[];
  testNamePattern?: string | undefined;
  onlyChanged?: boolean;
  findRelatedTests?: boolean;
}

function wholeSuite(scope: RunScope): boolean {
  const patterns = Array.isArray(scope.testPathPatterns)
    ? scope.testPathPatterns
    : (scope.testPathPatterns?.patterns ?? []);
  return patterns.length === 0 && !scope.testNamePattern && !scope.onlyChanged && !scope.findRelatedTests;
}

/**
 * After a whole run: throws naming each documented operation no test
 * exercised (a run of some files exercises some operations, and is not judged).
 */
export function checkEveryOperationExercised(scope: RunScope): void {
  const file = hitsFile();
  const hits = new Set(existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []);
  rmSync(file, { force: true });
  if (!wholeSuite(scope)) return;
  const missing = documentedOperations().filter((operation) => !hits.has(operation));
  if (missing.length > 0) {
    throw new Error(`Documented operations no test exercised:\n  ${missing.join('\n  ')}`);
  }
}
