import { register } from 'tsx/esm/api';

export default async function globalTeardown() {
  register();
  const { teardownTestRun } = await import('./test-run.ts');
  await teardownTestRun();
}
