// npm run bench:memory — the API's heap under the largest and most hostile bodies and inbox pages
// its limits let through (apps/api/src/memory/limits.ts; docs/operations.md, "Memory").
//
// 1. Per body shape, in this process: the heap a batch body takes at each step the API puts it
//    through (the body as text, parsed, each payload re-encoded, the INSERT's escaped copy), live
//    after a full collection, against what the API reserves for it (bodyHeapCost).
// 2. The real API process, started as npm start does (--max-old-space-size=128): its peak heap
//    (exact, bench/lib/heap-probe.js) while it is sent each worst case, alone and ten at once,
//    and three and ten concurrent inbox pages over 600 stored events of 256 KB.
//
// Env: DATABASE_URL (a server the benchmark may create a database on).
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { payloadsAsJsonArray } from '../apps/api/dist/events/events.repository.js';
import { eventSchema, MAX_BATCH_EVENTS, MAX_PAYLOAD_BYTES } from '../apps/api/dist/events/events.schema.js';
import { scanJson } from '../apps/api/dist/http/json-scan.js';
import { isStorableJson } from '../apps/api/dist/http/storable-text.js';
import { MAX_INBOX_LIMIT } from '../apps/api/dist/inbox/inbox.schema.js';
import { MAX_RESPONSE_PAYLOAD_BYTES } from '../apps/api/dist/inbox/payload-cap.js';
import {
  API_HEAP_BYTES,
  BATCH_BODY,
  bodyHeapCost,
  EVENT_BODY,
  IN_FLIGHT_HEAP_BYTES,
  OTHER_BODY,
  pageHeapCost,
  SIGNUP_BODY,
} from '../apps/api/dist/memory/limits.js';
import { appEnv, appNodeArgs } from '../scripts/lib/app-command.js';
import { withBenchDatabase } from './lib/database.js';
import { freePort, startProcess, stopProcess, waitForHttp } from './lib/processes.js';

const probe = fileURLToPath(new URL('./lib/heap-probe.js', import.meta.url));
const MiB = 1024 * 1024;
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run bench:memory does)');

/** Payloads of at most 256 KB as JSON (so a batch of them goes all the way to the INSERT), by shape. */
const PAYLOADS = {
  'empty objects': () => `{"x":[${'{},'.repeat(86_999)}{}]}`,
  'numbers 1e20 (21 chars re-encoded)': () => `{"x":[${'1e20,'.repeat(11_899)}1]}`,
  'object keys': (i) => `{${Array.from({ length: 20_000 }, (_, k) => `"k${i}_${k}":{}`).join(',')}}`,
  'ASCII text': () => `{"x":"${'a'.repeat(262_000)}"}`,
  'UTF-16 text of escaped quotes': () => `{"x":"€${'\\"'.repeat(130_000)}"}`,
  'UTF-16 text, ASCII but one €': () => `{"x":"€${'a'.repeat(261_000)}"}`,
};

/** A batch body of as many events as fit in `limit` (bytes and values), each with `payload(i)`. */
function batchBody(payload, limit) {
  const events = [];
  let bytes = '{"events":[]}'.length;
  let values = 2;
  while (events.length < 1000) {
    const event = `{"type":"bench","payload":${payload(events.length)}}`;
    const size = Buffer.byteLength(event) + 1;
    const count = scanJson(Buffer.from(event)).values;
    if (bytes + size > limit.bytes || values + count > limit.values) break;
    events.push(event);
    bytes += size;
    values += count;
  }
  return `{"events":[${events.join(',')}]}`;
}

function heapNow() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Live heap of a batch body at the API's two high points: just parsed, and while inserted. */
function measureStages(body) {
  const raw = Buffer.from(body);
  const { values } = scanJson(raw);
  const base = heapNow();
  let text = raw.toString('utf8');
  let tree = JSON.parse(text);
  const parsed = heapNow() - base;
  text = undefined;
  const payloads = tree.events.map((event) => {
    const { value } = eventSchema.validate(event, { stripUnknown: true });
    isStorableJson(value.payload);
    return JSON.stringify(value.payload);
  });
  const inserted = payloadsAsJsonArray(payloads.map((payload) => ({ payload })));
  const inserting = heapNow() - base;
  tree = undefined;
  return {
    events: inserted.length > 0 ? payloads.length : 0,
    bytes: raw.length,
    values,
    parsed,
    inserting,
    reserved: bodyHeapCost(raw.length, values),
  };
}

function limits() {
  console.log(`Heap ${mib(API_HEAP_BYTES)}; budget for bodies and pages in flight ${mib(IN_FLIGHT_HEAP_BYTES)}\n`);
  console.log('| what | limit | most reserved |');
  console.log('| --- | --- | --: |');
  const body = (name, limit) =>
    console.log(
      `| ${name} | ${mib(limit.bytes)}, ${limit.values.toLocaleString()} values | ${mib(bodyHeapCost(limit.bytes, limit.values))} |`,
    );
  body('batch body', BATCH_BODY);
  body('event body', EVENT_BODY);
  body('other bodies', OTHER_BODY);
  body('sign-up body', SIGNUP_BODY);
  const page = pageHeapCost(MAX_RESPONSE_PAYLOAD_BYTES + MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, MAX_INBOX_LIMIT);
  console.log(`| inbox page | ${MAX_INBOX_LIMIT} events or ${mib(MAX_RESPONSE_PAYLOAD_BYTES)} of payloads | ${mib(page)} |`);
  const contract = MAX_BATCH_EVENTS * MAX_PAYLOAD_BYTES;
  console.log(`\nThe contract's largest batch, ${MAX_BATCH_EVENTS} × ${MAX_PAYLOAD_BYTES / 1024} KB: ${mib(contract)} of text`);
}

function partOne() {
  console.log(
    `\n1. Live heap of a ${mib(BATCH_BODY.bytes)} / ${BATCH_BODY.values.toLocaleString()}-value batch, by shape, against its reservation\n`,
  );
  console.log('| shape | events | body | values | parsed | while inserted | per body byte | per value | reserved |');
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: |');
  let worst = 0;
  for (const [name, payload] of Object.entries(PAYLOADS)) {
    const m = measureStages(batchBody(payload, BATCH_BODY));
    const peak = Math.max(m.parsed, m.inserting);
    worst = Math.max(worst, peak / m.reserved);
    console.log(
      `| ${name} | ${m.events} | ${mib(m.bytes)} | ${m.values.toLocaleString()} | ${mib(m.parsed)} | ${mib(m.inserting)} | ` +
        `${(peak / m.bytes).toFixed(1)} | ${m.values < 1000 ? '–' : (peak / m.values).toFixed(0)} | ${mib(m.reserved)} |`,
    );
  }
  console.log(`\nHighest measured / reserved: ${(worst * 100).toFixed(0)}%`);
  const attack = Buffer.from(`{"events":[{"type":"a","payload":{"x":[${'{},'.repeat(2_800_000)}{}]}}]}`);
  const base = heapNow();
  const tree = JSON.parse(attack.toString('utf8'));
  console.log(
    `Issue 12's body, ${mib(attack.length)} of {} (${scanJson(attack).values.toLocaleString()} values), parsed: ${mib(heapNow() - base)} live (${tree.events.length} event)`,
  );
  return worst;
}

// --- 2. The real process ---------------------------------------------------------------------

function ask(child) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send('heap?');
  });
}

async function post(base, key, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

async function getPage(base, key, limit) {
  const res = await fetch(`${base}/api/inbox?limit=${limit}`, { headers: { 'x-api-key': key } });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, events: 0 };
  const page = JSON.parse(text);
  return { status: res.status, events: page.events.length, hasMore: page.has_more, bytes: Buffer.byteLength(text) };
}

function tally(statuses) {
  const counts = new Map();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n}× ${status}`).join(', ');
}

async function partTwo(databaseUrl) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = appNodeArgs('api');
  args.splice(args.length - 1, 0, '--expose-gc', `--import=${probe}`);
  const api = startProcess(
    args,
    { ...appEnv('api'), DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    {
      ipcReady: true,
    },
  );
  const rows = [];
  try {
    await waitForHttp(`${base}/health`);
    const signup = await fetch(`${base}/api/keys/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organization_name: 'memory', tier: 'enterprise' }),
    });
    const { api_key: key, organization_id: orgId } = await signup.json();
    for (let i = 0; i < 20; i++) await post(base, key, '/api/events', '{"type":"warm","payload":{"n":1}}');
    const idle = await ask(api);
    console.log(`\n2. The API process (${appNodeArgs('api').join(' ')}), peak heap used (garbage included)\n`);
    console.log(
      `Live after start-up and 20 requests: ${mib(idle.retained)}; heap limit ${mib(API_HEAP_BYTES)}, budget ${mib(IN_FLIGHT_HEAP_BYTES)}\n`,
    );
    console.log('| requests | answers | peak heap used (garbage included) | most live after a full collection | live after |');
    console.log('| --- | --- | --: | --: | --: |');

    const run = async (label, send) => {
      await ask(api);
      const statuses = await send();
      const heap = await ask(api);
      rows.push(heap.live ?? 0);
      console.log(
        `| ${label} | ${tally(statuses)} | ${mib(heap.peak)} | ${heap.live === null ? '(none ran)' : mib(heap.live)} | ${mib(heap.retained)} |`,
      );
    };

    const attack = `{"events":[{"type":"a","payload":{"x":[${'{},'.repeat(2_800_000)}{}]}}]}`;
    await run(`issue 12: one batch of ${mib(attack.length)} of {}`, async () => [
      await post(base, key, '/api/events/batch', attack),
    ]);
    const overValues = `{"events":[{"type":"a","payload":{"x":[${'{},'.repeat(BATCH_BODY.values)}{}]}}]}`;
    await run(`a ${mib(overValues.length)} batch of ${BATCH_BODY.values.toLocaleString()} {}`, async () => [
      await post(base, key, '/api/events/batch', overValues),
    ]);
    for (const [name, payload] of Object.entries(PAYLOADS)) {
      const body = batchBody(payload, BATCH_BODY);
      await run(`one batch at the limits: ${name}`, async () => [await post(base, key, '/api/events/batch', body)]);
      await run(`ten at once: ${name}`, () =>
        Promise.all(Array.from({ length: 10 }, () => post(base, key, '/api/events/batch', body))),
      );
    }
    const event = `{"type":"a","payload":{"x":[${'{},'.repeat(EVENT_BODY.values - 20)}{}]}}`;
    await run(`ten single events of ${EVENT_BODY.values.toLocaleString()} values at once`, () =>
      Promise.all(Array.from({ length: 10 }, () => post(base, key, '/api/events', event))),
    );
    const deep = `{"events":[{"type":"a","payload":${'{"a":'.repeat(4100)}1${'}'.repeat(4100)}},{"type":"b","payload":{}}]}`;
    await run('a batch with a payload nested 4,100 deep', async () => [await post(base, key, '/api/events/batch', deep)]);

    const db = new pg.Client({ connectionString: databaseUrl });
    let objectsEventId;
    await db.connect();
    try {
      await db.query('DELETE FROM events WHERE org_id = $1', [orgId]);
      for (const payload of [
        PAYLOADS['ASCII text'](0),
        PAYLOADS['UTF-16 text of escaped quotes'](0),
        PAYLOADS['empty objects'](0),
      ]) {
        const { rows } = await db.query(
          `INSERT INTO events (id, org_id, type, payload) SELECT gen_random_uuid(), $1, 'bench', $2::jsonb FROM generate_series(1, 200) RETURNING id`,
          [orgId, payload],
        );
        objectsEventId = rows[0].id;
      }
    } finally {
      await db.end();
    }
    const pages = [];
    const pageRun = async (label, count, limit) =>
      run(label, async () => {
        const results = await Promise.all(Array.from({ length: count }, () => getPage(base, key, limit)));
        pages.push(...results);
        return results.map((r) => `${r.status} (${r.events} events${r.hasMore ? ', has_more' : ''})`);
      });
    await pageRun('issue 12: three concurrent GET /api/inbox?limit=200 over 600 events of 256 KB', 3, 200);
    await pageRun('ten concurrent GET /api/inbox?limit=1000', 10, 1000);
    await run('three concurrent POST /api/inbox/lease, limit 100', () =>
      Promise.all(
        Array.from({ length: 3 }, async () => {
          const res = await fetch(`${base}/api/inbox/lease`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': key },
            body: JSON.stringify({ limit: 100, visibility_seconds: 60 }),
          });
          const text = await res.text();
          return res.status === 200 ? `200 (${JSON.parse(text).events.length} events)` : String(res.status);
        }),
      ),
    );
    await run('sixty concurrent GET /api/events/:id of one event of 87,000 {} (256 KB)', () =>
      Promise.all(
        Array.from({ length: 60 }, async () => {
          const res = await fetch(`${base}/api/events/${objectsEventId}`, { headers: { 'x-api-key': key } });
          await res.arrayBuffer();
          return res.status;
        }),
      ),
    );
    const largest = Math.max(...pages.map((p) => p.bytes ?? 0));
    console.log(`\nLargest page: ${mib(largest)} of JSON (pages end at ${mib(MAX_RESPONSE_PAYLOAD_BYTES)} of payloads)`);
    const health = await fetch(`${base}/health`);
    console.log(`Afterwards GET /health: ${health.status}; process still running: ${api.exitCode === null}`);
    if (health.status !== 200) throw new Error('the API did not survive');
  } finally {
    await stopProcess(api);
  }
  return Math.max(...rows);
}

await withBenchDatabase(async (url) => {
  limits();
  const ratio = partOne();
  const peak = await partTwo(url);
  console.log(`\nMost heap live after a full collection in the API: ${mib(peak)} of ${mib(API_HEAP_BYTES)}`);
  if (ratio > 1) throw new Error('a body took more heap than the API reserves for it: raise the factors in memory/limits.ts');
});
