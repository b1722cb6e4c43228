// Jest loads its global hooks with Node itself, outside its transform: tsx
// lets this plain module load the TypeScript harness.
import { register } from 'tsx/esm/api';

export default async function globalSetup() {
  register();
  const { setupTestRun } = await import('./test-run.ts');
  await setupTestRun();
}
