// buildGateway(deps): the federated graph over the four subgraphs, served
// from the checked-in supergraph, with Apollo Sandbox outside production.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import type { Config } from '@supply/service-kit/config';
import { currentContext } from '@supply/service-kit/context';
import { formatGraphQLError } from '@supply/service-kit/graphql';
import { createHttpApp, finishApp, type ReadinessCheck } from '@supply/service-kit/http';
import type { Logger } from '@supply/service-kit/logger';
import axios from 'axios';
import type { Express } from 'express';
import { subgraphNames, subgraphUrls } from './subgraphs.ts';

export const SUPERGRAPH_SDL = readFileSync(new URL('../supergraph.graphql', import.meta.url), 'utf8');

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  supergraphSdl?: string;
}

export interface BuiltGateway {
  app: Express;
  close(): Promise<void>;
}

/** Passes the caller's request id and authorization on to every subgraph. */
class PropagatingDataSource extends RemoteGraphQLDataSource {
  override willSendRequest({
    request,
  }: Parameters<NonNullable<RemoteGraphQLDataSource['willSendRequest']>>[0]) {
    const context = currentContext();
    if (!context) return;
    request.http?.headers.set('x-request-id', context.requestId);
    if (context.caller.authorization)
      request.http?.headers.set('authorization', context.caller.authorization);
  }
}

export async function buildGateway({
  config,
  logger,
  supergraphSdl = SUPERGRAPH_SDL,
}: GatewayDeps): Promise<BuiltGateway> {
  const urls = subgraphUrls(config);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new PropagatingDataSource({ url: urls[name] ? `${urls[name]}/graphql` : url }),
    logger,
  });
  const sandbox = config.nodeEnv !== 'production';
  const server = new ApolloServer({
    gateway,
    introspection: sandbox,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, logger),
    plugins: [
      sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await server.start();

  const readiness: ReadinessCheck[] = subgraphNames(supergraphSdl).map((name) => ({
    name: `subgraph ${name}`,
    check: () => axios.get(`${urls[name]}/healthz`, { timeout: 1_500 }),
  }));
  const app = createHttpApp({
    config,
    logger,
    readiness,
    // Apollo Sandbox loads its scripts and frames from Apollo's CDN.
    helmet: sandbox ? { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false } : {},
  });
  const graphql = expressMiddleware(server, { context: async () => ({}) });
  app.get('/', graphql);
  app.use('/graphql', graphql);
  finishApp(app, logger);
  return { app, close: () => server.stop() };
}
