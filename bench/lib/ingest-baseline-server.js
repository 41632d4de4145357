// The ingest benchmark's baseline: a bare node:http server doing the same durable work per
// request as POST /api/events — one transaction inserting the event row and its pg-boss job
// with pg — and nothing else (no auth, validation, dedup, rate limit or metrics).
// With BASELINE_MODE=http-only it answers 201 without touching the database: the ceiling that
// HTTP alone leaves on this machine, with the load generator sharing its cores.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });
const orgId = process.env.BASELINE_ORG_ID;
const httpOnly = process.env.BASELINE_MODE === 'http-only';

async function store(event) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const id = randomUUID();
    const { rows } = await client.query(
      'INSERT INTO events (id, org_id, type, payload, dedup_id) VALUES ($1, $2, $3, $4, $5) RETURNING created_at',
      [id, orgId, event.type, JSON.stringify(event.payload), event.dedup_id ?? null],
    );
    await client.query("INSERT INTO pgboss.job (name, data) VALUES ('event-delivery', $1)", [{ eventId: id, orgId }]);
    await client.query('COMMIT');
    return { id, type: event.type, status: 'pending', dedup_id: event.dedup_id ?? null, created_at: rows[0].created_at };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const work = httpOnly ? Promise.resolve({ id: randomUUID(), type: event.type, status: 'pending' }) : store(event);
    work.then(
      (body) => {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (error) => {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
