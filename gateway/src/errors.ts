// The gateway's one error formatter. Subgraph errors arrive already shaped
// by the kit (a contract code and its details); they pass through unchanged,
// minus what only the gateway's plumbing needs. Anything else is masked.
import { unwrapResolverError } from '@apollo/server/errors';
import { OPERATION_ERROR_CODES } from '@supply/service-kit/errors';
import type { Logger } from '@supply/service-kit/logger';
import type { GraphQLFormattedError } from 'graphql';

/** The codes of the contract (docs/contract.md, GraphQL). */
export const CONTRACT_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'INSUFFICIENT_STOCK',
  'SERVICE_UNAVAILABLE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

// serviceName is added by the gateway to each subgraph error; the rest would leak internals.
const INTERNAL_EXTENSIONS = new Set(['serviceName', 'stacktrace', 'exception', 'response', 'http']);

export function formatGatewayError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const { code, serviceName } = formatted.extensions ?? {};
  const location = {
    ...(formatted.locations && { locations: formatted.locations }),
    ...(formatted.path && { path: formatted.path }),
  };
  if (typeof code === 'string' && (CONTRACT_CODES.has(code) || OPERATION_ERROR_CODES.has(code))) {
    const extensions = Object.fromEntries(
      Object.entries(formatted.extensions ?? {}).filter(([key]) => !INTERNAL_EXTENSIONS.has(key)),
    );
    return { message: formatted.message, ...location, extensions };
  }
  logger.error(
    { err: unwrapResolverError(error), code, subgraph: serviceName, path: formatted.path },
    'unhandled GraphQL error',
  );
  return { message: 'Internal server error', ...location, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
