// OpenAPI 3.1 documents generated from the zod schemas the routes validate
// with: a service lists its routes once (its openapi.ts, beside routes.ts), and
// /openapi.json, docs/openapi/ and the contract tests all read that list.
import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV3,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { idempotencyKeySchema } from './idempotency.ts';
import { defaultPortOf, type ServiceName } from './processes.ts';
import { idSchema } from './validation.ts';

// The registry names schemas with .openapi(); schemas made before this carry their metadata with .meta().
extendZodWithOpenApi(z);

export type OpenApiDocument =
  | ReturnType<OpenApiGeneratorV31['generateDocument']>
  | ReturnType<OpenApiGeneratorV3['generateDocument']>;

/**
 * 3.1 is what callers get; 3.0 is the same routes for tools that read no
 * newer (openapi-diff, which schema:check compares releases with).
 */
export type OpenApiVersion = '3.1' | '3.0';

/** An RFC 9457 problem, as every error of every route is answered. */
export const problemSchema = z
  .object({
    type: z.string().describe('A URN naming the kind of problem'),
    title: z.string(),
    status: z.int(),
    detail: z.string().describe('What went wrong, for a person to read'),
    code: z.string().describe('The error code, the same as GraphQL extensions.code'),
    instance: z.string().optional().describe('The path that was asked for'),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('One entry per bad field of the request'),
  })
  .catchall(z.unknown());

/** An id in a path: the route parses it with idSchema, which also takes a JSON number. */
export function idParams<K extends string>(name: K) {
  const id = idSchema.meta({ type: 'integer', minimum: 1, maximum: 2_147_483_647, anyOf: undefined });
  return z.object({ [name]: id } as Record<K, typeof id>);
}

/** A page of a REST list: `nextCursor` asks for the next one, null on the last. */
export function pageOf<S extends z.ZodType>(item: S) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A timestamp as JSON carries it. */
export const timestamp = z.iso.datetime({ offset: true });

/** The `Idempotency-Key` request header of a route that replays its first answer to a retry. */
export const idempotencyHeaders = z.object({
  'Idempotency-Key': idempotencyKeySchema.optional().meta({
    description:
      'A retry with the same key is answered as the first try was; the same key with another body is a 422. ' +
      "Keys are the caller's own and last 24 hours.",
  }),
});

/** Who may call a route: anyone, a caller whose API key has this role, or the services alone (see docs/api.md). */
export type RouteAccess = 'public' | 'reader' | 'writer' | 'admin' | 'service';

export interface DocumentedRoute extends Omit<RouteConfig, 'responses' | 'security'> {
  access: RouteAccess;
  responses: RouteConfig['responses'];
}

export interface ServiceDocs {
  route(route: DocumentedRoute): void;
  /** Names a schema under components/schemas, so clients generate one type for it. */
  schema<S extends z.ZodType>(name: string, schema: S): S;
  document(version?: OpenApiVersion): OpenApiDocument;
}

/** The JSON content of a request body or an answer. */
export function json(schema: z.ZodType, description = 'JSON') {
  return { description, content: { 'application/json': { schema } } };
}

/** A service's OpenAPI document; its title is the service's name, which gives its local URL. */
export function serviceDocs(info: { title: ServiceName; description: string }): ServiceDocs {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key: Authorization: Bearer <key>. Its role (reader, writer, admin) decides what it may do.',
  });
  const problemResponse = {
    description: 'The request was refused or failed: an RFC 9457 problem',
    content: { 'application/problem+json': { schema: registry.register('Problem', problemSchema) } },
  };
  return {
    route({ access, responses, ...route }) {
      registry.registerPath({
        ...route,
        description: [route.description, accessNote(access)].filter(Boolean).join('\n\n'),
        security: access === 'public' ? [] : [{ apiKey: [] }],
        responses: { ...responses, default: problemResponse },
      });
    },
    schema: (name, schema) => registry.register(name, schema),
    document: (version = '3.1') => {
      const config = {
        info: { title: info.title, version: '1.0.0', description: info.description },
        servers: [
          { url: `http://localhost:${defaultPortOf(info.title)}`, description: 'A local run (npm start)' },
        ],
        security: [{ apiKey: [] }],
      };
      return version === '3.1'
        ? new OpenApiGeneratorV31(registry.definitions).generateDocument({ openapi: '3.1.0', ...config })
        : new OpenApiGeneratorV3(registry.definitions).generateDocument({ openapi: '3.0.3', ...config });
    },
  };
}

function accessNote(access: RouteAccess): string {
  if (access === 'public') return 'Open to anyone.';
  if (access === 'service') return "Only for the services' own key (SERVICE_API_KEY), never a caller's.";
  return `Needs an API key with the ${access} role or above.`;
}
