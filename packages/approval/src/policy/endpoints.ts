/**
 * Turning the ways commands name a remote (URLs, `user@host`, `host:path`, `host:port`)
 * into host and port. Hosts come out as WHATWG URL parsing canonicalises them (lower case,
 * IPv4 in dotted form whatever way it was written, IPv6 without brackets); the policy
 * checks them again on the literal and on the resolved address.
 */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly scheme: string;
  readonly url?: string;
}

/** A URL that names a local file (`file:///etc/passwd`). */
export interface LocalFile {
  readonly file: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
  ftp: 21,
  ftps: 990,
  sftp: 22,
  scp: 22,
  ssh: 22,
  'git+ssh': 22,
  'ssh+git': 22,
  git: 9418,
  rsync: 873,
  gopher: 70,
  dict: 2628,
  ldap: 389,
  ldaps: 636,
  smtp: 25,
  smtps: 465,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  telnet: 23,
  tftp: 69,
  mqtt: 1883,
  rtsp: 554,
  smb: 445,
  smbs: 445,
};

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Parses a URL, adding `defaultScheme://` when it has none (curl and wget do). Returns a
 * local file for `file:` URLs and undefined for anything that does not parse or has an
 * unknown scheme without a port.
 */
export function endpointFromUrl(raw: string, defaultScheme = 'http'): Endpoint | LocalFile | undefined {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw) ? raw : `${defaultScheme}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'file') {
    try {
      return { file: decodeURIComponent(url.pathname) };
    } catch {
      return undefined;
    }
  }
  const port = url.port !== '' ? Number(url.port) : DEFAULT_PORTS[scheme];
  if (port === undefined || url.hostname === '') return undefined;
  return { host: stripBrackets(url.hostname), port, scheme, url: withScheme };
}

/**
 * Parses `[user@]host[:port]` (ssh destinations, nc/telnet hosts, proxies). A bracketed
 * IPv6 literal may carry a port after the bracket.
 */
export function endpointFromHost(raw: string, defaultPort: number, scheme: string): Endpoint | undefined {
  const at = raw.lastIndexOf('@');
  let rest = at === -1 ? raw : raw.slice(at + 1);
  let port = defaultPort;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return undefined;
    const after = rest.slice(close + 1);
    if (after.startsWith(':') && /^\d+$/.test(after.slice(1))) port = Number(after.slice(1));
    else if (after !== '') return undefined;
    rest = rest.slice(1, close);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h, p] = rest.split(':') as [string, string];
    if (!/^\d+$/.test(p)) return undefined;
    rest = h;
    port = Number(p);
  }
  if (rest === '' || port > 65535) return undefined;
  return { host: rest.toLowerCase(), port, scheme };
}

/**
 * Splits an scp/rsync/git "scp-like" operand: `[user@]host:path` is remote when there is a
 * colon before any slash (so `./a:b` and `/x:y` stay local paths).
 */
export function remoteSpec(raw: string): { host: string; path: string } | undefined {
  const m = /^(?:[^@/:[\]]*@)?(\[[^\]]+\]|[^:/[\]@]+):(.*)$/s.exec(raw);
  if (m === null) return undefined;
  const host = stripBrackets(m[1] as string).toLowerCase();
  return host === '' ? undefined : { host, path: m[2] as string };
}
