// The floor: the same answers as the system's, from one hand-written SQL
// query each, behind a bare node:http handler using pg directly. No
// framework, no validation beyond what the query needs, JSON built by
// PostgreSQL. The best one process could do; the system is measured against it.
// Env: PORT, DATABASE_URL, DB_POOL_SIZE.
import http from 'node:http';
import pg from 'pg';
import { dashboardSql, LEVEL_SQL, ORDER_SQL, type PageFilter } from './floor-sql.ts';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE ?? 10),
});

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

type DashboardVariables = { first?: number; after?: string; status?: string; customerId?: string };

/** The Dashboard query's filters as SQL values: the cursor decoded, the status in the database's words. */
function pageFilter(variables: DashboardVariables): PageFilter {
  const after = variables.after
    ? Number(Buffer.from(variables.after.slice('c1.'.length), 'base64url').toString())
    : undefined;
  return {
    after,
    status: variables.status?.toLowerCase(),
    customerId: variables.customerId ? Number(variables.customerId) : undefined,
  };
}

/** POST /orders: one transaction, one statement; rolled back when a line could not be held. */
async function placeOrder(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const input = JSON.parse(await readBody(req)) as {
    customerId: number;
    items: Array<{ productId: number; quantity: number }>;
  };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query({
      name: 'order',
      text: ORDER_SQL,
      values: [input.customerId, input.items.map((i) => i.productId), input.items.map((i) => i.quantity)],
    });
    if (!rows[0]?.placed) {
      await client.query('ROLLBACK');
      return send(res, 409, '{"title":"Not enough stock"}');
    }
    await client.query('COMMIT');
    send(res, 201, rows[0].body);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const level = /^\/inventory\/([1-9][0-9]{0,8})$/.exec(req.url ?? '');
  if (req.method === 'GET' && level) {
    // Named: prepared once per connection, as a hand-tuned service would.
    const { rows } = await pool.query({ name: 'level', text: LEVEL_SQL, values: [Number(level[1])] });
    return rows[0] ? send(res, 200, JSON.stringify(rows[0])) : send(res, 404, '{"title":"Not Found"}');
  }
  if (req.method === 'POST' && req.url === '/graphql') {
    const { variables } = JSON.parse(await readBody(req)) as { variables?: DashboardVariables };
    const first = Math.min(Math.max(Number(variables?.first ?? 20), 1), 100);
    const { name, text, values } = dashboardSql(pageFilter(variables ?? {}));
    const { rows } = await pool.query({ name, text, values: [first, ...values] });
    return send(res, 200, rows[0].body);
  }
  if (req.method === 'POST' && req.url === '/orders') return placeOrder(req, res);
  if (req.url === '/healthz') return send(res, 200, '{"status":"ok"}');
  send(res, 404, '{"title":"Not Found"}');
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) send(res, 500, '{"title":"Internal server error"}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');

const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
