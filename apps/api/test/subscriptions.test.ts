import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DELIVERY_QUEUE } from '@triggers/queue';
import { sql } from 'kysely';
import request from 'supertest';
import { ISO_PATTERN, insertEvents, signUp, startApi, type TestApi, type TestOrg, UUID_PATTERN } from './helpers.js';

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{43}=$/;

let api: TestApi;
let org: TestOrg;

beforeAll(async () => {
  api = await startApi();
  org = await signUp(api.app, { tier: 'enterprise' });
});
afterAll(async () => {
  await api.close();
});

const create = (body: unknown, key = org.key) =>
  request(api.app)
    .post('/api/subscriptions')
    .set('X-API-Key', key)
    .send(body as object);

const notFound = { error: 'Subscription not found', code: 'not_found', request_id: expect.any(String) };

async function deliveryJobs(eventId: string): Promise<{ data: Record<string, string>; group_id: string }[]> {
  const { rows } = await sql<{ data: Record<string, string>; group_id: string }>`
    SELECT data, group_id FROM pgboss.job WHERE name = ${DELIVERY_QUEUE} AND data->>'eventId' = ${eventId}
    ORDER BY created_on`.execute(api.database.db);
  return rows;
}

describe('POST /api/subscriptions', () => {
  test('creates an active subscription with its own whsec_ secret and answers 201 with it', async () => {
    const res = await create({
      target_url: 'https://hooks.example.com/orders',
      event_types: ['order.created', 'invoice.*'],
      description: 'Order sync',
    }).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID_PATTERN),
      target_url: 'https://hooks.example.com/orders',
      event_types: ['order.created', 'invoice.*'],
      description: 'Order sync',
      status: 'active',
      disabled_reason: null,
      disabled_at: null,
      circuit: { state: 'closed', opened_at: null, next_probe_at: null },
      secret: expect.stringMatching(SECRET_PATTERN),
      created_at: expect.stringMatching(ISO_PATTERN),
      updated_at: expect.stringMatching(ISO_PATTERN),
    });
  });

  test('accepts the Zapier REST Hooks form {"target_url","event"} as one event type', async () => {
    const res = await create({ target_url: 'https://hooks.zapier.com/hooks/standard/1/abc', event: 'order.created' }).expect(201);
    expect(res.body).toMatchObject({ event_types: ['order.created'], description: null, status: 'active' });
  });

  test.each([
    ['no target_url', { event_types: ['*'] }, 'target_url'],
    ['neither event_types nor event', { target_url: 'https://a.example.com/' }, 'body'],
    ['both event_types and event', { target_url: 'https://a.example.com/', event_types: ['*'], event: 'x' }, 'body'],
    ['an empty event_types', { target_url: 'https://a.example.com/', event_types: [] }, 'event_types'],
    [
      '51 patterns',
      { target_url: 'https://a.example.com/', event_types: Array.from({ length: 51 }, (_, i) => `t${i}`) },
      'event_types',
    ],
    ['an empty pattern', { target_url: 'https://a.example.com/', event_types: [''] }, 'event_types[0]'],
    ['a pattern of 256 characters', { target_url: 'https://a.example.com/', event_types: ['x'.repeat(256)] }, 'event_types[0]'],
    [
      'a description of 256 characters',
      { target_url: 'https://a.example.com/', event: 'x', description: 'd'.repeat(256) },
      'description',
    ],
    ['a private target_url', { target_url: 'http://127.0.0.1:3000/hook', event: 'x' }, 'target_url'],
    ['a target_url with credentials', { target_url: 'https://u:p@a.example.com/', event: 'x' }, 'target_url'],
    ['an ftp target_url', { target_url: 'ftp://a.example.com/', event: 'x' }, 'target_url'],
    [
      'a target_url of 2,049 characters',
      { target_url: `https://a.example.com/${'a'.repeat(2049 - 22)}`, event: 'x' },
      'target_url',
    ],
  ])('refuses %s with 422 validation_error naming the field', async (_name, body, field) => {
    const res = await create(body).expect(422);
    expect(res.body).toEqual({
      error: expect.any(String),
      code: 'validation_error',
      details: [expect.objectContaining({ field })],
      request_id: expect.any(String),
    });
  });

  test('answers 400 invalid_json to a body that is not JSON', async () => {
    const res = await request(api.app)
      .post('/api/subscriptions')
      .set('X-API-Key', org.key)
      .set('Content-Type', 'application/json')
      .send('{"target_url":')
      .expect(400);
    expect(res.body).toMatchObject({ code: 'invalid_json' });
  });

  test('needs an API key', async () => {
    const res = await request(api.app).post('/api/subscriptions').send({}).expect(401);
    expect(res.body).toMatchObject({ code: 'missing_api_key' });
  });

  test('the 101st subscription of an organization is refused with 409 subscription_limit', async () => {
    const full = await signUp(api.app);
    await sql`
      INSERT INTO subscriptions (org_id, target_url, event_types, secret)
      SELECT ${full.id}::uuid, 'https://a.example.com/' || n, ARRAY['*'], 'whsec_x' FROM generate_series(1, 99) n`.execute(
      api.database.db,
    );
    await create({ target_url: 'https://a.example.com/100', event: 'x' }, full.key).expect(201);
    const res = await create({ target_url: 'https://a.example.com/101', event: 'x' }, full.key).expect(409);
    expect(res.body).toEqual({
      error: 'An organization may have at most 100 subscriptions',
      code: 'subscription_limit',
      request_id: expect.any(String),
    });
  });

  test('twenty concurrent creations at 95 make exactly five more', async () => {
    const busy = await signUp(api.app);
    await sql`
      INSERT INTO subscriptions (org_id, target_url, event_types, secret)
      SELECT ${busy.id}::uuid, 'https://a.example.com/' || n, ARRAY['*'], 'whsec_x' FROM generate_series(1, 95) n`.execute(
      api.database.db,
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => create({ target_url: `https://b.example.com/${i}`, event: 'x' }, busy.key)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(15);
  });
});

describe('GET /api/subscriptions', () => {
  test('lists newest first, page by page with a cursor, never showing secrets', async () => {
    const lister = await signUp(api.app);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await create({ target_url: `https://l.example.com/${i}`, event: 'x' }, lister.key).expect(201)).body.id);
    }
    const first = await request(api.app).get('/api/subscriptions?limit=2').set('X-API-Key', lister.key).expect(200);
    expect(first.body).toEqual({ subscriptions: expect.any(Array), next_cursor: expect.any(String), has_more: true });
    const seen = [...first.body.subscriptions];
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await request(api.app)
        .get(`/api/subscriptions?limit=2&cursor=${cursor}`)
        .set('X-API-Key', lister.key)
        .expect(200);
      seen.push(...page.body.subscriptions);
      cursor = page.body.next_cursor;
    }
    expect(seen.map((s) => s.id)).toEqual([...made].reverse());
    expect(seen.every((s) => !('secret' in s))).toBe(true);
    expect(seen[0]).toEqual({
      id: made[4],
      target_url: 'https://l.example.com/4',
      event_types: ['x'],
      description: null,
      status: 'active',
      disabled_reason: null,
      disabled_at: null,
      circuit: { state: 'closed', opened_at: null, next_probe_at: null },
      created_at: expect.stringMatching(ISO_PATTERN),
      updated_at: expect.stringMatching(ISO_PATTERN),
    });
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=nope', 'cursor'],
    ['color=red', 'color'],
  ])('refuses %s with 422 naming it', async (query, field) => {
    const res = await request(api.app).get(`/api/subscriptions?${query}`).set('X-API-Key', org.key).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [expect.objectContaining({ field })] });
  });
});

describe('one subscription', () => {
  test('GET shows it, GET …/secret its secret', async () => {
    const created = (await create({ target_url: 'https://one.example.com/', event: 'x' }).expect(201)).body;
    const { secret, ...shown } = created;
    const res = await request(api.app).get(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).expect(200);
    expect(res.body).toEqual(shown);
    const s = await request(api.app).get(`/api/subscriptions/${created.id}/secret`).set('X-API-Key', org.key).expect(200);
    expect(s.body).toEqual({ secret });
  });

  test('PATCH changes the URL, patterns, description and status', async () => {
    const created = (await create({ target_url: 'https://p.example.com/', event: 'x' }).expect(201)).body;
    const res = await request(api.app)
      .patch(`/api/subscriptions/${created.id}`)
      .set('X-API-Key', org.key)
      .send({ target_url: 'https://q.example.com/', event_types: ['a.*', 'b'], description: 'now', status: 'paused' })
      .expect(200);
    expect(res.body).toMatchObject({
      id: created.id,
      target_url: 'https://q.example.com/',
      event_types: ['a.*', 'b'],
      description: 'now',
      status: 'paused',
    });
    const active = await request(api.app)
      .patch(`/api/subscriptions/${created.id}`)
      .set('X-API-Key', org.key)
      .send({ status: 'active' })
      .expect(200);
    expect(active.body.status).toBe('active');
  });

  test('GET shows its circuit breaker: open with when it opened and when its probe may go; a new target_url closes it', async () => {
    const created = (await create({ target_url: 'https://c.example.com/', event: 'x' }).expect(201)).body;
    const openedAt = new Date('2026-11-30T10:00:00.000Z');
    const probeAt = new Date('2026-11-30T10:02:00.000Z');
    await api.database.db
      .updateTable('subscriptions')
      .set({
        circuit_state: 'open',
        consecutive_failures: 12,
        circuit_opened_at: openedAt,
        circuit_next_probe_at: probeAt,
        circuit_cooloff_seconds: 120,
      })
      .where('id', '=', created.id)
      .execute();
    const open = await request(api.app).get(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).expect(200);
    expect(open.body.circuit).toEqual({ state: 'open', opened_at: openedAt.toISOString(), next_probe_at: probeAt.toISOString() });
    const listed = await request(api.app).get('/api/subscriptions?limit=100').set('X-API-Key', org.key).expect(200);
    expect(listed.body.subscriptions.find((s: { id: string }) => s.id === created.id).circuit.state).toBe('open');
    const moved = await request(api.app)
      .patch(`/api/subscriptions/${created.id}`)
      .set('X-API-Key', org.key)
      .send({ target_url: 'https://c2.example.com/' })
      .expect(200);
    expect(moved.body.circuit).toEqual({ state: 'closed', opened_at: null, next_probe_at: null });
    const row = await api.database.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.consecutive_failures).toBe(0);
  });

  test('PATCH status=active enables a disabled subscription again', async () => {
    const created = (await create({ target_url: 'https://d.example.com/', event: 'x' }).expect(201)).body;
    await api.database.db
      .updateTable('subscriptions')
      .set({ status: 'disabled', disabled_reason: 'gone', disabled_at: new Date() })
      .where('id', '=', created.id)
      .execute();
    const disabled = await request(api.app).get(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).expect(200);
    expect(disabled.body).toMatchObject({
      status: 'disabled',
      disabled_reason: 'gone',
      disabled_at: expect.stringMatching(ISO_PATTERN),
    });
    const res = await request(api.app)
      .patch(`/api/subscriptions/${created.id}`)
      .set('X-API-Key', org.key)
      .send({ status: 'active' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'active', disabled_reason: null, disabled_at: null });
  });

  test.each([
    ['an empty body', {}, 'body'],
    ['status disabled', { status: 'disabled' }, 'status'],
    ['an empty event_types', { event_types: [] }, 'event_types'],
    ['a private target_url', { target_url: 'http://10.0.0.1/' }, 'target_url'],
  ])('PATCH refuses %s with 422', async (_name, body, field) => {
    const created = (await create({ target_url: 'https://v.example.com/', event: 'x' }).expect(201)).body;
    const res = await request(api.app).patch(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).send(body).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [expect.objectContaining({ field })] });
  });

  test('POST …/secret/rotate gives a new secret and keeps the old one signing for 24 hours', async () => {
    const created = (await create({ target_url: 'https://r.example.com/', event: 'x' }).expect(201)).body;
    const before = Date.now();
    const res = await request(api.app)
      .post(`/api/subscriptions/${created.id}/secret/rotate`)
      .set('X-API-Key', org.key)
      .expect(200);
    expect(res.body).toEqual({
      secret: expect.stringMatching(SECRET_PATTERN),
      previous_secret_expires_at: expect.stringMatching(ISO_PATTERN),
    });
    expect(res.body.secret).not.toBe(created.secret);
    expect(Date.parse(res.body.previous_secret_expires_at)).toBeGreaterThanOrEqual(before + 24 * 3600_000 - 5000);
    const row = await api.database.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ secret: res.body.secret, previous_secret: created.secret });
  });

  test('DELETE answers 204, and the subscription is gone', async () => {
    const created = (await create({ target_url: 'https://del.example.com/', event: 'x' }).expect(201)).body;
    const res = await request(api.app).delete(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).expect(204);
    expect(res.text).toBe('');
    await request(api.app).get(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).expect(404);
    await request(api.app).delete(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).expect(404);
  });

  test("unknown, malformed and another organization's ids get 404 not_found on every route", async () => {
    const mine = (await create({ target_url: 'https://mine.example.com/', event: 'x' }).expect(201)).body;
    const other = await signUp(api.app);
    for (const [id, key] of [
      ['0190a1b2-0000-7000-8000-000000000000', org.key],
      ['not-a-uuid', org.key],
      [mine.id, other.key],
    ] as const) {
      const calls = [
        request(api.app).get(`/api/subscriptions/${id}`),
        request(api.app).patch(`/api/subscriptions/${id}`).send({ description: 'x' }),
        request(api.app).delete(`/api/subscriptions/${id}`),
        request(api.app).get(`/api/subscriptions/${id}/secret`),
        request(api.app).post(`/api/subscriptions/${id}/secret/rotate`),
      ];
      for (const call of calls) {
        const res = await call.set('X-API-Key', key).expect(404);
        expect(res.body).toEqual(notFound);
      }
    }
    // Untouched by the other organization's attempts.
    const still = await request(api.app).get(`/api/subscriptions/${mine.id}`).set('X-API-Key', org.key).expect(200);
    expect(still.body.description).toBeNull();
    const listed = await request(api.app).get('/api/subscriptions').set('X-API-Key', other.key).expect(200);
    expect(listed.body.subscriptions).toEqual([]);
  });

  test('answers 405 with an Allow header to PUT', async () => {
    const created = (await create({ target_url: 'https://m.example.com/', event: 'x' }).expect(201)).body;
    const res = await request(api.app).put(`/api/subscriptions/${created.id}`).set('X-API-Key', org.key).send({}).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
  });
});

describe('redelivery to one subscription', () => {
  test('queues a delivery to that subscription only, even one created after the event', async () => {
    const o = await signUp(api.app);
    const [event] = await insertEvents(api, o.id, [{ type: 'order.created', status: 'delivered' }]);
    const later = (await create({ target_url: 'https://later.example.com/', event: 'invoice.paid' }, o.key).expect(201)).body;
    await create({ target_url: 'https://other.example.com/', event: '*' }, o.key).expect(201);
    const res = await request(api.app)
      .post(`/api/events/${event?.id}/redeliver`)
      .set('X-API-Key', o.key)
      .send({ subscription_id: later.id })
      .expect(202);
    expect(res.body).toEqual({ id: event?.id, status: 'pending' });
    const jobs = await deliveryJobs(event?.id as string);
    expect(jobs.map((j) => [j.data.subscriptionId, j.group_id])).toEqual([[later.id, later.id]]);
    const shown = await request(api.app).get(`/api/events/${event?.id}`).set('X-API-Key', o.key).expect(200);
    expect(shown.body).toMatchObject({
      status: 'pending',
      deliveries: [
        {
          subscription_id: later.id,
          status: 'pending',
          attempts: 0,
          last_error: null,
          delivered_at: null,
          next_attempt_at: null,
        },
      ],
    });
    // Again while it is pending: nothing more is queued.
    await request(api.app)
      .post(`/api/events/${event?.id}/redeliver`)
      .set('X-API-Key', o.key)
      .send({ subscription_id: later.id })
      .expect(202);
    expect(await deliveryJobs(event?.id as string)).toHaveLength(1);
  });

  test('without a subscription_id, to every matching subscription', async () => {
    const o = await signUp(api.app);
    const a = (await create({ target_url: 'https://a.example.com/', event: 'order.*' }, o.key).expect(201)).body;
    const b = (await create({ target_url: 'https://b.example.com/', event_types: ['*'] }, o.key).expect(201)).body;
    await create({ target_url: 'https://c.example.com/', event: 'invoice.paid' }, o.key).expect(201);
    const [event] = await insertEvents(api, o.id, [{ type: 'order.created', status: 'failed' }]);
    await request(api.app).post(`/api/events/${event?.id}/redeliver`).set('X-API-Key', o.key).expect(202);
    const jobs = await deliveryJobs(event?.id as string);
    expect(jobs.map((j) => j.data.subscriptionId).sort()).toEqual([a.id, b.id].sort());
  });

  test("answers 404 to an unknown or another organization's subscription_id, 409 to a disabled one, 422 to a malformed one", async () => {
    const o = await signUp(api.app);
    const other = await signUp(api.app);
    const foreign = (await create({ target_url: 'https://f.example.com/', event: 'x' }, other.key).expect(201)).body;
    const disabled = (await create({ target_url: 'https://d.example.com/', event: 'x' }, o.key).expect(201)).body;
    await api.database.db
      .updateTable('subscriptions')
      .set({ status: 'disabled', disabled_reason: 'failing', disabled_at: new Date() })
      .where('id', '=', disabled.id)
      .execute();
    const [event] = await insertEvents(api, o.id, [{ type: 'x' }]);
    const redeliver = (body: object) =>
      request(api.app).post(`/api/events/${event?.id}/redeliver`).set('X-API-Key', o.key).send(body);
    expect((await redeliver({ subscription_id: foreign.id }).expect(404)).body).toEqual(notFound);
    expect((await redeliver({ subscription_id: '0190a1b2-0000-7000-8000-000000000000' }).expect(404)).body).toEqual(notFound);
    expect((await redeliver({ subscription_id: disabled.id }).expect(409)).body).toEqual({
      error: 'The subscription is disabled; set its status to active first',
      code: 'subscription_disabled',
      request_id: expect.any(String),
    });
    expect((await redeliver({ subscription_id: 'nope' }).expect(422)).body).toMatchObject({
      code: 'validation_error',
      details: [expect.objectContaining({ field: 'subscription_id' })],
    });
  });
});

describe('POST /api/events/replay', () => {
  test('queues a fresh delivery of every event in the range matching the type pattern and status', async () => {
    const o = await signUp(api.app, { tier: 'enterprise' });
    const sub = (await create({ target_url: 'https://replay.example.com/', event_types: ['*'] }, o.key).expect(201)).body;
    const t = Date.parse('2026-01-15T12:00:00.000Z');
    const inserted = await insertEvents(api, o.id, [
      { type: 'order.created', status: 'failed', createdAt: new Date(t) },
      { type: 'order.paid', status: 'failed', createdAt: new Date(t + 1000) },
      { type: 'order.paid', status: 'delivered', createdAt: new Date(t + 2000) },
      { type: 'invoice.paid', status: 'failed', createdAt: new Date(t + 3000) },
      { type: 'orders.x', status: 'failed', createdAt: new Date(t + 4000) },
      { type: 'order.late', status: 'failed', createdAt: new Date(t + 3_600_000) },
    ]);
    const res = await request(api.app)
      .post('/api/events/replay')
      .set('X-API-Key', o.key)
      .send({ from: '2026-01-15T12:00:00.000Z', to: '2026-01-15T13:00:00.000Z', type: 'order.*', status: 'failed' })
      .expect(202);
    expect(res.body).toEqual({ replayed: 2 });
    for (const [i, e] of inserted.entries()) {
      expect((await deliveryJobs(e.id)).map((j) => j.data.subscriptionId)).toEqual(i < 2 ? [sub.id] : []);
    }
    // The replayed events are pending again.
    const shown = await request(api.app).get(`/api/events/${inserted[0]?.id}`).set('X-API-Key', o.key).expect(200);
    expect(shown.body.status).toBe('pending');
  });

  test('with subscription_id, to that subscription only', async () => {
    const o = await signUp(api.app, { tier: 'enterprise' });
    const a = (await create({ target_url: 'https://a.example.com/', event_types: ['*'] }, o.key).expect(201)).body;
    await create({ target_url: 'https://b.example.com/', event_types: ['*'] }, o.key).expect(201);
    const t = Date.parse('2026-02-01T00:00:00.000Z');
    const [e] = await insertEvents(api, o.id, [{ type: 'x', status: 'delivered', createdAt: new Date(t) }]);
    const res = await request(api.app)
      .post('/api/events/replay')
      .set('X-API-Key', o.key)
      .send({ from: '2026-02-01T00:00:00Z', to: '2026-02-02T00:00:00Z', subscription_id: a.id })
      .expect(202);
    expect(res.body).toEqual({ replayed: 1 });
    expect((await deliveryJobs(e?.id as string)).map((j) => j.data.subscriptionId)).toEqual([a.id]);
  });

  test('counts each replayed event against the events budget: more than remains is 429, more than the tier allows 422; nothing is queued', async () => {
    const o = await signUp(api.app); // free: 100 events a minute
    await create({ target_url: 'https://a.example.com/', event_types: ['*'] }, o.key).expect(201);
    const t = Date.parse('2026-03-01T00:00:00.000Z');
    const events = await insertEvents(
      api,
      o.id,
      Array.from({ length: 150 }, (_, i) => ({
        type: i < 60 ? 'a' : 'b',
        status: 'failed' as const,
        createdAt: new Date(t + i),
      })),
    );
    const replay = (body: object) => request(api.app).post('/api/events/replay').set('X-API-Key', o.key).send(body);
    const range = { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' };
    const whole = await replay(range).expect(422);
    expect(whole.body).toMatchObject({ code: 'validation_error', details: [expect.objectContaining({ field: 'from' })] });
    const first = await replay({ ...range, type: 'a' }).expect(202);
    expect(first.body).toEqual({ replayed: 60 });
    expect(first.headers['x-ratelimit-remaining']).toBe('40');
    const over = await replay({ ...range, type: 'b' }).expect(429);
    expect(over.body).toMatchObject({ code: 'rate_limited' });
    expect(await deliveryJobs(events[100]?.id as string)).toEqual([]);
  });

  test.each([
    ['no from', { to: '2026-01-01T00:00:00Z' }, 'from'],
    ['to before from', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'to'],
    ['a status that is not one', { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', status: 'lost' }, 'status'],
    [
      'a malformed subscription_id',
      { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', subscription_id: 'x' },
      'subscription_id',
    ],
  ])('refuses %s with 422', async (_name, body, field) => {
    const res = await request(api.app).post('/api/events/replay').set('X-API-Key', org.key).send(body).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [expect.objectContaining({ field })] });
  });

  test("answers 404 to another organization's subscription_id", async () => {
    const other = await signUp(api.app);
    const foreign = (await create({ target_url: 'https://f.example.com/', event: 'x' }, other.key).expect(201)).body;
    const res = await request(api.app)
      .post('/api/events/replay')
      .set('X-API-Key', org.key)
      .send({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', subscription_id: foreign.id })
      .expect(404);
    expect(res.body).toEqual(notFound);
  });
});

describe('acknowledging', () => {
  test('cancels the event’s pending deliveries and their jobs', async () => {
    const o = await signUp(api.app);
    await create({ target_url: 'https://a.example.com/', event_types: ['*'] }, o.key).expect(201);
    const [event] = await insertEvents(api, o.id, [{ type: 'x', status: 'failed' }]);
    await request(api.app).post(`/api/events/${event?.id}/redeliver`).set('X-API-Key', o.key).expect(202);
    await request(api.app).post(`/api/ack/${event?.id}`).set('X-API-Key', o.key).expect(200);
    const shown = await request(api.app).get(`/api/events/${event?.id}`).set('X-API-Key', o.key).expect(200);
    expect(shown.body).toMatchObject({ status: 'delivered', deliveries: [{ status: 'cancelled' }] });
    const { rows } = await sql<{ state: string }>`
      SELECT state FROM pgboss.job WHERE name = ${DELIVERY_QUEUE} AND data->>'eventId' = ${event?.id}`.execute(api.database.db);
    expect(rows.map((r) => r.state)).toEqual(['cancelled']);
  });
});
