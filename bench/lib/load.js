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
