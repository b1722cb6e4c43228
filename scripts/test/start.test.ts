// `npm start` as a newcomer runs it: the whole system on an embedded database
// with sample data, the README's examples, and Ctrl-C leaving nothing behind.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { graphql, httpClient } from '@supply/test-support/http';
import { freePort, waitFor } from '@supply/test-support/network';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'crm-supply-start-'));
const ports = { postgres: 0, crm: 0, inventory: 0, logistics: 0, orders: 0, gateway: 0 };
let output = '';
let runner: ChildProcess;
/** The last line `npm start` prints once ready: the URLs before it have all arrived. */
const READY = 'Ctrl-C stops everything.';
let exited: Promise<number | null>;

/** Starts `npm start`'s script in its own process group, as a terminal would. */
function startRunner(): void {
  runner = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', 'scripts/start.ts'], {
    cwd: ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      EMBEDDED_PG_DATA: path.join(dataDir, 'postgres'),
      EMBEDDED_PG_PORT: String(ports.postgres),
      CRM_API_URL: `http://localhost:${ports.crm}`,
      INVENTORY_SERVICE_URL: `http://localhost:${ports.inventory}`,
      LOGISTICS_SERVICE_URL: `http://localhost:${ports.logistics}`,
      ORDER_SERVICE_URL: `http://localhost:${ports.orders}`,
      GATEWAY_PORT: String(ports.gateway),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runner.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  runner.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  exited = new Promise((resolve) => runner.once('exit', (code) => resolve(code)));
}

/** Processes whose command line mentions the run's data folder or this checkout's entry points. */
function leftovers(): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return lines.filter(
    (line) => line.includes(dataDir) || (line.includes(ROOT) && line.includes('/src/main.ts')),
  );
}

async function refused(port: number): Promise<boolean> {
  return httpClient(`http://127.0.0.1:${port}`, {})
    .get('/healthz', { timeout: 1_000 })
    .then(
      () => false,
      () => true,
    );
}

beforeAll(async () => {
  for (const name of Object.keys(ports) as Array<keyof typeof ports>) ports[name] = await freePort();
  startRunner();
  await waitFor(
    async () => output.includes(READY) || (runner.exitCode !== null && 'exited'),
    'npm start',
    120_000,
  );
  if (!output.includes(READY)) throw new Error(`npm start failed:\n${output}`);
}, 150_000);

afterAll(() => {
  if (runner.exitCode === null) process.kill(-runner.pid!, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints every URL once ready', () => {
    for (const port of [ports.crm, ports.inventory, ports.logistics, ports.orders, ports.gateway]) {
      expect(output).toContain(`http://localhost:${port}`);
    }
  });

  it('serves the operations dashboard at the URL it prints', async () => {
    const url = `http://localhost:${ports.gateway}/dashboard/`;
    expect(output).toContain(url);
    const page = await httpClient(url).get('');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(page.data)?.[1];
    expect((await httpClient(`http://localhost:${ports.gateway}`).get(script!)).status).toBe(200);
  });

  it("answers the README's curl on the sample data", async () => {
    const res = await httpClient(`http://localhost:${ports.crm}`).get('/customers/1');
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      id: 1,
      name: 'Ada Lovelace',
      address: { city: 'London', country: 'GB' },
    });
  });

  it("answers the README's GraphQL example", async () => {
    const { body } = await graphql(
      `http://localhost:${ports.gateway}`,
      '{ customer(id: 1) { id name email address { city country } } }',
    );
    expect(body).toEqual({
      data: {
        customer: {
          id: '1',
          name: 'Ada Lovelace',
          email: 'ada@example.com',
          address: { city: 'London', country: 'GB' },
        },
      },
    });
  });

  it('answers every GraphQL example in the README without errors', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const { status, body } = await graphql(`http://localhost:${ports.gateway}`, example);
      expect({ example, status, errors: body.errors }).toEqual({ example, status: 200, errors: undefined });
    }
  });

  it("answers the README's order example with 201, and its repeat with the same order", async () => {
    const crm = httpClient(`http://localhost:${ports.crm}`, { 'Idempotency-Key': 'readme-example-1' });
    const body = { customerId: 1, items: [{ productId: 3, quantity: 2 }] };
    const first = await crm.post('/orders', body);
    expect(first.status).toBe(201);
    expect(first.data).toMatchObject({ status: 'confirmed', items: [{ productId: 3, quantity: 2 }] });
    const again = await crm.post('/orders', body);
    expect(again.data.id).toBe(first.data.id);
  });

  it("answers the README's return example: received, refunded and restocked where it shipped from", async () => {
    const orders = httpClient(`http://localhost:${ports.orders}`, { 'Idempotency-Key': 'readme-return-1' });
    const body = { items: [{ productId: 1, quantity: 1 }], reason: 'Arrived dented' };
    const created = await orders.post('/supply-orders/1/returns', body);
    expect(created.status).toBe(201);
    expect((await orders.post('/supply-orders/1/returns', body)).data.id).toBe(created.data.id);
    const received = await orders.post(`/returns/${created.data.id}/receive`);
    expect(received.data).toMatchObject({ status: 'received', refundCents: 1299, warehouseId: null });
    expect(received.data.restockedAt).not.toBeNull();
  });

  it('stops all five processes and the database on Ctrl-C, leaving none behind', async () => {
    process.kill(-runner.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(output).toMatch(/stopped\s*$/);
    for (const port of Object.values(ports)) expect(await refused(port)).toBe(true);
    expect(leftovers()).toEqual([]);
  }, 60_000);

  it('exits non-zero with the reason when one process dies, stopping the others', async () => {
    output = '';
    startRunner();
    await waitFor(
      async () => output.includes(READY) || (runner.exitCode !== null && 'exited'),
      'npm start',
      120_000,
    );
    const pid = Number(/inventory-service\s+http:\/\/\S+\s+\(pid (\d+)\)/.exec(output)?.[1]);
    process.kill(pid, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(output).toMatch(/inventory-service exited unexpectedly \(SIGKILL\)/);
    for (const port of [ports.crm, ports.logistics, ports.orders, ports.gateway])
      expect(await refused(port)).toBe(true);
    expect(leftovers()).toEqual([]);
  }, 150_000);
});
