import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../src/index.js';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const delivery = {
  event_id: randomUUID(),
  type: 'order.created',
  data: { order: 42, note: 'ünïcode' },
  created_at: new Date().toISOString(),
  attempt: 1,
};
const body = JSON.stringify(delivery);

function failure(fn: () => unknown): WebhookVerificationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error('verification passed');
}

describe('verifyWebhook', () => {
  test('accepts a delivery signed by the standardwebhooks package and returns its parsed body', () => {
    const secret = newSecret();
    const id = delivery.event_id;
    const now = new Date();
    const signature = new Webhook(secret).sign(id, now, body);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    expect(verifyWebhook(body, headers, secret)).toEqual(delivery);
  });

  test('signs deliveries that the standardwebhooks package verifies, one signature per secret', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const headers = signWebhook({ id: delivery.event_id, body, secrets: [current, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual(delivery);
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(delivery);
  });

  test('during a rotation accepts a delivery signed with either of several secrets', () => {
    const [current, previous, unrelated] = [newSecret(), newSecret(), newSecret()];
    const oldOnly = signWebhook({ id: delivery.event_id, body, secrets: [previous] });
    const newOnly = signWebhook({ id: delivery.event_id, body, secrets: [current] });
    const both = signWebhook({ id: delivery.event_id, body, secrets: [current, previous] });
    expect(verifyWebhook(body, oldOnly, [current, previous])).toEqual(delivery);
    expect(verifyWebhook(body, newOnly, [current, previous])).toEqual(delivery);
    expect(verifyWebhook(body, both, [previous])).toEqual(delivery);
    expect(failure(() => verifyWebhook(body, both, [unrelated])).code).toBe('invalid_signature');
  });

  test('verifies the raw bytes as they arrived, from a Buffer and with fetch Headers', () => {
    const secret = newSecret();
    const headers = signWebhook({ id: delivery.event_id, body, secrets: secret });
    expect(verifyWebhook(Buffer.from(body, 'utf8'), new Headers({ ...headers }), secret)).toEqual(delivery);
    expect(
      verifyWebhook(
        body,
        {
          'Webhook-Id': headers['webhook-id'],
          'Webhook-Timestamp': headers['webhook-timestamp'],
          'Webhook-Signature': headers['webhook-signature'],
        },
        secret,
      ),
    ).toEqual(delivery);
  });

  test('refuses with 401 invalid_signature a delivery signed with another secret, or whose body or id changed', () => {
    const secret = newSecret();
    const headers = signWebhook({ id: delivery.event_id, body, secrets: newSecret() });
    const wrongSecret = failure(() => verifyWebhook(body, headers, secret));
    expect([wrongSecret.status, wrongSecret.code]).toEqual([401, 'invalid_signature']);
    const signed = signWebhook({ id: delivery.event_id, body, secrets: secret });
    expect(failure(() => verifyWebhook(body.replace('42', '43'), signed, secret)).code).toBe('invalid_signature');
    expect(failure(() => verifyWebhook(body, { ...signed, 'webhook-id': randomUUID() }, secret)).code).toBe('invalid_signature');
    expect(failure(() => verifyWebhook(body, { ...signed, 'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl' }, secret)).code).toBe(
      'invalid_signature',
    );
    // A v2 (asymmetric) signature is not one this secret can check.
    const v2 = signed['webhook-signature'].replace('v1,', 'v1a,');
    expect(failure(() => verifyWebhook(body, { ...signed, 'webhook-signature': v2 }, secret)).code).toBe('invalid_signature');
  });

  test('accepts a timestamp within the tolerance either way and refuses one outside it with 401', () => {
    const secret = newSecret();
    const signedAt = new Date('2026-01-15T09:30:00Z');
    const headers = signWebhook({ id: delivery.event_id, body, secrets: secret, timestamp: signedAt });
    const at = (seconds: number) => () => new Date(signedAt.getTime() + seconds * 1000);
    expect(verifyWebhook(body, headers, secret, { now: at(300) })).toEqual(delivery);
    expect(verifyWebhook(body, headers, secret, { now: at(-300) })).toEqual(delivery);
    const late = failure(() => verifyWebhook(body, headers, secret, { now: at(301) }));
    expect([late.status, late.code]).toEqual([401, 'timestamp_out_of_tolerance']);
    expect(failure(() => verifyWebhook(body, headers, secret, { now: at(-301) })).code).toBe('timestamp_out_of_tolerance');
    expect(verifyWebhook(body, headers, secret, { now: at(3600), toleranceSeconds: 3600 })).toEqual(delivery);
  });

  test('refuses with 400 a delivery missing a header or with a timestamp that is not a number', () => {
    const secret = newSecret();
    const headers = signWebhook({ id: delivery.event_id, body, secrets: secret });
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _dropped, ...rest } = headers;
      const error = failure(() => verifyWebhook(body, rest, secret));
      expect([error.status, error.code]).toEqual([400, 'missing_headers']);
    }
    const error = failure(() => verifyWebhook(body, { ...headers, 'webhook-timestamp': '12e9' }, secret));
    expect([error.status, error.code]).toEqual([400, 'invalid_timestamp']);
  });

  test('refuses with 400 invalid_json a correctly signed body that is not a JSON object', () => {
    const secret = newSecret();
    for (const text of ['not json', '[1,2]', 'null']) {
      const headers = signWebhook({ id: delivery.event_id, body: text, secrets: secret });
      const error = failure(() => verifyWebhook(text, headers, secret));
      expect([error.status, error.code]).toEqual([400, 'invalid_json']);
    }
  });

  test('takes a secret without its whsec_ prefix, and throws a TypeError for no secret at all', () => {
    const secret = newSecret();
    const headers = signWebhook({ id: delivery.event_id, body, secrets: secret });
    expect(verifyWebhook(body, headers, secret.slice('whsec_'.length))).toEqual(delivery);
    expect(() => verifyWebhook(body, headers, [])).toThrow(TypeError);
    expect(() => verifyWebhook(body, headers, 'whsec_')).toThrow(TypeError);
  });
});
