// GET /docs: the four services' OpenAPI documents in a viewer whose files the
// gateway serves itself, open to anyone (as each service's /openapi.json is).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromiumMissing, consoleErrors, launchChromium } from '@supply/test-support/browser';
import { createTestDatabase, type TestDatabase } from '@supply/test-support/database';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { httpClient } from '@supply/test-support/http';
import { type StartedService, startService } from '@supply/test-support/services';
import { buildApp } from '../../subgraphs/crm-api/src/app.ts';

const KEYS = { API_KEYS: 'reader-key:reader', SERVICE_API_KEY: 'service-key' };

let db: TestDatabase;
let crm: StartedService;
let gateway: StartedGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  crm = await startService({ name: 'crm-api', databaseUrl: db.url, build: buildApp, env: KEYS });
  gateway = await startGateway({ ...KEYS, CRM_API_URL: crm.url });
});

afterAll(async () => {
  await gateway?.close();
  await crm?.close();
  await db?.drop();
});

describe('GET /docs', () => {
  it('answers a viewer page whose scripts and styles all come from the gateway', async () => {
    const res = await httpClient(gateway.url).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const sources = [...String(res.data).matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) {
      expect(source).toMatch(/^\/docs\//);
      expect((await httpClient(gateway.url).get(source)).status).toBe(200);
    }
  });

  it('lists the four services, and serves each one document as the service does', async () => {
    const script = await httpClient(gateway.url).get('/docs/viewer.js');
    const names = [...String(script.data).matchAll(/\/docs\/([a-z-]+)\/openapi\.json/g)].map((m) => m[1]);
    expect(names).toEqual(['crm', 'inventory', 'logistics', 'orders']);
    const viaGateway = await httpClient(gateway.url).get('/docs/crm/openapi.json');
    const fromService = await httpClient(crm.url).get('/openapi.json');
    expect(fromService.status).toBe(200);
    expect(fromService.data.openapi).toBe('3.1.0');
    expect(viaGateway.data).toEqual(fromService.data);
  });

  it('answers 503 for a service that is down, and 404 for one that does not exist', async () => {
    expect((await httpClient(gateway.url).get('/docs/orders/openapi.json')).status).toBe(503);
    expect((await httpClient(gateway.url).get('/docs/payments/openapi.json')).status).toBe(404);
  });
});

const missing = chromiumMissing();
if (missing) process.stderr.write(`\n${missing}\n\n`);

(missing ? describe.skip : describe)('the viewer in a browser', () => {
  it("shows crm-api's routes under the gateway's Content-Security-Policy, with no error", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors = consoleErrors(page);
      const outside: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(gateway.url)) outside.push(request.url());
      });
      await page.goto(`${gateway.url}/docs`);
      await page.locator('.opblock-summary-path', { hasText: '/customers/{id}/orders' }).waitFor();
      expect(await page.locator('.info .title').textContent()).toMatch(/^crm-api/);
      expect(errors.all).toEqual([]);
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
