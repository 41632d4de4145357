import { randomUUID } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { generateWebhookSecret } from '@triggers/webhooks';
import { Webhook } from 'standardwebhooks';
import { signWebhook } from '../src/index.js';

describe('signWebhook', () => {
  test('gives the same signature as the standardwebhooks package, for any body', () => {
    for (const body of ['{}', '{"data":{"note":"ünïcode ✓ 🎉"}}', JSON.stringify({ big: 'x'.repeat(300_000) })]) {
      const secret = generateWebhookSecret();
      const id = randomUUID();
      const timestamp = new Date();
      const headers = signWebhook({ id, body, secrets: [secret], timestamp });
      expect(headers['webhook-signature']).toBe(new Webhook(secret).sign(id, timestamp, body));
      expect(headers['webhook-timestamp']).toBe(String(Math.floor(timestamp.getTime() / 1000)));
      expect(new Webhook(secret).verify(body, headers)).toBeDefined();
    }
  });

  test('signs with every secret given, each verifying on its own', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"event_id":"e","attempt":1}';
    const headers = signWebhook({ id: 'msg_1', body, secrets: [current, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
  });

  test('refuses an empty secret', () => {
    expect(() => signWebhook({ id: 'm', body: '{}', secrets: ['whsec_'] })).toThrow("Secret can't be empty.");
  });
});
