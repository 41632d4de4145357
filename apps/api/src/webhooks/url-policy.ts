import ipaddr from 'ipaddr.js';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Address ranges a webhook may not name literally: unspecified (0.0.0.0/8, ::), loopback
 * (127/8, ::1), private (10/8, 172.16/12, 192.168/16), link-local and cloud metadata
 * (169.254/16, fe80::/10), carrier-grade NAT (100.64/10) and unique-local (fc00::/7).
 */
const REFUSED_RANGES = new Set(['unspecified', 'loopback', 'private', 'linkLocal', 'carrierGradeNat', 'uniqueLocal']);

/** An IPv6 address that carries an IPv4 one (::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16): that IPv4 address. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  if (range === 'ipv4Mapped') return address.toIPv4Address();
  const parts = address.parts;
  if (range === 'rfc6052') return new ipaddr.IPv4(toBytes(parts[6], parts[7]));
  if (range === '6to4') return new ipaddr.IPv4(toBytes(parts[1], parts[2]));
  return undefined;
}

function toBytes(high = 0, low = 0): number[] {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff];
}

/** True when `host` (a URL's hostname) is a literal address in a refused range, or `localhost`. */
export function isPrivateHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const literal = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (!ipaddr.isValid(literal)) return false;
  const address = ipaddr.parse(literal);
  if (REFUSED_RANGES.has(address.range())) return true;
  if (address.kind() === 'ipv6') {
    const v4 = embeddedIPv4(address as ipaddr.IPv6);
    return v4 !== undefined && REFUSED_RANGES.has(v4.range());
  }
  return false;
}

/**
 * Why `value` cannot be a webhook URL, or undefined when it can: it must be an absolute
 * http(s) URL of at most 2,048 characters without credentials and, unless `allowPrivate`,
 * must not name a private address literally. Host names are not resolved here; the worker
 * checks the resolved address at delivery time.
 */
export function webhookUrlProblem(value: string, options: { allowPrivate: boolean }): string | undefined {
  if (value.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http or https URL';
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  if (!options.allowPrivate && isPrivateHost(url.hostname)) {
    return 'must not point to a loopback, private, link-local or metadata address';
  }
  return undefined;
}
