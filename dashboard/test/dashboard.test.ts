// The operations dashboard in a real browser, against the real system on the
// sample data with API keys on: what it shows is checked against the database,
// and any console error fails the test. Pages on other origins query the graph.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { migrate } from '@supply/service-kit/migrate';
import { chromiumMissing, consoleErrors, launchChromium } from '@supply/test-support/browser';
import { type StartedGateway, startGateway } from '@supply/test-support/gateway';
import { type System, startSystem } from '@supply/test-support/system';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { subgraphEnv } from '../../gateway/test/harness.ts';

const KEY = 'key-reader-dashboard';
const missing = chromiumMissing();
if (missing) process.stderr.write(`\n${missing}\n\n`);
const describeInBrowser = missing ? describe.skip : describe;
/** Chromium's line for a request answered 401, which the page then explains. */
const UNAUTHORIZED = /status of 401/;

let system: System;
let gateway: StartedGateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: ReturnType<typeof consoleErrors>;

const rows = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  (await system.db.query<R>(sql, params)).rows;

/** The dashboard, signed in with the reader key. */
async function openDashboard(): Promise<void> {
  await page.goto(`${gateway.url}/dashboard/`);
  await page.getByLabel('API key', { exact: true }).fill(KEY);
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  await page.locator('[data-testid=orders-by-status] g[data-status]').first().waitFor();
  errors.take(UNAUTHORIZED);
}

/** What the test reads of a list item (its own types know no DOM). */
type ListItem = { textContent: string | null; classList: { contains(name: string): boolean } };

const texts = (selector: string) => page.locator(selector).allTextContents();

beforeAll(async () => {
  if (missing) return;
  system = await startSystem({
    gateway: true,
    seed: (db) => migrate({ databaseUrl: db.url, logger: { info: () => {} }, sampleData: true }),
    // Sandbox off: the page runs under helmet's default Content-Security-Policy, as in production.
    env: { API_KEYS: `${KEY}:reader`, SERVICE_API_KEY: 'service-key-dashboard', GRAPHQL_SANDBOX: 'false' },
  });
  gateway = system.gateway!;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

beforeEach(async () => {
  if (missing) return;
  context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  page = await context.newPage();
  errors = consoleErrors(page);
});

afterEach(async () => {
  if (missing) return;
  await context.close();
  expect(errors.all).toEqual([]);
});

describeInBrowser(missing ?? 'the dashboard in Chromium', () => {
  it('asks for a key, says when one is refused (401), and keeps it in session storage only', async () => {
    await page.goto(`${gateway.url}/dashboard/`);
    await expect(page.getByTestId('access-message').textContent()).resolves.toContain('401');
    await page.getByLabel('API key', { exact: true }).fill('not-a-key');
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.getByTestId('access-message').waitFor();
    expect(await page.getByTestId('access-message').textContent()).toMatch(/401.*not accepted/);
    await page.getByLabel('API key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.getByTestId('orders-by-status').locator('g[data-status]').first().waitFor();
    // A string: the test's own types know no DOM.
    const stored = await page.evaluate(
      `({ session: sessionStorage.getItem('supply.apiKey'), local: localStorage.length, cookie: document.cookie })`,
    );
    expect(stored).toEqual({ session: KEY, local: 0, cookie: '' });
    errors.take(UNAUTHORIZED);
  });

  it('charts orders by status and counts the shipments to watch as the database does', async () => {
    await openDashboard();
    const bars = await page
      .locator('[data-testid=orders-by-status] g[data-status]')
      .evaluateAll((groups) =>
        groups.map((g) => [g.getAttribute('data-status'), g.getAttribute('data-count')]),
      );
    const orders = await rows<{ status: string; count: string }>(
      `SELECT upper(status) AS status, count(*)::text AS count FROM orders GROUP BY status`,
    );
    const expected = Object.fromEntries(orders.map((row) => [row.status, row.count]));
    expect(Object.fromEntries(bars.filter(([, count]) => count !== '0'))).toEqual(expected);
    const tiles = await page
      .locator('[data-testid=shipment-counts] [data-status]')
      .evaluateAll((tiles) =>
        tiles.map((t) => [t.getAttribute('data-status'), t.getAttribute('data-count')]),
      );
    const shipments = await rows<{ status: string; count: string }>(
      `SELECT s.status, count(x.id)::text AS count FROM unnest(ARRAY['IN_TRANSIT', 'EXCEPTION']) s(status)
         LEFT JOIN shipments x ON upper(x.status) = s.status GROUP BY s.status`,
    );
    expect(Object.fromEntries(tiles)).toEqual(Object.fromEntries(shipments.map((r) => [r.status, r.count])));
    if (process.env.DASHBOARD_SCREENSHOT) {
      await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });
    }
  });

  it('lists the products at or below their reorder point with their stock', async () => {
    await openDashboard();
    const shown = await page
      .locator('[data-testid=low-stock] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-sku'),
          tr.querySelector('[data-field=available]')?.textContent,
        ]),
      );
    const low = await rows<{ sku: string; available: string }>(
      `SELECT p.sku, (i.quantity_on_hand - i.quantity_reserved)::text AS available
         FROM products p JOIN inventory i ON i.product_id = p.id
        WHERE EXISTS (SELECT 1 FROM warehouse_stock s WHERE s.product_id = p.id
                        AND s.quantity_on_hand - s.quantity_reserved <= s.reorder_point)
        ORDER BY p.id LIMIT 8`,
    );
    expect(low.length).toBeGreaterThan(0);
    expect(shown).toEqual(low.map((row) => [row.sku, row.available]));
    // Each warehouse's available stock against its reorder point, the low ones marked.
    const byWarehouse = await page
      .locator('[data-testid=low-stock] tbody tr')
      .evaluateAll((trs) =>
        trs.flatMap((tr) =>
          Array.from(tr.querySelectorAll('[data-field=by-warehouse] li') as ArrayLike<ListItem>).map(
            (li) =>
              `${tr.getAttribute('data-sku')} ${li.textContent}${li.classList.contains('low') ? ' low' : ''}`,
          ),
        ),
      );
    const levels = await rows<{ entry: string }>(
      `SELECT p.sku || ' ' || w.code || ' ' || (s.quantity_on_hand - s.quantity_reserved) || '/' || s.reorder_point
              || CASE WHEN s.quantity_on_hand - s.quantity_reserved <= s.reorder_point THEN ' low' ELSE '' END AS entry
         FROM warehouse_stock s JOIN products p ON p.id = s.product_id JOIN warehouses w ON w.id = s.warehouse_id
        WHERE p.sku = ANY($1) ORDER BY p.id, w.id`,
      [low.map((row) => row.sku)],
    );
    expect(levels.some((level) => level.entry.endsWith(' low'))).toBe(true);
    expect(byWarehouse).toEqual(levels.map((level) => level.entry));
  });

  it('lists the shipments in exception and the failed orders with their reasons', async () => {
    await openDashboard();
    const held = await rows<{ order_id: number }>(
      `SELECT order_id FROM shipments WHERE status = 'exception' ORDER BY id`,
    );
    expect(await texts('[data-testid=shipments-EXCEPTION] .row-main')).toEqual(
      held.map((row) => `Order #${row.order_id}`),
    );
    const failed = await rows<{ id: number; failure_reason: string }>(
      `SELECT id, failure_reason FROM orders WHERE status = 'failed' ORDER BY id LIMIT 6`,
    );
    expect(await texts('[data-testid=failed-orders] [data-field=reason]')).toEqual(
      failed.map((row) => row.failure_reason),
    );
  });

  it("opens an order with its items, shipment and history from a shipment's link", async () => {
    await openDashboard();
    const [shipment] = await rows<{ order_id: number; tracking_number: string }>(
      `SELECT order_id, tracking_number FROM shipments WHERE status = 'exception' ORDER BY id LIMIT 1`,
    );
    await page.locator('[data-testid=shipments-EXCEPTION] .row-main').first().click();
    const drawer = page.getByTestId('order-drawer');
    await drawer.getByTestId('order-items').waitFor();
    expect(page.url()).toMatch(new RegExp(`#order-${shipment!.order_id}$`));
    const items = await drawer
      .locator('[data-testid=order-items] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-sku'),
          tr.querySelector('[data-field=quantity]')?.textContent,
        ]),
      );
    const lines = await rows<{ sku: string; quantity: string }>(
      `SELECT p.sku, oi.quantity::text AS quantity FROM order_items oi JOIN products p ON p.id = oi.product_id
        WHERE oi.order_id = $1`,
      [shipment!.order_id],
    );
    expect(items.sort()).toEqual(lines.map((line) => [line.sku, line.quantity]).sort());
    expect(await drawer.getByTestId('order-shipment').textContent()).toContain(shipment!.tracking_number);
    const history = await rows<{ to_status: string }>(
      `SELECT upper(to_status) AS to_status FROM order_status_history WHERE order_id = $1 ORDER BY changed_at, id`,
      [shipment!.order_id],
    );
    const shown = await drawer
      .locator('[data-testid=order-history] li')
      .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-to')));
    expect(shown).toEqual(history.map((row) => row.to_status));
  });

  it('pages through the failed orders', async () => {
    await system.db.query(
      `INSERT INTO orders (customer_id, status, total_cents, currency, shipping_line1, shipping_city,
           shipping_postal_code, shipping_country, failure_reason)
         SELECT 1, 'failed', 1000, 'USD', '1 Test Road', 'London', 'E1 1AA', 'GB', 'Test failure ' || n
           FROM generate_series(1, 9) n`,
    );
    await openDashboard();
    const panel = page.getByTestId('failed-orders');
    await panel.getByRole('button', { name: 'Next →' }).click();
    await panel.getByText('Page 2').waitFor();
    const second = await rows<{ id: number }>(
      `SELECT id FROM orders WHERE status = 'failed' ORDER BY id OFFSET 6 LIMIT 6`,
    );
    await expect(texts('[data-testid=failed-orders] .row-main')).resolves.toEqual(
      second.map((row) => `Order #${row.id}`),
    );
    await panel.getByRole('button', { name: '← Previous' }).click();
    await panel.getByText('Page 1').waitFor();
  });
});

describeInBrowser(missing ?? 'the dashboard when the services do not answer', () => {
  it('says in each panel what failed and what to do, and retries on request', async () => {
    // No subgraph started: the gateway answers, every service behind it is unreachable.
    const alone = await startGateway({ GRAPHQL_SANDBOX: 'false' });
    try {
      await page.goto(`${alone.url}/dashboard/`);
      const alerts = page.locator('.state-error');
      await alerts.first().waitFor();
      await expect(
        page.getByTestId('orders-by-status').locator('.state-error').textContent(),
      ).resolves.toMatch(
        /Could not load order counts: [\s\S]*refused the connection[\s\S]*npm start[\s\S]*retry/,
      );
      // The six panels ask on their own: wait for the last to fail before counting.
      await alerts.nth(5).waitFor();
      expect(await alerts.count()).toBe(6);
      await page.getByTestId('low-stock').getByRole('button', { name: 'Retry' }).click();
      await page.getByTestId('low-stock').locator('.state-error').waitFor();
    } finally {
      await alone.close();
    }
  });
});

/** A page served on its own origin, from which the test queries the graph. */
async function servePage(host: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://${host}:${(server.address() as AddressInfo).port}`, server };
}

/** What a page's fetch to the graph gets: the status and body, or the error a browser raises. */
function queryFromPage(graphUrl: string, key?: string) {
  return page.evaluate(
    async ({ url, key }) => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
          body: JSON.stringify({ query: '{ product(id: 1) { sku } }' }),
        });
        return { status: res.status, body: await res.json() };
      } catch (error) {
        return { failed: String(error) };
      }
    },
    { url: graphUrl, key },
  );
}

describeInBrowser(missing ?? 'a page on another origin', () => {
  it('queries the graph with a key, and reads the 401 without one', async () => {
    const { origin, server } = await servePage('localhost');
    try {
      await page.goto(`${origin}/`);
      const withKey = await queryFromPage(`${gateway.url}/graphql`, KEY);
      expect(withKey).toEqual({ status: 200, body: { data: { product: { sku: 'WID-0001' } } } });
      const withoutKey = await queryFromPage(`${gateway.url}/graphql`);
      expect(withoutKey).toMatchObject({
        status: 401,
        body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
      });
      errors.take(UNAUTHORIZED);
    } finally {
      server.close();
    }
  });

  it('is refused by a gateway whose CORS_ORIGINS does not list it', async () => {
    const { origin, server } = await servePage('127.0.0.1');
    const strict = await startGateway({
      ...subgraphEnv(system),
      API_KEYS: `${KEY}:reader`,
      SERVICE_API_KEY: 'service-key-dashboard',
      CORS_ORIGINS: 'https://ops.example.com',
    });
    try {
      await page.goto(`${origin}/`);
      expect(await queryFromPage(`${strict.url}/graphql`, KEY)).toEqual({
        failed: 'TypeError: Failed to fetch',
      });
      errors.take(/blocked by CORS policy|net::ERR_FAILED/);
    } finally {
      await strict.close();
      server.close();
    }
  });
});
