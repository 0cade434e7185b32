import { promises as dns } from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * Host denial. Entries are CIDRs, single addresses, exact names or `*.suffix` names. An
 * address is checked in every form it can take: IPv4 written as one number, in octal or
 * hex (`2130706433`, `0177.0.0.1`, `0x7f.1` are all 127.0.0.1, as inet_aton and
 * getaddrinfo read them), IPv6 with brackets or a zone, and IPv4 embedded in IPv6
 * (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`).
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

interface HostEntry {
  readonly source: string;
  readonly cidr?: readonly [Address, number];
  readonly name?: string;
  readonly suffix?: string;
}

/** A compiled host list. */
export interface HostList {
  readonly entries: readonly HostEntry[];
}

/** Canonical host text: lower case, no brackets, no zone, no trailing dot. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const zone = h.indexOf('%');
  if (zone !== -1 && h.includes(':')) h = h.slice(0, zone);
  return h.replace(/\.+$/, '');
}

/** Parses a host as an IP address in any form a resolver would accept, or undefined for a name. */
export function parseAddress(host: string): Address | undefined {
  const h = normaliseHost(host);
  if (h === '' || !ipaddr.isValid(h)) return undefined;
  try {
    return ipaddr.parse(h);
  } catch {
    return undefined;
  }
}

/** Compiles host entries; throws RangeError naming an entry that is neither a CIDR, an IP nor a name. */
export function compileHostList(entries: readonly string[]): HostList {
  return {
    entries: entries.map((source) => {
      const text = normaliseHost(source);
      if (text.includes('/')) {
        try {
          return { source, cidr: ipaddr.parseCIDR(text) };
        } catch (cause) {
          throw new RangeError(`host entry ${JSON.stringify(source)} is not a valid CIDR`, { cause });
        }
      }
      const address = parseAddress(text);
      if (address) return { source, cidr: [address, address.kind() === 'ipv4' ? 32 : 128] as const };
      if (text.startsWith('*.')) return { source, suffix: text.slice(1) };
      if (!/^[a-z0-9_.-]+$/.test(text))
        throw new RangeError(`host entry ${JSON.stringify(source)} is not a host name`);
      return { source, name: text };
    }),
  };
}

/** Every IPv4 address an IPv6 address embeds (mapped, compatible, NAT64, 6to4). */
function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4[] {
  const p = addr.parts;
  const from = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const out: ipaddr.IPv4[] = [];
  if (addr.isIPv4MappedAddress()) out.push(addr.toIPv4Address());
  const [p0, p1, p2, p3, p4, p5, p6, p7] = p as unknown as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0 && (p6 !== 0 || p7 > 1))
    out.push(from(p6, p7));
  if (p0 === 0x64 && p1 === 0xff9b) out.push(from(p6, p7));
  if (p0 === 0x2002) out.push(from(p1, p2));
  return out;
}

/** The entry an address falls in, checking embedded IPv4 forms too. */
export function matchAddress(list: HostList, addr: Address): string | undefined {
  const forms: Address[] = [addr];
  if (addr.kind() === 'ipv6') forms.push(...embeddedIPv4(addr as ipaddr.IPv6));
  for (const entry of list.entries) {
    if (!entry.cidr) continue;
    const [range, bits] = entry.cidr;
    for (const form of forms) {
      if (form.kind() === range.kind() && form.match(range, bits)) return entry.source;
    }
  }
  return undefined;
}

/** The entry a host name matches (exact, or a `*.suffix` entry for a subdomain). */
export function matchName(list: HostList, host: string): string | undefined {
  const h = normaliseHost(host);
  for (const entry of list.entries) {
    if (entry.name !== undefined && entry.name === h) return entry.source;
    if (entry.suffix !== undefined && h.endsWith(entry.suffix)) return entry.source;
  }
  return undefined;
}

/** Resolves a name to all its addresses (A and AAAA), as the connecting program would. */
export type HostResolver = (host: string) => Promise<string[]>;

const RESOLVE_TIMEOUT_MS = 3000;

/** The default resolver: `dns.lookup` with `all`, bounded by a timeout. */
export const lookupAll: HostResolver = async (host) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`resolving ${host} timed out`)), RESOLVE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const answers = await Promise.race([dns.lookup(host, { all: true, verbatim: true }), timeout]);
    return answers.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
};
