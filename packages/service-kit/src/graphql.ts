// Serves a service's federation subgraph at /graphql, and maps errors to
// `extensions.code` in the one place GraphQL errors are shaped.
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import type { Express, Request, RequestHandler } from 'express';
import {
  GraphQLError,
  type GraphQLFormattedError,
  GraphQLScalarType,
  Kind,
  parse,
  type ValidationRule,
} from 'graphql';
import { ZodError } from 'zod';
import { currentContext } from './context.ts';
import { DomainError, OPERATION_ERROR_CODES } from './errors.ts';
import { armorProtection, entitiesLimitPlugin, parseLimits, SUBGRAPH_LIMITS } from './limits.ts';
import type { Logger } from './logger.ts';
import { nameActiveSpan, spanForRequest, tracing } from './telemetry.ts';
import { invalidFromZod } from './validation.ts';

export interface SubgraphOptions<TContext extends BaseContext> {
  typeDefs: string;
  // biome-ignore lint/suspicious/noExplicitAny: resolver maps are typed per service
  resolvers: GraphQLResolverMap<any>;
  logger: Logger;
  /** Builds the per-request context (fresh DataLoaders live here). */
  context: (req: Request) => Promise<TContext>;
  introspection: boolean;
  plugins?: ApolloServerPlugin<TContext>[];
  /** Database statements one request may send (default SUBGRAPH_LIMITS.statements). */
  statementBudget?: number;
}

/** Starts the subgraph and mounts it at POST /graphql; returns the server for shutdown. */
export async function mountSubgraph<TContext extends BaseContext>(
  app: Express,
  options: SubgraphOptions<TContext>,
): Promise<ApolloServer<TContext>> {
  // Only the gateway reaches /graphql (auth.ts); these limits hold whoever holds its key.
  const armor = armorProtection(SUBGRAPH_LIMITS, { suggestions: options.introspection });
  const server = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs: parse(options.typeDefs), resolvers: options.resolvers }]),
    introspection: options.introspection,
    allowBatchedHttpRequests: false,
    parseOptions: parseLimits(SUBGRAPH_LIMITS),
    validationRules: [...armor.validationRules, ...(options.introspection ? [] : [noServiceSdl])],
    includeStacktraceInErrorResponses: false,
    // The process stops on SIGTERM itself (service-kit onShutdown), draining requests first.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, options.logger),
    // Inline traces are for Apollo's hosted reporting, which this system does not use. Cache
    // hints neither (no @cacheControl anywhere): the plugin wrapped every field's resolver to
    // collect them, 3-4 % of a subgraph's CPU; answers say no-store as they did (noStore below).
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ...(armor.plugins as ApolloServerPlugin<TContext>[]),
      entitiesLimitPlugin(SUBGRAPH_LIMITS.representations),
      mutationsUnbudgeted,
      ...(tracing() ? [operationSpanName] : []),
      ...(options.plugins ?? []),
    ],
  });
  await server.start();
  const budget = statementBudget(options.statementBudget ?? SUBGRAPH_LIMITS.statements);
  const graphql = expressMiddleware(server, { context: ({ req }) => options.context(req) });
  if (tracing()) app.use('/graphql', spanForRequest('graphql'), budget, noStore, graphql);
  else app.use('/graphql', budget, noStore, graphql);
  return server;
}

/** A subgraph's answers are one caller's data at one moment: never stored by anyone on the way. */
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('cache-control', 'no-store');
  next();
};

/** Gives each GraphQL request its budget of database statements (database.ts counts them). */
function statementBudget(statements: number): RequestHandler {
  return (_req, _res, next) => {
    const context = currentContext();
    if (context) context.statementsLeft = statements;
    next();
  };
}

/**
 * The budget stops reads that fan out; a mutation's statements are the work it
 * was asked for (placing an order waits on its key), so it has none. Depth,
 * cost and alias limits still hold for its selection.
 */
const mutationsUnbudgeted: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        const context = currentContext();
        if (operation?.operation === 'mutation' && context) delete context.statementsLeft;
      },
    };
  },
};

/** Federation's `_service { sdl }` is introspection by another name: off where introspection is. */
const noServiceSdl: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service') {
      context.reportError(new GraphQLError('_service is not served: introspection is off', { nodes: node }));
    }
  },
});

/** Names the GraphQL span by its operation once known: "query Dashboard". */
const operationSpanName: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operationName, operation }) {
        const type = operation?.operation ?? 'query';
        nameActiveSpan(`${type} ${operationName ?? 'anonymous'}`, {
          'graphql.operation.type': type,
          'graphql.operation.name': operationName ?? '',
        });
      },
    };
  },
};

export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const known =
    original instanceof DomainError
      ? original
      : original instanceof ZodError
        ? invalidFromZod(original)
        : null;
  const location = {
    ...(formatted.path && { path: formatted.path }),
    ...(formatted.locations && { locations: formatted.locations }),
  };
  if (known) {
    return { message: known.message, ...location, extensions: { code: known.code, ...known.details } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && OPERATION_ERROR_CODES.has(code)) {
    return { message: formatted.message, ...location, extensions: { code } };
  }
  logger.error({ err: original }, 'unhandled GraphQL error');
  return { message: 'Internal server error', ...location, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** ISO 8601 instants, the same `DateTime` in every subgraph. */
export const dateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in ISO 8601 form, e.g. 2026-11-25T09:30:00.000Z.',
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO 8601 string');
  return date;
}
