// The operations dashboard: the dashboard workspace's build, served by the
// gateway at /dashboard/ so it calls the graph on its own origin.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AccessPolicy } from '@supply/service-kit/auth';
import { NotFound } from '@supply/service-kit/errors';
import type { Express } from 'express';

export const DASHBOARD_PATH = '/dashboard';

/**
 * The built dashboard's folder, found through the workspace's link in
 * node_modules; undefined where it is not built, or not there at all (an
 * image holding only the gateway).
 */
export function dashboardDir(): string | undefined {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve('@supply/dashboard/package.json');
  } catch {
    return undefined;
  }
  const dist = path.join(path.dirname(manifest), 'dist');
  return existsSync(path.join(dist, 'index.html')) ? dist : undefined;
}

/** The page itself holds no data: it asks for a key and sends it with each query. */
export function dashboardIsPublic(policy: AccessPolicy): AccessPolicy {
  return (req) => (req.path === DASHBOARD_PATH ? 'public' : policy(req));
}

/** Where the dashboard was not built, /dashboard/ says how to build it. */
export function explainMissingDashboard(app: Express): void {
  app.get(DASHBOARD_PATH, () => {
    throw new NotFound('The dashboard is not built: run `npm run build -w dashboard` (npm start builds it)');
  });
}
