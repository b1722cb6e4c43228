// How the gateway calls one subgraph: with its own service key, the caller's
// request id, authorization and deadline passed on beside it, each fetch bounded in time, and every failure
// turned into a coded error that names the subgraph but never its address.
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { FORWARDED_AUTHORIZATION } from '@supply/service-kit/auth';
import { currentContext } from '@supply/service-kit/context';
import { DEADLINE_HEADER, HOP_MARGIN_MS, remainingMs } from '@supply/service-kit/deadline';
import type { Logger } from '@supply/service-kit/logger';
import { subgraphFetches } from '@supply/service-kit/metrics';
import { injectTraceparent } from '@supply/service-kit/telemetry';
import { GraphQLError } from 'graphql';
import { CONTRACT_CODES } from './errors.ts';
import { subgraphFetcher } from './fetcher.ts';
import type { InflightQueries } from './inflight.ts';

export interface SubgraphOptions {
  /** The subgraph's name in the supergraph, e.g. "orders". */
  name: string;
  /** Its GraphQL endpoint. */
  url: string;
  timeoutMs: number;
  logger: Logger;
  /** The gateway's own credential: a subgraph's /graphql answers only it when keys are configured. */
  serviceApiKey?: string | undefined;
  /** Shared by every subgraph's data source: when given, identical queries in flight share one fetch. */
  inflight?: InflightQueries;
}

type ProcessOptions = Parameters<NonNullable<RemoteGraphQLDataSource['willSendRequest']>>[0];

export class SubgraphDataSource extends RemoteGraphQLDataSource {
  readonly name: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly serviceApiKey: string | undefined;

  constructor({ name, url, timeoutMs, logger, serviceApiKey, inflight }: SubgraphOptions) {
    super({ url, fetcher: subgraphFetcher() });
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.logger = logger;
    this.serviceApiKey = serviceApiKey;
    // No retries, which suits mutations. The signal bounds the whole fetch, connection to last byte.
    const fetcher = this.fetcher;
    const bounded: Fetcher = (url, init) => fetcher(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    this.fetcher = timed(name, inflight ? inflight.share(bounded) : bounded);
  }

  override willSendRequest({ request }: ProcessOptions): void {
    // Inside @apollo/gateway's fetch span: the subgraph's spans become its children.
    if (request.http) injectTraceparent(request.http.headers);
    // The subgraph settles its work (an order placed or failed) while this side still waits.
    const left = Math.min(this.timeoutMs, remainingMs() ?? Number.POSITIVE_INFINITY);
    request.http?.headers.set(DEADLINE_HEADER, String(Math.max(1, Math.floor(left - HOP_MARGIN_MS))));
    const context = currentContext();
    if (!context) return;
    const headers = request.http?.headers;
    headers?.set('x-request-id', context.requestId);
    const caller = context.caller.authorization;
    if (this.serviceApiKey) {
      headers?.set('authorization', `Bearer ${this.serviceApiKey}`);
      if (caller) headers?.set(FORWARDED_AUTHORIZATION, caller);
    } else if (caller) {
      // Open mode: there is no service key to show, only the caller's own.
      headers?.set('authorization', caller);
    }
  }

  /** A non-2xx answer: the subgraph's own coded error when it sent one (401, 403, 413 …). */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = await this.parseBody(response).catch(() => undefined);
    const first = (body as { errors?: Array<{ message?: unknown; extensions?: Record<string, unknown> }> })
      ?.errors?.[0];
    const code = first?.extensions?.code;
    if (typeof code === 'string' && CONTRACT_CODES.has(code) && typeof first?.message === 'string') {
      return new GraphQLError(first.message, { extensions: first.extensions });
    }
    const answer = `answered HTTP ${response.status}`;
    const detail = JSON.stringify(body)?.slice(0, 500);
    if (response.status >= 500) {
      this.logger.error(
        { subgraph: this.name, status: response.status, body: detail },
        `the ${this.name} subgraph ${answer}`,
      );
      return this.unavailable(answer);
    }
    // Below 500 it is this gateway asking wrongly (a schema out of step): masked and logged by errors.ts.
    return new GraphQLError(`The ${this.name} subgraph ${answer}: ${detail}`);
  }

  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    this.logger.error({ subgraph: this.name, err: error }, `the ${this.name} subgraph could not be fetched`);
    throw this.unavailable(this.reason(error));
  }

  private reason(error: Error & { code?: unknown; type?: unknown }): string {
    if (error.name === 'AbortError' || error.name === 'TimeoutError' || error.type === 'aborted') {
      return `did not answer within ${this.timeoutMs} ms`;
    }
    if (error.code === 'ECONNREFUSED') return 'refused the connection';
    if (error.type === 'invalid-json' || error.message.startsWith('Expected JSON')) {
      return 'did not answer with GraphQL';
    }
    return 'could not be reached';
  }

  private unavailable(why: string): GraphQLError {
    return new GraphQLError(`The ${this.name} subgraph ${why}; its fields are missing from this answer`, {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  }
}

/** Times each fetch (a shared one once, as it is sent once) in graphql_subgraph_fetch_duration_seconds. */
function timed(subgraph: string, fetcher: Fetcher): Fetcher {
  return async (url, init) => {
    const stop = subgraphFetches.startTimer({ subgraph });
    try {
      const response = await fetcher(url, init);
      stop({ outcome: response.ok ? 'success' : 'error' });
      return response;
    } catch (error) {
      stop({ outcome: 'error' });
      throw error;
    }
  };
}
