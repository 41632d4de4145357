// The benchmark's webhook receiver: answers 200 at once and notes when each event id arrived.
import http from 'node:http';

/**
 * `hangFirst`: never answer the first delivery of each event id (the request stays open until the
 * sender goes away), answer the next ones. `onRequest(id, at)` is called on every request.
 */
export async function startDeliveryReceiver({ hangFirst = false, onRequest = () => {} } = {}) {
  const arrivals = new Map();
  let count = 0;
  let waiter = null;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      const at = performance.timeOrigin + performance.now();
      const first = !arrivals.has(id);
      if (first) arrivals.set(id, at);
      count++;
      onRequest(id, at);
      if (hangFirst && first) return;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
      if (waiter && arrivals.size >= waiter.target) {
        waiter.resolve();
        waiter = null;
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    arrivals,
    /** Requests received, duplicates included. */
    get requests() {
      return count;
    },
    reset() {
      arrivals.clear();
      count = 0;
    },
    /** Resolves once `target` distinct event ids have arrived. */
    waitForDistinct(target) {
      if (arrivals.size >= target) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { target, resolve };
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
