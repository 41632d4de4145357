// The benchmark's webhook receiver: answers 200 at once and notes when each event id arrived.
import http from 'node:http';

export async function startDeliveryReceiver() {
  const arrivals = new Map();
  let count = 0;
  let waiter = null;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (!arrivals.has(id)) arrivals.set(id, performance.timeOrigin + performance.now());
      count++;
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
