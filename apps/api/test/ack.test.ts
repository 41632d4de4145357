import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import request from 'supertest';
import { ISO_PATTERN, insertEvent, insertEvents, signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

function storedEvent(id: string) {
  return api.database.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

function ack(org: TestOrg, id: string) {
  return request(api.app).post(`/api/ack/${id}`).set('X-API-Key', org.key);
}

function ackMany(org: TestOrg, body: unknown) {
  return request(api.app)
    .post('/api/ack')
    .set('X-API-Key', org.key)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

const NOT_FOUND = { error: 'Event not found', code: 'not_found', request_id: expect.any(String) };

describe('POST /api/ack/:event_id', () => {
  test('marks the event delivered and acknowledged, delivered_at being the acknowledgement time', async () => {
    const org = await signUp(api.app);
    const event = await insertEvent(api, org.id);
    const id = event.id;
    const res = await ack(org, id).expect(200);
    expect(res.body).toEqual({ success: true, id, status: 'delivered', acknowledged_at: expect.stringMatching(ISO_PATTERN) });
    const row = await storedEvent(id);
    expect(row.status).toBe('delivered');
    expect(row.acknowledged_at?.toISOString()).toBe(res.body.acknowledged_at);
    expect(row.delivered_at?.toISOString()).toBe(res.body.acknowledged_at);
  });

  test('is idempotent: a second ack answers 200 with the first acknowledged_at', async () => {
    const org = await signUp(api.app);
    const event = await insertEvent(api, org.id);
    const first = await ack(org, event.id).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await ack(org, event.id).expect(200);
    expect(second.body).toEqual(first.body);
    expect((await storedEvent(event.id)).acknowledged_at?.toISOString()).toBe(first.body.acknowledged_at);
  });

  test('acknowledges a failed event, which then leaves the inbox', async () => {
    const org = await signUp(api.app);
    const failed = await insertEvent(api, org.id, { status: 'failed' });
    const other = await insertEvent(api, org.id);
    await ack(org, failed.id).expect(200);
    expect((await storedEvent(failed.id)).status).toBe('delivered');
    const inbox = await request(api.app).get('/api/inbox').set('X-API-Key', org.key).expect(200);
    expect(inbox.body.events.map((e: { id: string }) => e.id)).toEqual([other.id]);
    const delivered = await request(api.app).get('/api/inbox?status=delivered').set('X-API-Key', org.key).expect(200);
    expect(delivered.body.events.map((e: { id: string }) => e.id)).toEqual([failed.id]);
  });

  test('keeps the delivered_at of an event already delivered by push', async () => {
    const org = await signUp(api.app);
    const pushedAt = new Date(Date.now() - 60_000);
    const event = await insertEvent(api, org.id, { status: 'delivered', deliveredAt: pushedAt });
    const res = await ack(org, event.id).expect(200);
    const row = await storedEvent(event.id);
    expect(row.delivered_at?.toISOString()).toBe(pushedAt.toISOString());
    expect(row.acknowledged_at?.toISOString()).toBe(res.body.acknowledged_at);
  });

  test('shows the acknowledgement in GET /api/events/:id', async () => {
    const org = await signUp(api.app);
    const created = await request(api.app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .send({ type: 'a.b', payload: {} })
      .expect(201);
    const acked = await ack(org, created.body.id).expect(200);
    const event = await request(api.app).get(`/api/events/${created.body.id}`).set('X-API-Key', org.key).expect(200);
    expect(event.body).toMatchObject({ status: 'delivered', acknowledged_at: acked.body.acknowledged_at });
  });

  test('accepts the id in upper case', async () => {
    const org = await signUp(api.app);
    const event = await insertEvent(api, org.id);
    const res = await ack(org, event.id.toUpperCase()).expect(200);
    expect(res.body.id).toBe(event.id);
  });

  test('answers 404 not_found to an unknown id', async () => {
    const org = await signUp(api.app);
    const res = await ack(org, uuidv7()).expect(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  test.each(['not-a-uuid', '12345', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', "1' OR '1'='1", '%00', 'a'.repeat(300)])(
    'answers 404 not_found, never 500, to the malformed id %j',
    async (id) => {
      const org = await signUp(api.app);
      const res = await ack(org, encodeURIComponent(id)).expect(404);
      expect(res.body).toEqual(NOT_FOUND);
    },
  );

  test("answers 404 to another organization's event, exactly as to an unknown one, and leaves it alone", async () => {
    const owner = await signUp(api.app);
    const intruder = await signUp(api.app);
    const event = await insertEvent(api, owner.id);
    const res = await ack(intruder, event.id).expect(404);
    expect(res.body).toEqual(NOT_FOUND);
    const row = await storedEvent(event.id);
    expect(row.status).toBe('pending');
    expect(row.acknowledged_at).toBeNull();
  });

  test('needs an API key', async () => {
    const res = await request(api.app).post(`/api/ack/${uuidv7()}`).expect(401);
    expect(res.body.code).toBe('missing_api_key');
  });

  test('answers 405 with an Allow header to GET', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).get(`/api/ack/${uuidv7()}`).set('X-API-Key', org.key).expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.code).toBe('method_not_allowed');
  });
});

describe('POST /api/ack', () => {
  test('acknowledges the found ids and lists the rest, malformed and foreign ones included, as not_found', async () => {
    const org = await signUp(api.app);
    const other = await signUp(api.app);
    const a = await insertEvent(api, org.id);
    const b = await insertEvent(api, org.id, { status: 'failed' });
    const c = await insertEvent(api, org.id);
    const foreign = await insertEvent(api, other.id);
    const unknown = uuidv7();
    const res = await ackMany(org, { event_ids: [a.id, unknown, 'garbage', b.id, foreign.id, ''] }).expect(200);
    expect(res.body).toEqual({ acknowledged: [a.id, b.id], not_found: [unknown, 'garbage', foreign.id, ''] });
    for (const id of [a.id, b.id]) {
      const row = await storedEvent(id);
      expect(row).toMatchObject({ status: 'delivered', acknowledged_at: expect.any(Date) });
    }
    expect((await storedEvent(c.id)).acknowledged_at).toBeNull();
    expect((await storedEvent(foreign.id)).acknowledged_at).toBeNull();
  });

  test('is idempotent: acking again reports the ids acknowledged and keeps the first time', async () => {
    const org = await signUp(api.app);
    const a = await insertEvent(api, org.id);
    await ackMany(org, { event_ids: [a.id] }).expect(200);
    const first = (await storedEvent(a.id)).acknowledged_at;
    const again = await ackMany(org, { event_ids: [a.id] }).expect(200);
    expect(again.body).toEqual({ acknowledged: [a.id], not_found: [] });
    expect((await storedEvent(a.id)).acknowledged_at).toEqual(first);
    const single = await ack(org, a.id).expect(200);
    expect(single.body.acknowledged_at).toBe(first?.toISOString());
  });

  test('reports an id given twice once', async () => {
    const org = await signUp(api.app);
    const a = await insertEvent(api, org.id);
    const unknown = uuidv7();
    const res = await ackMany(org, { event_ids: [a.id, unknown, a.id, unknown] }).expect(200);
    expect(res.body).toEqual({ acknowledged: [a.id], not_found: [unknown] });
  });

  test('takes 1,000 ids in one request', async () => {
    const org = await signUp(api.app);
    const events = await insertEvents(
      api,
      org.id,
      Array.from({ length: 1000 }, () => ({})),
    );
    const ids = events.map((e) => e.id);
    const res = await ackMany(org, { event_ids: ids }).expect(200);
    expect(res.body).toEqual({ acknowledged: ids, not_found: [] });
    const inbox = await request(api.app).get('/api/inbox').set('X-API-Key', org.key).expect(200);
    expect(inbox.body.events).toEqual([]);
  });

  test('answers an empty list with empty results', async () => {
    const org = await signUp(api.app);
    const res = await ackMany(org, { event_ids: [] }).expect(200);
    expect(res.body).toEqual({ acknowledged: [], not_found: [] });
  });

  test.each([
    ['1,001 ids', { event_ids: Array.from({ length: 1001 }, () => uuidv7()) }, 'event_ids'],
    ['no event_ids', {}, 'event_ids'],
    ['event_ids null', { event_ids: null }, 'event_ids'],
    ['event_ids a string', { event_ids: 'abc' }, 'event_ids'],
    ['event_ids an object', { event_ids: { 0: 'abc' } }, 'event_ids'],
    ['a number among the ids', { event_ids: ['abc', 42] }, 'event_ids[1]'],
    ['null among the ids', { event_ids: [null] }, 'event_ids[0]'],
    ['an object among the ids', { event_ids: [{ id: 'x' }] }, 'event_ids[0]'],
    ['an array body', ['abc'], 'body'],
    ['a string body', 'abc', 'body'],
    ['a null body', null, 'body'],
  ])('refuses %s with 422 validation_error naming %s', async (_name, body, field) => {
    const org = await signUp(api.app);
    const res = await ackMany(org, body).expect(422);
    expect(res.body).toEqual({
      error: expect.any(String),
      code: 'validation_error',
      details: expect.arrayContaining([expect.objectContaining({ field })]),
      request_id: expect.any(String),
    });
  });

  test('refuses a body that is not JSON with 400 invalid_json', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app)
      .post('/api/ack')
      .set('X-API-Key', org.key)
      .set('Content-Type', 'application/json')
      .send('{"event_ids": [')
      .expect(400);
    expect(res.body).toEqual({ error: expect.any(String), code: 'invalid_json', request_id: expect.any(String) });
  });

  test('answers 405 with an Allow header to GET', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).get('/api/ack').set('X-API-Key', org.key).expect(405);
    expect(res.headers.allow).toBe('POST');
  });

  test('concurrent batches over the same events all succeed', async () => {
    const org = await signUp(api.app, { tier: 'pro' });
    const events = await insertEvents(
      api,
      org.id,
      Array.from({ length: 200 }, () => ({})),
    );
    const ids = events.map((e) => e.id);
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ackMany(org, { event_ids: i % 2 ? [...ids].reverse() : ids })),
    );
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.body.not_found).toEqual([]);
      expect(res.body.acknowledged).toHaveLength(200);
    }
    const rows = await api.database.db.selectFrom('events').select('acknowledged_at').where('org_id', '=', org.id).execute();
    expect(rows.every((r) => r.acknowledged_at !== null)).toBe(true);
  });
});
