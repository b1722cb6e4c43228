import { register } from 'tsx/esm/api';

export default async function globalTeardown(globalConfig) {
  register();
  const { teardownTestRun } = await import('./test-run.ts');
  const { checkEveryOperationExercised } = await import('./openapi.ts');
  try {
    checkEveryOperationExercised(globalConfig);
  } finally {
    await teardownTestRun();
  }
}
