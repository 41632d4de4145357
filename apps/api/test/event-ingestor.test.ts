import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import { sql } from 'kysely';
import { EventIngestor, type IngestOutcome, type NewEventRequest } from '../src/events/event-ingestor.js';
import { signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

let api: TestApi;
let org: TestOrg;
let ingestor: EventIngestor;

beforeAll(async () => {
  api = await startApi();
  org = await signUp(api.app, { tier: 'enterprise' });
  ingestor = new EventIngestor({ db: api.database.db, boss: api.boss, dedupWindowSeconds: 60, newId: uuidv7 });
});
afterAll(async () => {
  await api.close();
});

const event = (type: string, dedupId: string | null = null): NewEventRequest => ({ orgId: org.id, type, payload: '{}', dedupId });

/** Submits in one tick: the first commits alone, the rest wait and share the next transaction. */
function submitTogether(requests: NewEventRequest[][]): Promise<PromiseSettledResult<IngestOutcome[]>[]> {
  return Promise.allSettled(requests.map((r) => ingestor.submit(r)));
}

describe('EventIngestor', () => {
  test('commits the requests that arrive while a transaction is in flight together', async () => {
    const results = await submitTogether(Array.from({ length: 20 }, (_, n) => [event(`together.${n}`)]));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const times = await sql<{
      t: number;
    }>`SELECT count(DISTINCT created_at)::int AS t FROM events WHERE type LIKE 'together.%'`.execute(api.database.db);
    // The first request commits alone; the other nineteen share one transaction (and its now()).
    expect(times.rows[0]?.t).toBe(2);
  });

  test('a request whose events fail in the database does not fail the others committed with it', async () => {
    // A CHECK that only the bad request's events break: its error must reach it alone.
    await sql`ALTER TABLE events ADD CONSTRAINT test_no_poison CHECK (type <> 'poison') NOT VALID`.execute(api.database.db);
    try {
      const results = await submitTogether(Array.from({ length: 10 }, (_, n) => [event(n === 5 ? 'poison' : `fine.${n}`)]));
      expect(results.map((r) => r.status)).toEqual(Array.from({ length: 10 }, (_, n) => (n === 5 ? 'rejected' : 'fulfilled')));
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events WHERE type LIKE 'fine.%'`.execute(
        api.database.db,
      );
      expect(rows[0]?.n).toBe(9);
    } finally {
      await sql`ALTER TABLE events DROP CONSTRAINT test_no_poison`.execute(api.database.db);
    }
  });

  test('within one transaction the first event with a dedup_id wins and later ones are its duplicates', async () => {
    const results = await submitTogether([[event('warm')], [event('a', 'same')], [event('b', 'same')], [event('c', 'same')]]);
    const [, first, second, third] = results.map((r) => (r.status === 'fulfilled' ? r.value[0] : undefined));
    expect(first?.kind).toBe('created');
    const firstId = first?.kind === 'created' ? first.id : undefined;
    expect(second).toEqual({ kind: 'duplicate', dedupId: 'same', eventId: firstId });
    expect(third).toEqual({ kind: 'duplicate', dedupId: 'same', eventId: firstId });
  });
});
