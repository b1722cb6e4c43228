// The operations dashboard's build, made when it is missing or older than its
// sources: `npm start` and the browser tests call this, so a fresh clone needs
// no extra step (a build takes a few seconds). `npm run build -w dashboard`
// builds it by hand.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const DASHBOARD = path.resolve(import.meta.dirname, '..', 'dashboard');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json'];

function newestSource(): number {
  return Math.max(
    ...SOURCES.flatMap((source) => {
      const full = path.join(DASHBOARD, source);
      if (!statSync(full).isDirectory()) return [statSync(full).mtimeMs];
      return readdirSync(full, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }),
  );
}

function builtAt(): number {
  try {
    return statSync(path.join(DASHBOARD, 'dist', 'index.html')).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds the dashboard unless dist/ is newer than every source; says so when it builds. */
export function buildDashboardIfStale(log: { info(message: string): void }): void {
  if (builtAt() >= newestSource()) return;
  log.info('building the dashboard (vite build)');
  // The workspace's own vite, wherever npm placed it.
  const manifest = createRequire(path.join(DASHBOARD, 'package.json')).resolve('vite/package.json');
  const vite = path.join(path.dirname(manifest), 'bin', 'vite.js');
  // Vite builds for whatever NODE_ENV says (jest sets test): a production build, always.
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: DASHBOARD,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
