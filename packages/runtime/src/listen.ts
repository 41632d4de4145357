import type { AddressInfo, Server } from 'node:net';
import type { Logger } from '@triggers/logger';

/** Starts `server` listening; resolves with its port, or rejects with the listen error (EADDRINUSE, EACCES…). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function reason(error: unknown, port: number, host: string): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use`;
    case 'EACCES':
      return `not allowed to listen on port ${port} on ${host}`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Awaits `listening` (a listen on `port`/`host`); if it fails (the port taken, not allowed, an
 * address not ours), logs one error line saying why, waits for the log to be written, and exits 1:
 * a process that cannot serve must not run on as if it did.
 */
export async function listenOrExit(
  logger: Logger,
  what: string,
  { port, host }: { port: number; host: string },
  listening: Promise<number>,
): Promise<number> {
  try {
    return await listening;
  } catch (error) {
    logger.error(`${what} cannot listen: ${reason(error, port, host)}`, {
      host,
      port,
      code: (error as NodeJS.ErrnoException).code,
    });
    await new Promise<void>((resolve) => {
      logger.once('finish', resolve);
      logger.end();
    });
    process.exit(1);
  }
}
