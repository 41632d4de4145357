// A webhook receiver for the fan-out and fairness scenarios: answers 200 at once (or never, as a
// tar-pit) and notes when each (event, subscription) arrived.
import http from 'node:http';

export async function startFanOutReceiver({ hang = false } = {}) {
  /** event id -> arrival times, one per subscription that delivered it */
  const arrivals = new Map();
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      const id = req.headers['webhook-id'];
      const at = performance.timeOrigin + performance.now();
      arrivals.set(id, [...(arrivals.get(id) ?? []), at]);
      if (hang) return;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    arrivals,
    get requests() {
      return count;
    },
    /** Resolves once `events` events have each arrived `perEvent` times (or the deadline passed). */
    async waitFor(events, perEvent, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        let done = 0;
        for (const times of arrivals.values()) if (times.length >= perEvent) done++;
        if (done >= events) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
