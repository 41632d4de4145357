import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import { sql } from 'kysely';
import request from 'supertest';
import { encodeCursor } from '../src/inbox/inbox.cursor.js';
import { inboxQuery } from '../src/inbox/inbox.repository.js';
import { parseTypePattern } from '../src/inbox/type-pattern.js';
import { ISO_PATTERN, insertEvents, signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

interface InboxBody {
  events: { id: string; created_at: string; status: string }[];
  next_cursor: string | null;
  has_more: boolean;
}

function inbox(org: TestOrg, query: Record<string, string | number> = {}) {
  return request(api.app).get('/api/inbox').query(query).set('X-API-Key', org.key);
}

/** Follows next_cursor to the end; every page's ids in order. */
async function allPages(org: TestOrg, query: Record<string, string | number>, between?: () => Promise<void>) {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const res = await inbox(org, cursor ? { ...query, cursor } : query).expect(200);
    const body = res.body as InboxBody;
    pages.push(body.events.map((e) => e.id));
    expect(body.has_more).toBe(body.next_cursor !== null);
    cursor = body.next_cursor;
    if (between) await between();
  } while (cursor !== null && pages.length < 1000);
  return pages;
}

/** (created_at DESC, id DESC), the order the inbox promises. */
function newestFirst(events: { id: string; created_at: Date }[]): string[] {
  return [...events]
    .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((e) => e.id);
}

describe('GET /api/inbox', () => {
  test('lists events newest first in the contract shape, by default those pending or failed', async () => {
    const org = await signUp(api.app);
    const t = Date.now();
    const [older, delivered, failed] = await insertEvents(api, org.id, [
      { type: 'order.created', payload: { n: 1 }, createdAt: new Date(t - 3000) },
      { status: 'delivered', deliveredAt: new Date(t - 1500), createdAt: new Date(t - 2000) },
      { status: 'failed', createdAt: new Date(t - 1000) },
    ]);
    await api.database.db
      .updateTable('events')
      .set({ last_error: 'HTTP 500', attempts: 5 })
      .where('id', '=', failed?.id as string)
      .execute();
    const res = await inbox(org).expect(200);
    expect(res.body).toEqual({
      events: [
        {
          id: failed?.id,
          type: 'test.event',
          payload: {},
          dedup_id: null,
          status: 'failed',
          attempts: 5,
          created_at: new Date(t - 1000).toISOString(),
          delivered_at: null,
          last_error: 'HTTP 500',
        },
        {
          id: older?.id,
          type: 'order.created',
          payload: { n: 1 },
          dedup_id: null,
          status: 'pending',
          attempts: 0,
          created_at: new Date(t - 3000).toISOString(),
          delivered_at: null,
          last_error: null,
        },
      ],
      next_cursor: null,
      has_more: false,
    });
    expect(res.body.events.map((e: { id: string }) => e.id)).not.toContain(delivered?.id);
  });

  test('shows an event ingested through POST /api/events as pending', async () => {
    const org = await signUp(api.app);
    const created = await request(api.app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .send({ type: 'user.signed_up', payload: { user: 7 }, dedup_id: 'signup-7' })
      .expect(201);
    const res = await inbox(org).expect(200);
    expect(res.body.events).toEqual([
      {
        id: created.body.id,
        type: 'user.signed_up',
        payload: { user: 7 },
        dedup_id: 'signup-7',
        status: 'pending',
        attempts: 0,
        created_at: expect.stringMatching(ISO_PATTERN),
        delivered_at: null,
        last_error: null,
      },
    ]);
    expect(res.body.events[0].created_at).toBe(created.body.created_at);
  });

  test.each(['pending', 'delivered', 'failed'])('status=%s lists only events of that status', async (status) => {
    const org = await signUp(api.app);
    const t = Date.now();
    const rows = await insertEvents(
      api,
      org.id,
      ['pending', 'delivered', 'failed', 'pending', 'delivered', 'failed'].map((s, i) => ({
        status: s as 'pending' | 'delivered' | 'failed',
        createdAt: new Date(t - i * 10),
      })),
    );
    const expected = rows.filter((_, i) => ['pending', 'delivered', 'failed', 'pending', 'delivered', 'failed'][i] === status);
    const res = await inbox(org, { status }).expect(200);
    expect(res.body.events.map((e: { id: string }) => e.id)).toEqual(newestFirst(expected));
    expect(res.body.events.every((e: { status: string }) => e.status === status)).toBe(true);
  });

  test("never lists another organization's events", async () => {
    const mine = await signUp(api.app);
    const theirs = await signUp(api.app);
    const [own] = await insertEvents(api, mine.id, [{}]);
    await insertEvents(api, theirs.id, [{}, { status: 'delivered' }, { status: 'failed' }]);
    for (const status of [undefined, 'pending', 'delivered', 'failed']) {
      const res = await inbox(mine, status ? { status } : {}).expect(200);
      expect(res.body.events.map((e: { id: string }) => e.id)).toEqual(
        status === undefined || status === 'pending' ? [own?.id] : [],
      );
    }
  });

  test('returns 100 events by default and says there are more', async () => {
    const org = await signUp(api.app);
    const t = Date.now();
    await insertEvents(
      api,
      org.id,
      Array.from({ length: 101 }, (_, i) => ({ createdAt: new Date(t - i) })),
    );
    const res = await inbox(org).expect(200);
    expect(res.body.events).toHaveLength(100);
    expect(res.body.has_more).toBe(true);
    expect(res.body.next_cursor).toEqual(expect.any(String));
  });

  test('a page that ends exactly at the last event has no next cursor', async () => {
    const org = await signUp(api.app);
    await insertEvents(
      api,
      org.id,
      Array.from({ length: 10 }, () => ({})),
    );
    const res = await inbox(org, { limit: 10 }).expect(200);
    expect(res.body.events).toHaveLength(10);
    expect(res.body).toMatchObject({ has_more: false, next_cursor: null });
  });

  test('accepts limit 1 and limit 1000', async () => {
    const org = await signUp(api.app);
    await insertEvents(
      api,
      org.id,
      Array.from({ length: 1001 }, () => ({})),
    );
    const one = await inbox(org, { limit: 1 }).expect(200);
    expect(one.body.events).toHaveLength(1);
    expect(one.body.has_more).toBe(true);
    const most = await inbox(org, { limit: 1000 }).expect(200);
    expect(most.body.events).toHaveLength(1000);
    expect(most.body.has_more).toBe(true);
  });

  test('pages through many events sharing one created_at without skipping or repeating any', async () => {
    const org = await signUp(api.app);
    const same = new Date(Date.now() - 60_000);
    // Random (v4-like) ids so the id order is unrelated to the insertion order.
    const inserted = await insertEvents(
      api,
      org.id,
      Array.from({ length: 250 }, () => ({ id: crypto.randomUUID(), createdAt: same })),
    );
    const pages = await allPages(org, { limit: 7 });
    expect(pages).toHaveLength(Math.ceil(250 / 7));
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(pages.flat()).toEqual(newestFirst(inserted));
  });

  test('pages across mixed timestamps, ties included, in (created_at, id) descending order', async () => {
    // Over 200 requests: a tier whose rate limit they stay under.
    const org = await signUp(api.app, { tier: 'business' });
    const t = Date.now() - 60_000;
    const inserted = await insertEvents(
      api,
      org.id,
      Array.from({ length: 120 }, (_, i) => ({ id: crypto.randomUUID(), createdAt: new Date(t - (i % 9) * 1000 - (i % 3)) })),
    );
    for (const limit of [1, 5, 13, 119, 120]) {
      const pages = await allPages(org, { limit });
      expect(pages.flat()).toEqual(newestFirst(inserted));
    }
  });

  test('events arriving between pages do not make later pages skip or repeat', async () => {
    const org = await signUp(api.app);
    const same = new Date(Date.now() - 60_000);
    const inserted = await insertEvents(
      api,
      org.id,
      Array.from({ length: 60 }, () => ({ id: crypto.randomUUID(), createdAt: same })),
    );
    let arrivals = 0;
    const pages = await allPages(org, { limit: 8 }, async () => {
      // New events: some newer than everything, some sharing the timestamp of the listed ones.
      arrivals += 3;
      await insertEvents(api, org.id, [{}, { createdAt: same, id: crypto.randomUUID() }, { createdAt: new Date() }]);
    });
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(seen.length);
    const original = newestFirst(inserted);
    // Every original event is listed once, in order; only late arrivals at the shared timestamp may interleave.
    expect(seen.filter((id) => original.includes(id))).toEqual(original);
    expect(arrivals).toBeGreaterThan(0);
  });

  test('a delivered event leaves the default view between pages without disturbing the rest', async () => {
    const org = await signUp(api.app);
    const t = Date.now() - 60_000;
    const inserted = await insertEvents(
      api,
      org.id,
      Array.from({ length: 20 }, (_, i) => ({ createdAt: new Date(t - i) })),
    );
    const order = newestFirst(inserted);
    const first = await inbox(org, { limit: 5 }).expect(200);
    await api.database.db
      .updateTable('events')
      .set({ status: 'delivered' })
      .where('id', 'in', [order[2] as string, order[10] as string])
      .execute();
    const rest = await allPages(org, { limit: 5, cursor: first.body.next_cursor });
    expect([...first.body.events.map((e: { id: string }) => e.id), ...rest.flat()]).toEqual(
      order.filter((id) => id !== order[10]),
    );
  });

  test.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 1001 }, 'limit'],
    [{ limit: -1 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '' }, 'limit'],
    [{ status: 'done' }, 'status'],
    [{ status: 'PENDING' }, 'status'],
    [{ status: '' }, 'status'],
    [{ status: 'pending,failed' }, 'status'],
    [{ order: 'asc' }, 'order'],
    [{ page: 2 }, 'page'],
    [{ cursor: '' }, 'cursor'],
  ])('refuses %j with 422 validation_error naming %s', async (query, field) => {
    const org = await signUp(api.app);
    const res = await inbox(org, query).expect(422);
    expect(res.body).toEqual({
      error: expect.any(String),
      code: 'validation_error',
      details: expect.arrayContaining([expect.objectContaining({ field })]),
      request_id: expect.any(String),
    });
  });

  test('refuses a repeated status parameter with 422', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).get('/api/inbox?status=pending&status=failed').set('X-API-Key', org.key).expect(422);
    expect(res.body.code).toBe('validation_error');
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  test.each([
    ['garbage', 'not a cursor!'],
    ['base64 of garbage', b64('hello')],
    ['base64 of a JSON object', b64('{"t":"2024-01-01T00:00:00.000Z"}')],
    ['base64 of a one-element array', b64('["2024-01-01T00:00:00.000Z"]')],
    ['a cursor with a malformed id', b64('["2024-01-01T00:00:00.000Z","not-a-uuid"]')],
    ['a cursor with an impossible date', b64(`["2024-02-31T00:00:00.000Z","${uuidv7()}"]`)],
    ['a cursor with a date that is not ISO', b64(`["yesterday","${uuidv7()}"]`)],
    ['a cursor with a number for the date', b64(`[1700000000000,"${uuidv7()}"]`)],
    ['a truncated cursor', encodeCursor({ createdAt: new Date(), id: uuidv7() }).slice(0, 20)],
    ['an overlong cursor', 'A'.repeat(5000)],
  ])('refuses %s with 422 validation_error naming cursor', async (_name, cursor) => {
    const org = await signUp(api.app);
    const res = await inbox(org, { cursor }).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [{ field: 'cursor', message: expect.any(String) }] });
  });

  test('needs an API key', async () => {
    const res = await request(api.app).get('/api/inbox').expect(401);
    expect(res.body.code).toBe('missing_api_key');
  });

  test('answers 405 with an Allow header to POST', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).post('/api/inbox').set('X-API-Key', org.key).send({}).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body.code).toBe('method_not_allowed');
  });
});

describe('inbox queries', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await signUp(api.app);
    const other = await signUp(api.app);
    const t = Date.now();
    after.createdAt = new Date(t - 1000);
    after.id = uuidv7(t - 1000);
    const statuses = ['delivered', 'delivered', 'delivered', 'pending', 'failed'] as const;
    for (const owner of [org, other]) {
      await insertEvents(
        api,
        owner.id,
        Array.from({ length: 4000 }, (_, i) => ({ status: statuses[i % 5], createdAt: new Date(t - i * 7) })),
      );
    }
    await sql`ANALYZE events`.execute(api.database.db);
  });

  async function plan(page: Parameters<typeof inboxQuery>[2]): Promise<string> {
    const rows = await inboxQuery(api.database.db, org.id, page).explain();
    return rows.map((r) => String(Object.values(r)[0])).join('\n');
  }

  // A cursor one second into the events (set once they exist): most of them lie after it.
  const after = { createdAt: new Date(0), id: uuidv7(0) };

  test.each([
    ['the default view', {}],
    ['the default view after a cursor', { after }],
  ])('%s reads events_org_undelivered_created_idx in order, with no sort', async (_name, page) => {
    const text = await plan({ limit: 101, ...page });
    expect(text).toMatch(/Index Scan using events_org_undelivered_created_idx/);
    expect(text).not.toMatch(/Sort/);
  });

  test.each([
    ['one status', { status: 'delivered' as const }],
    ['one status after a cursor', { status: 'pending' as const, after }],
  ])('%s reads events_org_status_created_idx in order, with no sort', async (_name, page) => {
    const text = await plan({ limit: 101, ...page });
    expect(text).toMatch(/Index Scan using events_org_status_created_idx/);
    expect(text).not.toMatch(/Sort/);
  });

  test('the cursor condition is an index condition, not a filter over skipped rows', async () => {
    const text = await plan({ limit: 101, status: 'delivered', after });
    expect(text).toMatch(/Index Cond: .*ROW\(created_at, id\) < ROW\(/);
  });
});

describe('GET /api/inbox?type=', () => {
  const types = ['order.created', 'orderx', 'invoice.paid', 'order.paid', 'order', 'order.line.added', 'ORDER.created'];
  let org: TestOrg;
  let events: { id: string; type: string; created_at: Date; status: string }[];
  beforeAll(async () => {
    org = await signUp(api.app, { tier: 'enterprise' });
    const t = Date.now() - 60_000;
    const statuses = ['pending', 'failed', 'delivered'] as const;
    // Three rounds of every type, with every status; some sharing a timestamp.
    const rows = Array.from({ length: 3 * types.length }, (_, i) => ({
      type: types[i % types.length] as string,
      status: statuses[i % 3] as (typeof statuses)[number],
      createdAt: new Date(t + Math.floor(i / 2)),
    }));
    const inserted = await insertEvents(api, org.id, rows);
    events = inserted.map((e, i) => ({ ...e, type: rows[i]?.type as string, status: rows[i]?.status as string }));
  });

  const expected = (match: (type: string) => boolean, statuses = ['pending', 'failed']) =>
    newestFirst(events.filter((e) => match(e.type) && statuses.includes(e.status)));
  const listed = async (query: Record<string, string | number>) =>
    (await inbox(org, query).expect(200)).body.events.map((e: { id: string }) => e.id);

  test('an exact type lists only events of that type (case and all), newest first', async () => {
    expect(await listed({ type: 'order.created' })).toEqual(expected((t) => t === 'order.created'));
    expect(await listed({ type: 'order' })).toEqual(expected((t) => t === 'order'));
    expect(await listed({ type: 'no.such.type' })).toEqual([]);
  });

  test('prefix.* lists the types that start with prefix. (not prefixx, not prefix itself), newest first across them', async () => {
    const orders = expected((t) => t.startsWith('order.'));
    expect(orders.length).toBeGreaterThan(3);
    expect(await listed({ type: 'order.*' })).toEqual(orders);
    expect(await listed({ type: 'order.line.*' })).toEqual(expected((t) => t === 'order.line.added'));
    expect(await listed({ type: 'invoice.*' })).toEqual(expected((t) => t === 'invoice.paid'));
  });

  test('* lists every type', async () => {
    expect(await listed({ type: '*' })).toEqual(expected(() => true));
  });

  test('combines with status', async () => {
    expect(await listed({ type: 'order.*', status: 'delivered' })).toEqual(
      expected((t) => t.startsWith('order.'), ['delivered']),
    );
    expect(await listed({ type: 'orderx', status: 'failed' })).toEqual(expected((t) => t === 'orderx', ['failed']));
  });

  test.each([
    ['an exact type', 'order.created'],
    ['a prefix', 'order.*'],
  ])('pages of %s neither skip nor repeat events', async (_name, type) => {
    const pages = await allPages(org, { type, status: 'pending', limit: 2 });
    const match = (t: string) => (type.endsWith('.*') ? t.startsWith(type.slice(0, -1)) : t === type);
    expect(pages.flat()).toEqual(expected(match, ['pending']));
  });

  test.each([
    ['empty', ''],
    ['over 255 characters', 'x'.repeat(256)],
  ])('refuses a type that is %s with 422 validation_error naming type', async (_name, type) => {
    const res = await inbox(org, { type }).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [{ field: 'type', message: expect.any(String) }] });
  });
});

describe('inbox queries by type', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await signUp(api.app);
    const other = await signUp(api.app);
    const t = Date.now();
    after.createdAt = new Date(t - 1000);
    after.id = uuidv7(t - 1000);
    const statuses = ['delivered', 'delivered', 'delivered', 'pending', 'failed'] as const;
    const types = ['order.created', 'order.paid', 'invoice.paid', 'orderx'];
    // Many more events of each type and status than a page holds, as the plans are meant for.
    for (const owner of [org, other]) {
      await insertEvents(
        api,
        owner.id,
        Array.from({ length: 12_000 }, (_, i) => ({
          status: statuses[i % 5],
          type: types[i % 4],
          createdAt: new Date(t - i * 7),
        })),
      );
    }
    await sql`ANALYZE events`.execute(api.database.db);
  });

  async function plan(page: Omit<Parameters<typeof inboxQuery>[2], 'type'>, type: string): Promise<string> {
    const { sql: text, parameters } = inboxQuery(api.database.db, org.id, { ...page, type: parseTypePattern(type) }).compile();
    const { rows } = await api.database.pool.query(`EXPLAIN ${text}`, [...parameters]);
    return rows.map((r: Record<string, string>) => String(Object.values(r)[0])).join('\n');
  }

  // A cursor one second into the events (set once they exist): most of them lie after it.
  const after = { createdAt: new Date(0), id: uuidv7(0) };

  test.each([
    ['the default view', {}, 'events_org_type_undelivered_idx'],
    ['the default view after a cursor', { after }, 'events_org_type_undelivered_idx'],
    ['one status', { status: 'delivered' as const }, 'events_org_status_type_created_idx'],
    ['one status after a cursor', { status: 'pending' as const, after }, 'events_org_status_type_created_idx'],
  ])('an exact type in %s reads %s in order, with no sort', async (_name, page, index) => {
    const text = await plan({ limit: 21, ...page }, 'order.paid');
    expect(text).toMatch(new RegExp(`Index Scan using ${index} on events`));
    expect(text).toMatch(/Index Cond: .*type.* = 'order\.paid'/);
    expect(text).not.toMatch(/Sort|Seq Scan/);
  });

  test.each([
    ['the default view', {}, 'events_org_type_undelivered_idx'],
    ['one status after a cursor', { status: 'delivered' as const, after }, 'events_org_status_type_created_idx'],
  ])(
    'a prefix in %s finds the matching types by probing %s, then reads a page of each in order: never every matching event',
    async (_name, page, index) => {
      const text = await plan({ limit: 21, ...page }, 'order.*');
      // The distinct types: one index probe each (a loose index scan).
      expect(text).toMatch(/Recursive Union[\s\S]*Limit[\s\S]*Index Only Scan using \w+ on events/);
      // Each type's page: an index scan in order, cut at the page size.
      expect(text).toMatch(new RegExp(`Nested Loop[\\s\\S]*Limit\\s[\\s\\S]*Index Scan using ${index} on events`));
      expect(text).not.toMatch(/Seq Scan on events|Bitmap/);
    },
  );
});
