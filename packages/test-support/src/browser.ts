// A real browser for the dashboard tests: Debian's chromium driven by
// playwright-core (tools that download a browser of their own cannot run
// here). Where none is installed the browser tests are skipped, and say so.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser tests can run; when not, the line that says why. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/**
 * Every console error and uncaught exception of a page, as text. A test that
 * expects some (the 401s the page shows) takes out those matching `expected`.
 */
export function consoleErrors(page: Page): { all: string[]; take(expected: RegExp): void } {
  const all: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') all.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => all.push(`uncaught: ${error.message}`));
  return {
    all,
    take(expected) {
      const kept = all.filter((line) => !expected.test(line));
      all.splice(0, all.length, ...kept);
    },
  };
}
