/**
 * A webhook receiver to try delivery with: logs each event and, when WEBHOOK_SECRET holds the
 * organization's `whsec_` secret, checks the Standard Webhooks signature (HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`). No dependencies:
 *   RECEIVER_PORT=9000 WEBHOOK_SECRET=whsec_... node scripts/sample-receiver.js
 * Answers 204, or 401 for a bad signature. The docker-compose `demo` profile runs it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.RECEIVER_PORT ?? 9000);
const secret = process.env.WEBHOOK_SECRET?.trim() || undefined;

function signatureValid(headers, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest();
  // During a secret rotation there are two space-separated `v1,<base64>` signatures.
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((part) => {
      const given = Buffer.from(part.replace(/^v1,/, ''), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    const verified = secret ? signatureValid(req.headers, body) : undefined;
    const event = (() => {
      try {
        return JSON.parse(body);
      } catch {
        return {};
      }
    })();
    console.log(
      JSON.stringify({
        received_at: new Date().toISOString(),
        path: req.url,
        webhook_id: req.headers['webhook-id'],
        type: event.type,
        attempt: event.attempt,
        signature: verified === undefined ? 'not checked (no WEBHOOK_SECRET)' : verified ? 'valid' : 'INVALID',
      }),
    );
    res.writeHead(verified === false ? 401 : 204).end();
  });
}).listen(port, () => console.log(`sample receiver listening on :${port}`));
