import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import request from 'supertest';
import { eventJson, fitPage, type PageEvent } from '../src/inbox/event-page.js';
import { insertEvent, signUp, startApi, type TestApi } from './helpers.js';

const sized = (...bytes: number[]) => bytes.map((payload_bytes) => ({ payload_bytes }));

describe('fitPage', () => {
  test('takes at most the limit', () => {
    expect(fitPage(sized(1, 1, 1, 1), 3, 100)).toBe(3);
  });

  test('takes each event while the payloads before it are under the byte cap', () => {
    expect(fitPage(sized(40, 40, 19, 1, 1), 10, 100)).toBe(4);
    expect(fitPage(sized(40, 40, 20, 1), 10, 100)).toBe(3);
    expect(fitPage(sized(40, 60, 1), 10, 100)).toBe(2);
  });

  test('always takes the first event, even one over the cap alone', () => {
    expect(fitPage(sized(500, 1), 10, 100)).toBe(1);
    expect(fitPage([], 10, 100)).toBe(0);
  });
});

describe('eventJson', () => {
  const event: PageEvent = {
    id: uuidv7(),
    org_id: uuidv7(),
    type: 'a","payload":{}',
    dedup_id: '"payload":{}',
    status: 'pending',
    attempts: 0,
    last_error: null,
    created_at: new Date('2026-01-15T09:30:00.000Z'),
    delivered_at: null,
    acknowledged_at: null,
    payload_bytes: 9,
  };

  test('writes the event as the inbox presents it, with the payload text spliced in as it is', () => {
    const parsed = JSON.parse(eventJson(event, '{"n": 1.0}'));
    expect(parsed).toEqual({
      id: event.id,
      type: event.type,
      payload: { n: 1 },
      dedup_id: event.dedup_id,
      status: 'pending',
      attempts: 0,
      created_at: '2026-01-15T09:30:00.000Z',
      delivered_at: null,
      last_error: null,
    });
  });
});

describe('GET /api/inbox payloads', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
  });

  test('come as stored, never through a parser: a number beyond double precision keeps every digit', async () => {
    const org = await signUp(api.app);
    await insertEvent(api, org.id, { payload: { big: 1 } });
    await api.database.db
      .updateTable('events')
      .set({ payload: '{"big": 12345678901234567890}' })
      .where('org_id', '=', org.id)
      .execute();
    const res = await request(api.app).get('/api/inbox').set('X-API-Key', org.key).expect(200);
    expect(res.text).toContain('"payload":{"big": 12345678901234567890}');
  });
});
