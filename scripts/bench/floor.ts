// The floor: the same answers as the system's, from one hand-written SQL
// query each, behind a bare node:http handler using pg directly. No
// framework, no validation beyond what the query needs, JSON built by
// PostgreSQL. The best one process could do; the system is measured against it.
// Env: PORT, DATABASE_URL, DB_POOL_SIZE.
import http from 'node:http';
import pg from 'pg';

// The Dashboard query's answer, shaped exactly as the gateway shapes it.
const DASHBOARD_SQL = `
  WITH page AS (SELECT * FROM orders ORDER BY id LIMIT $1 + 1),
  shown AS (SELECT * FROM page ORDER BY id LIMIT $1)
  SELECT json_build_object('data', json_build_object('orders', json_build_object(
    'edges', coalesce((
      SELECT json_agg(json_build_object('node', json_build_object(
        'id', o.id::text, 'status', upper(o.status), 'totalCents', o.total_cents, 'currency', o.currency,
        'createdAt', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'customer', json_build_object('id', c.id::text, 'name', c.name, 'email', c.email),
        'items', coalesce((
          SELECT json_agg(json_build_object(
            'quantity', oi.quantity, 'unitPriceCents', oi.unit_price_cents,
            'product', json_build_object('id', p.id::text, 'sku', p.sku, 'name', p.name,
              'inventory', json_build_object('quantityOnHand', i.quantity_on_hand,
                'quantityReserved', i.quantity_reserved,
                'quantityAvailable', i.quantity_on_hand - i.quantity_reserved))) ORDER BY oi.product_id)
          FROM order_items oi JOIN products p ON p.id = oi.product_id JOIN inventory i ON i.product_id = p.id
          WHERE oi.order_id = o.id), '[]'),
        'shipment', (
          SELECT json_build_object('id', s.id::text, 'status', upper(s.status), 'carrier', s.carrier,
            'trackingNumber', s.tracking_number,
            'estimatedDeliveryDate', to_char(s.estimated_delivery_date, 'YYYY-MM-DD'))
          FROM shipments s WHERE s.order_id = o.id
          ORDER BY s.status = 'cancelled', s.id DESC LIMIT 1)
      )) ORDER BY o.id)
      FROM shown o JOIN customers c ON c.id = o.customer_id), '[]'),
    'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) FROM page) > $1,
      'endCursor', (SELECT 'c1.' || rtrim(translate(encode(convert_to(max(id)::text, 'UTF8'), 'base64'),
        '+/', '-_'), '=') FROM shown))
  )))::text AS body`;

// GET /inventory/:productId's answer, from the same row inventory-service reads.
const LEVEL_SQL = `
  SELECT p.id AS "productId", p.sku, p.name, i.quantity_on_hand AS "quantityOnHand",
    i.quantity_reserved AS "quantityReserved", i.quantity_on_hand - i.quantity_reserved AS "quantityAvailable",
    i.reorder_point AS "reorderPoint", i.location, i.version, i.updated_at AS "updatedAt"
  FROM products p JOIN inventory i ON i.product_id = p.id WHERE p.id = $1`;

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

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const level = /^\/inventory\/([1-9][0-9]{0,8})$/.exec(req.url ?? '');
  if (req.method === 'GET' && level) {
    // Named: prepared once per connection, as a hand-tuned service would.
    const { rows } = await pool.query({ name: 'level', text: LEVEL_SQL, values: [Number(level[1])] });
    return rows[0] ? send(res, 200, JSON.stringify(rows[0])) : send(res, 404, '{"title":"Not Found"}');
  }
  if (req.method === 'POST' && req.url === '/graphql') {
    const { variables } = JSON.parse(await readBody(req)) as { variables?: { first?: number } };
    const first = Math.min(Math.max(Number(variables?.first ?? 20), 1), 100);
    const { rows } = await pool.query({ name: 'dashboard', text: DASHBOARD_SQL, values: [first] });
    return send(res, 200, rows[0].body);
  }
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
