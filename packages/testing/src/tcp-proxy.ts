import net from 'node:net';

export interface TcpProxy {
  /** The database URL, through the proxy. */
  url: string;
  /** The database vanishes: new connections are refused, open ones are dropped. */
  cut(): Promise<void>;
  /** The database is back, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of the Postgres server of `databaseUrl`, for tests of what a
 * process does when its database goes away and comes back (a restart, a failover, a network cut).
 */
export async function startTcpProxy(databaseUrl: string): Promise<TcpProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const listening = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        sockets.add(client);
        sockets.add(upstream);
        for (const socket of [client, upstream]) socket.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        server = listening;
        resolve((listening.address() as net.AddressInfo).port);
      });
    });

  const port = await listen(0);
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  const cut = async () => {
    const closing = server;
    server = undefined;
    if (!closing) return;
    await new Promise<void>((resolve) => {
      closing.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  return {
    url: url.toString(),
    cut,
    restore: async () => {
      if (!server) await listen(port);
    },
    close: cut,
  };
}
