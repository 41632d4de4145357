import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Metadata endpoints that are ordinary public unicast addresses, so the range check below
 * cannot see them. (169.254.169.254, fd00:ec2::254 and Alibaba's 100.100.100.200 are already
 * link-local, unique-local and CGNAT.)
 */
const EXTRA_DENIED = ['168.63.129.16'];

/**
 * The agents every delivery goes through. request-filtering-agent checks the address a socket is
 * about to connect to, inside the agent's DNS lookup (and for literal IPs before connecting), so a
 * second DNS answer cannot swap the address after a check: what is checked is what is dialled.
 * It refuses everything ipaddr.js does not classify as public unicast: loopback, RFC 1918,
 * link-local (so 169.254.169.254), CGNAT 100.64/10, 0.0.0.0, multicast, reserved, and for IPv6
 * ::1, fc00::/7, fe80::/10, IPv4-mapped, NAT64 and 6to4 forms. With every address of a lookup
 * checked, happy-eyeballs (`all: true`) lookups are covered too.
 *
 * Keep-alive is safe here: a pooled socket was checked when it connected, and a socket is only
 * reused for the same host and port. The settings mirror Node's own global agent.
 */
export interface DeliveryAgents {
  http: RequestFilteringHttpAgent;
  https: RequestFilteringHttpsAgent;
}

export function createDeliveryAgents(options: { allowPrivate: boolean }): DeliveryAgents {
  const filter = {
    allowPrivateIPAddress: options.allowPrivate,
    allowMetaIPAddress: false,
    denyIPAddressList: options.allowPrivate ? [] : EXTRA_DENIED,
  };
  const pool = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5_000 };
  return {
    http: new RequestFilteringHttpAgent({ ...pool, ...filter }),
    https: new RequestFilteringHttpsAgent({ ...pool, ...filter }),
  };
}

/** The message request-filtering-agent gives a refused address. */
export function isRefusedAddressError(error: unknown): boolean {
  return error instanceof Error && /is not allowed\. Because/.test(error.message);
}
