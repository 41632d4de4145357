// Drives one HTTP load phase with autocannon and summarizes it: throughput, exact latency
// percentiles from every response (autocannon's own summary has no p95), errors and non-2xx.
import autocannon from 'autocannon';

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * @param {{ url: string, headers?: Record<string,string>, body: string, connections: number,
 *   duration: number, overallRate?: number, expectStatus?: number }} options
 */
export async function runLoad(options) {
  const latencies = [];
  let unexpected = 0;
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    connections: options.connections,
    duration: options.duration,
    overallRate: options.overallRate,
    pipelining: 1,
    setupClient(client) {
      client.on('response', (statusCode, _bytes, responseTime) => {
        latencies.push(responseTime);
        if (statusCode !== (options.expectStatus ?? 201)) unexpected++;
      });
    },
  });
  latencies.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    throughput: result.requests.total / result.duration,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.timeouts,
    unexpectedStatus: unexpected,
  };
}

/**
 * An open-loop load at a fixed offered rate: request i is due at start + i/rate, sent when due
 * whatever earlier requests are doing (over a keep-alive pool of `connections` sockets), and its
 * latency counted from when it was due, so a slow server cannot slow the load down and hide its
 * own latency (no coordinated omission). autocannon's overallRate paces each connection on its
 * own timer, so its connections fire in step: bursts of `connections` requests.
 * @param {{ url: string, headers?: Record<string,string>, body: string, connections: number,
 *   duration: number, rate: number, expectStatus?: number }} options
 */
export async function runOpenLoop(options) {
  const { default: http } = await import('node:http');
  const { performance } = await import('node:perf_hooks');
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body), ...options.headers };
  const total = Math.round(options.rate * options.duration);
  const latencies = [];
  let errors = 0;
  let unexpected = 0;
  const pending = [];
  const start = performance.now();
  let sent = 0;
  const send = (due) =>
    new Promise((resolve) => {
      const req = http.request(
        { agent, hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode !== (options.expectStatus ?? 201)) unexpected++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(options.body);
    });
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / options.rate <= now) {
        pending.push(send(start + (sent * 1000) / options.rate));
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: total,
    throughput: total / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors,
    unexpectedStatus: unexpected,
  };
}
