// buildGateway(deps): the federated graph over the four subgraphs, served
// from the checked-in supergraph, with its limits at the door and Apollo
// Sandbox where config.graphqlSandbox allows it.
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import { type AccessPolicy, defaultPolicy } from '@supply/service-kit/auth';
import type { Config } from '@supply/service-kit/config';
import { createHttpApp, finishApp } from '@supply/service-kit/http';
import { armorProtection, parseLimits } from '@supply/service-kit/limits';
import type { Logger } from '@supply/service-kit/logger';
import { graphqlOperations } from '@supply/service-kit/metrics';
import type { RateLimitStore } from '@supply/service-kit/rate-limit';
import type { ReadinessCheck } from '@supply/service-kit/readiness';
import axios from 'axios';
import type { Express } from 'express';
import Negotiator from 'negotiator';
import { docsArePublic, mountApiDocs } from './api-docs.ts';
import { costLimitPlugin } from './cost.ts';
import { DASHBOARD_PATH, dashboardDir, dashboardIsPublic, explainMissingDashboard } from './dashboard.ts';
import { SubgraphDataSource } from './data-source.ts';
import { formatGatewayError } from './errors.ts';
import { InflightQueries } from './inflight.ts';
import { costRule, LIMITS } from './limits.ts';
import { subgraphNames, subgraphUrls } from './subgraphs.ts';

const gatewayPolicy: AccessPolicy = (req) =>
  req.path === '/graphql' || req.path === '/' ? 'reader' : defaultPolicy(req);

// What Apollo Server may answer a GET with; it serves the landing page, and runs
// no operation, exactly when a browser prefers text/html to all of these.
// (@apollo/server's MEDIA_TYPES, which it does not export.)
const ANSWERS = [
  'application/json; charset=utf-8',
  'application/graphql-response+json; charset=utf-8',
  'multipart/mixed; deferSpec=20220824',
  'multipart/mixed; incrementalSpec=v0.2',
  'multipart/mixed',
  'text/html',
];

/**
 * The Sandbox page itself is static HTML: a browser may load it without a key,
 * and Sandbox then sends the key the user enters with every operation. The
 * test is Apollo's own (ApolloServer.prefersHTML), not a reading of `?query=`.
 */
const sandboxPageIsPublic: AccessPolicy = (req) =>
  req.method === 'GET' &&
  (req.path === '/' || req.path === '/graphql') &&
  req.get('accept') &&
  new Negotiator({ headers: { accept: req.get('accept') } }).mediaType(ANSWERS) === 'text/html'
    ? 'public'
    : gatewayPolicy(req);

export const SUPERGRAPH_SDL = readFileSync(new URL('../supergraph.graphql', import.meta.url), 'utf8');

/** Counts each operation answered by name (or "anonymous") and outcome. */
const operationMetrics: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ operationName, response }) {
        const body = response.body;
        const failed = body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0;
        graphqlOperations.inc({
          operation: operationName ?? 'anonymous',
          outcome: failed ? 'error' : 'success',
        });
      },
    };
  },
};

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  supergraphSdl?: string;
  /** The built dashboard served at /dashboard/; default: the dashboard workspace's dist/. */
  dashboard?: string;
  /** Where requests per API key are counted, shared with the other replicas. */
  rateLimitStore?: RateLimitStore | undefined;
}

export interface BuiltGateway {
  app: Express;
  close(): Promise<void>;
}

export async function buildGateway({
  config,
  logger,
  supergraphSdl = SUPERGRAPH_SDL,
  dashboard = dashboardDir(),
  rateLimitStore,
}: GatewayDeps): Promise<BuiltGateway> {
  const urls = subgraphUrls(config);
  const inflight = config.subgraphDeduplication ? new InflightQueries() : undefined;
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: urls[name] ? `${urls[name]}/graphql` : (url ?? ''),
        timeoutMs: config.subgraphTimeoutMs,
        serviceApiKey: config.serviceApiKey,
        logger,
        inflight,
      }),
    logger,
  });
  const sandbox = config.graphqlSandbox;
  const armor = armorProtection(LIMITS, { suggestions: sandbox });
  const server = new ApolloServer({
    gateway,
    introspection: sandbox,
    includeStacktraceInErrorResponses: false,
    // The process stops on SIGTERM itself (service-kit onShutdown), draining requests first.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    parseOptions: parseLimits(LIMITS),
    validationRules: armor.validationRules,
    formatError: (formatted, error) => formatGatewayError(formatted, error, logger),
    plugins: [
      operationMetrics,
      ...armor.plugins,
      costLimitPlugin(costRule()),
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
    access: docsArePublic(dashboardIsPublic(sandbox ? sandboxPageIsPublic : gatewayPolicy)),
    ...(dashboard && { publicFiles: { path: DASHBOARD_PATH, dir: dashboard } }),
    rateLimitStore,
  });
  if (!dashboard) {
    logger.warn('the dashboard is not built: /dashboard/ answers 404 until `npm run build -w dashboard`');
    explainMissingDashboard(app);
  }
  mountApiDocs(app, urls, subgraphNames(supergraphSdl));
  const graphql = expressMiddleware(server, { context: async () => ({}) });
  app.get('/', graphql);
  app.use('/graphql', graphql);
  finishApp(app, logger);
  return { app, close: () => server.stop() };
}
