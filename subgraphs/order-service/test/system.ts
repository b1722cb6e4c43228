// What the order-service tests share: the whole system running in-process
// over a fresh database holding the test catalogue.
import { seed } from '@supply/test-support/catalogue';
import {
  type System,
  type SystemOptions,
  startSystem as startWholeSystem,
} from '@supply/test-support/system';

export type { System };

/** The whole system over a fresh database holding the test catalogue. */
export function startSystem(options: SystemOptions = {}): Promise<System> {
  return startWholeSystem({ seed, ...options });
}

/** What failure tests bound calls with, so they finish quickly: three tries of 400 ms. */
export const TIMEOUT_MS = 400;
