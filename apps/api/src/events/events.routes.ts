import { type Database, isUuid, TIER_LIMITS } from '@triggers/db';
import { findEventAttempts, findEventDeliveries, findReplayEvents, findSubscription, requeueEvents } from '@triggers/delivery';
import type { PgBoss } from '@triggers/queue';
import { type Request, Router } from 'express';
import type { Kysely } from 'kysely';
import { HttpError } from '../http/http-error.js';
import { nestedDeeperThan, tooDeep } from '../http/json-depth.js';
import { route } from '../http/route.js';
import { isStorableJson, UNSTORABLE_TEXT } from '../http/storable-text.js';
import { toFieldErrors, validate } from '../http/validate.js';
import type { MemoryBudget } from '../memory/budget.js';
import { pageHeapCost } from '../memory/limits.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { RateBudgets } from '../rate-limit/rate-budgets.js';
import { subscriptionNotFound } from '../subscriptions/subscriptions.errors.js';
import { duplicateMessage } from './duplicate-message.js';
import type { EventIngestor, IngestOutcome, NewEventRequest } from './event-ingestor.js';
import { presentEvent } from './events.presenter.js';
import {
  batchSchema,
  type EventInput,
  eventSchema,
  idempotencyKeySchema,
  MAX_PAYLOAD_BYTES,
  PAYLOAD_TOO_LARGE,
  redeliverSchema,
  replayRange,
  replaySchema,
} from './events.schema.js';
import { traceBatchIngest, traceEventIngest } from './ingest-tracing.js';
import { findPayloadTexts, findSizedEvent, withPayloadJson } from './payload-text.js';

export interface EventsRoutesDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  ingestor: EventIngestor;
  budgets: RateBudgets;
  metrics: ApiMetrics;
  dedupWindowSeconds: number;
  /** Heap for the payloads the routes read back (memory/limits.ts). */
  memory: MemoryBudget;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const payloadTooLarge = () => new HttpError(413, 'payload_too_large', PAYLOAD_TOO_LARGE);

/** Checks one event's body: the event to ingest (its payload JSON-encoded), or the error to answer with. */
function prepare(orgId: string, input: unknown, fallbackDedupId?: string): NewEventRequest | HttpError {
  const { value, error } = eventSchema.validate(input, { abortEarly: false, stripUnknown: true });
  if (error) return HttpError.validation(toFieldErrors(error));
  const event = value as EventInput;
  if (nestedDeeperThan(event.payload)) return tooDeep('payload');
  const payload = JSON.stringify(event.payload);
  if (Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) return payloadTooLarge();
  if (!isStorableJson(event.payload))
    return HttpError.validation([{ field: 'payload', message: `'payload' ${UNSTORABLE_TEXT}` }]);
  return { orgId, type: event.type, payload, dedupId: event.dedup_id ?? fallbackDedupId ?? null };
}

export function eventsRoutes(deps: EventsRoutesDeps): Router {
  const router = Router();
  const duplicate = duplicateMessage(deps.dedupWindowSeconds);

  /** The 201 or 409 body of one outcome (without its status). */
  const body = (request: NewEventRequest, outcome: IngestOutcome) => {
    if (outcome.kind === 'duplicate') {
      deps.metrics.duplicates.inc();
      return { error: duplicate, code: 'duplicate_event', dedup_id: outcome.dedupId, event_id: outcome.eventId };
    }
    deps.metrics.eventsIngested.inc();
    return {
      id: outcome.id,
      type: request.type,
      status: 'pending',
      dedup_id: request.dedupId,
      created_at: outcome.createdAt.toISOString(),
    };
  };

  const idempotencyKey = (req: Request): string | undefined => {
    const header = req.get('idempotency-key');
    if (header === undefined) return undefined;
    // Node reads header bytes as Latin-1; a key sent as UTF-8 is read back as UTF-8.
    let key: string;
    try {
      key = utf8.decode(Buffer.from(header, 'latin1'));
    } catch {
      throw HttpError.validation([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be UTF-8 text' }]);
    }
    const { error } = idempotencyKeySchema.validate(key);
    if (error) throw HttpError.validation([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 255 characters' }]);
    return key;
  };

  route(router, '/api/events/batch', {
    post: [
      async (req, res) => {
        const { events } = validate(batchSchema, req.body);
        const org = res.locals.org;
        const wholeBudget = TIER_LIMITS[org.tier];
        if (events.length > wholeBudget) {
          throw HttpError.validation([
            { field: 'events', message: `'events' holds more than the ${wholeBudget} events a minute of the ${org.tier} tier` },
          ]);
        }
        // A batch of N counts N against the events budget: all of it fits, or nothing is stored.
        await deps.budgets.consumeEvents(res, events.length);
        const prepared = events.map((input) => prepare(org.id, input));
        const valid = prepared.filter((p): p is NewEventRequest => !(p instanceof HttpError));
        const outcomes = valid.length > 0 ? await traceBatchIngest(org.id, valid, (e) => deps.ingestor.submit(e)) : [];
        let next = 0;
        const results = prepared.map((p) => {
          if (p instanceof HttpError) return { status: p.status, error: p.message, code: p.code, ...p.extra };
          const outcome = outcomes[next++] as IngestOutcome;
          // Here `status` is the item's HTTP status (API.md): it replaces the event's 'pending'.
          const { status: _eventStatus, ...rest } = body(p, outcome) as Record<string, unknown>;
          return { status: outcome.kind === 'created' ? 201 : 409, ...rest };
        });
        res.json({ results });
      },
    ],
  });

  route(router, '/api/events', {
    post: [
      async (req, res) => {
        const prepared = prepare(res.locals.org.id, req.body, idempotencyKey(req));
        if (prepared instanceof HttpError) throw prepared;
        const outcome = await traceEventIngest(res.locals.org.id, prepared, async (e) => {
          const [one] = (await deps.ingestor.submit([e])) as [IngestOutcome];
          return one;
        });
        if (outcome.kind === 'created') res.status(201).json(body(prepared, outcome));
        else res.status(409).json({ ...body(prepared, outcome), request_id: req.id });
      },
    ],
  });

  route(router, '/api/events/replay', {
    post: [
      async (req, res) => {
        const body = validate(replaySchema, req.body);
        const orgId = res.locals.org.id;
        const subscriptionId = body.subscription_id?.toLowerCase();
        if (subscriptionId !== undefined) await deliverableSubscription(orgId, subscriptionId);
        const ids = await findReplayEvents(deps.db, orgId, {
          ...replayRange(body),
          type: body.type,
          status: body.status,
        });
        // A dry run only counts the events (what the dashboard shows before a replay): it costs one
        // request of the requests budget, like any read, and no event.
        if (body.dry_run) {
          await deps.budgets.consumeRequest(res);
          res.json({ would_replay: ids.length });
          return;
        }
        // Counts N against the events budget (API.md), as a batch does: more than the tier's whole
        // budget can never fit (422); more than remains is 429; either way nothing is queued.
        const wholeBudget = TIER_LIMITS[res.locals.org.tier];
        if (ids.length > wholeBudget) {
          throw HttpError.validation([
            {
              field: 'from',
              message: `the range holds more than the ${wholeBudget} events a minute of the ${res.locals.org.tier} tier`,
            },
          ]);
        }
        await deps.budgets.consumeEvents(res, Math.max(1, ids.length));
        const result = await deps.db.transaction().execute((trx) => requeueEvents(deps.boss, trx, orgId, ids, subscriptionId));
        res.status(202).json({ replayed: result.requeued.length });
      },
    ],
  });

  route(router, '/api/events/:id', {
    get: [
      async (req, res) => {
        const id = req.params.id;
        const orgId = res.locals.org.id;
        if (!isUuid(id)) throw HttpError.eventNotFound();
        // The payload is read as text and spliced in, never parsed (payload-text.ts), with its
        // heap reserved first: the text, then the response around it.
        const event = await findSizedEvent(deps.db, orgId, id);
        if (!event) throw HttpError.eventNotFound();
        const release = await deps.memory.reserve(pageHeapCost(event.payload_bytes, event.payload_bytes, 1));
        try {
          const [payloads, deliveries, attempts] = await Promise.all([
            findPayloadTexts(deps.db, orgId, [event.id]),
            findEventDeliveries(deps.db, event.id),
            findEventAttempts(deps.db, event.id),
          ]);
          const payload = payloads.get(event.id);
          if (payload === undefined) throw HttpError.eventNotFound();
          if (res.headersSent) return; // answered meanwhile (REQUEST_TIMEOUT_MS)
          res
            .type('application/json')
            .send(Buffer.from(withPayloadJson(presentEvent({ ...event, payload: {} }, deliveries, attempts), payload)));
        } finally {
          release();
        }
      },
    ],
  });

  /** The organization's subscription named in a body: 404 when unknown, 409 when disabled. */
  const deliverableSubscription = async (orgId: string, id: string): Promise<void> => {
    const subscription = await findSubscription(deps.db, orgId, id);
    if (!subscription) throw subscriptionNotFound();
    if (subscription.status === 'disabled') {
      throw new HttpError(409, 'subscription_disabled', 'The subscription is disabled; set its status to active first');
    }
  };

  route(router, '/api/events/:id/redeliver', {
    post: [
      async (req, res) => {
        const orgId = res.locals.org.id;
        if (!isUuid(req.params.id)) throw HttpError.eventNotFound();
        const id = req.params.id.toLowerCase();
        const body = validate(redeliverSchema, req.body ?? {});
        if (!(await findSizedEvent(deps.db, orgId, id))) throw HttpError.eventNotFound();
        const subscriptionId = body.subscription_id?.toLowerCase();
        if (subscriptionId !== undefined) await deliverableSubscription(orgId, subscriptionId);
        const result = await deps.db.transaction().execute((trx) => requeueEvents(deps.boss, trx, orgId, [id], subscriptionId));
        if (result.requeued.length === 0 && result.alreadyPending.length === 0) {
          throw new HttpError(409, 'no_subscription', 'No subscription to deliver this event to');
        }
        res.status(202).json({ id, status: 'pending' });
      },
    ],
  });

  return router;
}
