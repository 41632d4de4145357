import type { LookupAddress } from 'node:dns';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import { createDeliveryAgents } from '../src/delivery/ssrf-agent.js';
import { createOrg, enqueueEvent, findAttempts, findEvent } from './helpers/fixtures.js';
import { eventually, type Receiver, sleep, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

type Lookup = (hostname: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => void;

/**
 * Asks the agent to open a connection, with DNS answering `resolved` for any name, and reports
 * whether the agent refused it. A name the agent lets through is dropped as soon as its lookup
 * has passed the check, so nothing is dialled; a permitted literal address is only ever a local one.
 */
function attempt(allowPrivate: boolean, host: string, resolved?: string): Promise<'refused' | 'allowed'> {
  const { http } = createDeliveryAgents({ allowPrivate });
  const lookup: Lookup = (_hostname, options, cb) => {
    const address = resolved ?? host;
    const family = address.includes(':') ? 6 : 4;
    // Answered on a later tick, as real DNS is, so the socket's 'lookup' event can be seen.
    setImmediate(() => {
      if (options.all) cb(null, [{ address, family }] satisfies LookupAddress[]);
      else cb(null, address, family);
    });
  };
  const verdict = (error: Error | null | undefined) => (error && /is not allowed/.test(error.message) ? 'refused' : 'allowed');
  return new Promise((resolve) => {
    const socket = http.createConnection(
      { host, port: 9, lookup: lookup as never, autoSelectFamily: false },
      (error: Error | null) => {
        if (error) resolve(verdict(error));
      },
    ) as Duplex;
    socket.on('lookup', (error: Error | null) => {
      resolve(verdict(error));
      socket.destroy();
    });
    socket.on('error', (error: Error) => resolve(verdict(error)));
    socket.on('connect', () => {
      resolve('allowed');
      socket.destroy();
    });
  });
}

describe('the delivery agent', () => {
  const blocked: [string, string][] = [
    ['IPv4 loopback', '127.0.0.1'],
    ['IPv4 loopback elsewhere in 127/8', '127.8.9.10'],
    ['RFC 1918 10/8', '10.1.2.3'],
    ['RFC 1918 172.16/12', '172.20.0.5'],
    ['RFC 1918 192.168/16', '192.168.1.1'],
    ['link-local and cloud metadata', '169.254.169.254'],
    ['CGNAT 100.64/10', '100.64.0.1'],
    ['Alibaba metadata (CGNAT)', '100.100.100.200'],
    ['Azure wire server', '168.63.129.16'],
    ['unspecified', '0.0.0.0'],
    ['IPv6 loopback', '::1'],
    ['IPv6 unique local', 'fd00::1'],
    ['AWS IPv6 metadata', 'fd00:ec2::254'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv4-mapped IPv6 loopback', '::ffff:127.0.0.1'],
  ];

  test.each(blocked)('refuses %s (%s) given as a literal address', async (_name, address) => {
    expect(await attempt(false, address)).toBe('refused');
  });

  test.each(blocked)('refuses a host name that resolves to %s (%s)', async (_name, address) => {
    expect(await attempt(false, 'hooks.example.com', address)).toBe('refused');
  });

  test('lets a public address through', async () => {
    expect(await attempt(false, 'hooks.example.com', '93.184.216.34')).toBe('allowed');
    expect(await attempt(false, 'hooks.example.com', '2606:2800:220:1:248:1893:25c8:1946')).toBe('allowed');
  });

  test('lets private addresses through when WEBHOOK_ALLOW_PRIVATE=true', async () => {
    expect(await attempt(true, '127.0.0.1')).toBe('allowed');
    expect(await attempt(true, 'hooks.example.com', '10.0.0.1')).toBe('allowed');
  });
});

describe('a worker with WEBHOOK_ALLOW_PRIVATE=false', () => {
  let w: TestWorker;
  let r: Receiver;

  beforeAll(async () => {
    w = await startWorker(await createTestDatabase(), { WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_MAX_ATTEMPTS: '2' });
    r = await startReceiver();
  });

  afterAll(async () => {
    await w.stop();
    await r.close();
  });

  test.each([
    ['a loopback address', (port: string) => `http://127.0.0.1:${port}/hooks`],
    ['a name that resolves to loopback', (port: string) => `http://localhost:${port}/hooks`],
  ])('refuses to deliver to %s and records the refusal as a failed attempt', async (_name, url) => {
    const org = await createOrg(w.database.db, { webhookUrl: url(new URL(r.url).port) });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    const [attempt] = await eventually(async () => {
      const attempts = await findAttempts(w.database.db, id);
      return attempts.length > 0 ? attempts : null;
    });
    expect(attempt).toMatchObject({ attempt: 1, status_code: null });
    expect(attempt?.error).toMatch(/^refused: the webhook address is private/);
    expect((await findEvent(w.database.db, id)).last_error).toMatch(/^refused/);
    await sleep(200);
    expect(r.requests).toHaveLength(0);
  });
});
