import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import request from 'supertest';
import { insertEvents, signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const replay = (org: TestOrg, body: Record<string, unknown>) =>
  request(api.app).post('/api/events/replay').set('X-API-Key', org.key).send(body);

const deliveriesOf = async (orgId: string) =>
  Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM deliveries WHERE org_id = ${orgId}`.execute(api.database.db)).rows[0]?.n,
  );

/** An organization with a subscription to everything and four failed events an hour old. */
async function orgWithFailedEvents(): Promise<TestOrg> {
  const org = await signUp(api.app);
  await request(api.app)
    .post('/api/subscriptions')
    .set('X-API-Key', org.key)
    .send({ target_url: 'https://example.com/hooks', event_types: ['*'] })
    .expect(201);
  const at = new Date(Date.now() - 3600_000);
  await insertEvents(api, org.id, [
    { type: 'order.created', status: 'failed', createdAt: at },
    { type: 'order.paid', status: 'failed', createdAt: at },
    { type: 'order.paid', status: 'delivered', createdAt: at },
    { type: 'invoice.paid', status: 'failed', createdAt: at },
  ]);
  return org;
}

const range = { from: new Date(Date.now() - 2 * 3600_000).toISOString(), to: new Date().toISOString() };

describe('POST /api/events/replay with dry_run', () => {
  test('counts the events the same replay would queue, and queues none', async () => {
    const org = await orgWithFailedEvents();
    const filter = { ...range, type: 'order.*', status: 'failed' };
    const dry = await replay(org, { ...filter, dry_run: true }).expect(200);
    expect(dry.body).toEqual({ would_replay: 2 });
    expect(await deliveriesOf(org.id)).toBe(0);

    const real = await replay(org, filter).expect(202);
    expect(real.body).toEqual({ replayed: 2 });
    expect(await deliveriesOf(org.id)).toBe(2);
  });

  test('counts one request against the budget, not one per matching event', async () => {
    const org = await orgWithFailedEvents();
    const first = await replay(org, { ...range, dry_run: true }).expect(200);
    const second = await replay(org, { ...range, dry_run: true }).expect(200);
    expect(second.body).toEqual({ would_replay: 4 });
    expect(Number(second.headers['x-ratelimit-remaining'])).toBe(Number(first.headers['x-ratelimit-remaining']) - 1);
    // The events budget is untouched: a real replay of the same four still fits a free minute's 100.
    const real = await replay(org, range).expect(202);
    expect(real.body).toEqual({ replayed: 4 });
    expect(Number(real.headers['x-ratelimit-remaining'])).toBe(Number(real.headers['x-ratelimit-limit']) - 4);
  });

  test('dry_run that is not a boolean is a 422 naming it', async () => {
    const org = await orgWithFailedEvents();
    const res = await replay(org, { ...range, dry_run: 'yes' }).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [{ field: 'dry_run' }] });
    expect(await deliveriesOf(org.id)).toBe(0);
  });
});
