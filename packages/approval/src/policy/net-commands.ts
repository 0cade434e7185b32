import { posix } from 'node:path';
import type { CommandContext, Cwds } from './context.js';
import { type Endpoint, endpointFromHost, endpointFromUrl, type LocalFile, remoteSpec } from './endpoints.js';
import { hasOption, optionValues, type ParsedArgs, parseArgs } from './getopt.js';
import type { Handler } from './handler.js';
import type { CommandWord } from './types.js';
import { excerpt } from './words.js';

/**
 * Known network commands mapped to `network_request` actions (host, port, method), plus the
 * files they read and write, so `curl -T ~/.ssh/id_rsa https://x` is a read of the key and a
 * request to x, and `curl http://2130706433/` a request to 127.0.0.1.
 */

const word = (value: string): CommandWord => ({ value, literal: true, known: true });

function isLocal(target: Endpoint | LocalFile): target is LocalFile {
  return 'file' in target;
}

/** Records a request to a URL word; unknown or unparsable URLs make the command unresolved. */
function urlRequest(
  ctx: CommandContext,
  w: CommandWord,
  method: string,
  defaultScheme = 'http',
): Endpoint | undefined {
  if (!w.known) return undefined;
  const target = endpointFromUrl(w.value, defaultScheme);
  if (target === undefined) {
    ctx.unresolved(`${ctx.name}: cannot read the address ${excerpt(w.value)}`);
    return undefined;
  }
  if (isLocal(target)) {
    ctx.file('read', word(target.file));
    return undefined;
  }
  ctx.network(target.host, target.port, method, target.url);
  return target;
}

function hostRequest(ctx: CommandContext, raw: string, port: number, method: string): void {
  const target = endpointFromHost(raw, port, method.toLowerCase());
  if (target === undefined) ctx.unresolved(`${ctx.name}: cannot read the host ${excerpt(raw)}`);
  else ctx.network(target.host, target.port, method);
}

const CURL_VALUED_SHORT = 'AbcCdDEeFHKmoPQrTtuUwXxyYz';
const CURL_VALUED_LONG = [
  'data',
  'data-ascii',
  'data-binary',
  'data-raw',
  'data-urlencode',
  'json',
  'form',
  'form-string',
  'header',
  'proxy-header',
  'request',
  'url',
  'output',
  'output-dir',
  'upload-file',
  'user',
  'proxy-user',
  'proxy',
  'preproxy',
  'socks4',
  'socks4a',
  'socks5',
  'socks5-hostname',
  'config',
  'cookie',
  'cookie-jar',
  'referer',
  'user-agent',
  'cert',
  'key',
  'cacert',
  'capath',
  'connect-timeout',
  'max-time',
  'retry',
  'retry-delay',
  'retry-max-time',
  'range',
  'resolve',
  'connect-to',
  'interface',
  'local-port',
  'dns-servers',
  'unix-socket',
  'abstract-unix-socket',
  'write-out',
  'dump-header',
  'trace',
  'trace-ascii',
  'stderr',
  'limit-rate',
  'max-filesize',
  'time-cond',
  'continue-at',
  'netrc-file',
  'quote',
  'variable',
  'url-query',
  'oauth2-bearer',
  'aws-sigv4',
  'libcurl',
  'expect100-timeout',
];

function curl(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: CURL_VALUED_SHORT, long: CURL_VALUED_LONG });
  const urls = [...p.operands, ...optionValues(p, undefined, 'url')];
  const explicit = optionValues(p, 'X', 'request')[0];
  const data = p.options.filter(
    (o) => o.value && (o.name === 'd' || o.name === 'F' || /^(data|json|form)/.test(o.name)),
  );
  let method = 'GET';
  if (explicit?.known && /^[A-Za-z]{1,16}$/.test(explicit.value)) method = explicit.value.toUpperCase();
  else if (explicit) ctx.unresolved(`curl: request method ${excerpt(explicit.value)} not understood`);
  else if (hasOption(p, 'I', 'head')) method = 'HEAD';
  else if (hasOption(p, 'G', 'get')) method = 'GET';
  else if (optionValues(p, 'T', 'upload-file').length > 0) method = 'PUT';
  else if (data.length > 0) method = 'POST';
  const globOff = hasOption(p, 'g', 'globoff');
  for (const u of urls) {
    // curl expands {a,b} and [1-9] in URLs itself unless --globoff.
    if (
      !globOff &&
      /[{}]|\[(?!:*[0-9a-fA-F]*:)/.test(u.value.replace(/^[a-z]+:\/\/\[[0-9a-fA-F:.]+\]/i, ''))
    ) {
      ctx.unresolved(`curl expands a pattern in the URL ${excerpt(u.value)}`);
    }
    urlRequest(ctx, u, method);
  }
  for (const o of data) {
    const v = o.value?.value ?? '';
    const at =
      o.name === 'F' || o.name.startsWith('form') ? v.search(/=[@<]/) + 2 : v.startsWith('@') ? 1 : -1;
    if (at > 0 && o.value?.known && v.slice(at) !== '-')
      ctx.file('read', word(v.slice(at).split(';')[0] as string));
  }
  for (const f of optionValues(p, 'T', 'upload-file'))
    if (f.value !== '-' && f.value !== '.') ctx.file('read', f);
  for (const f of [
    ...optionValues(p, 'o', 'output'),
    ...optionValues(p, 'D', 'dump-header'),
    ...optionValues(p, 'c', 'cookie-jar'),
  ]) {
    if (f.value !== '-') ctx.file('write', f);
  }
  for (const o of ['trace', 'trace-ascii', 'stderr', 'libcurl'])
    for (const f of optionValues(p, undefined, o)) if (f.value !== '-') ctx.file('write', f);
  if (hasOption(p, 'O', 'remote-name') || hasOption(p, undefined, 'remote-name-all')) {
    const dir = optionValues(p, undefined, 'output-dir')[0];
    for (const u of urls) {
      const name = u.known ? posix.basename(u.value.split(/[?#]/)[0] ?? '') : '';
      if (name === '' || !u.known) continue;
      ctx.file('write', dir ? word(posix.join(dir.value, name)) : word(name));
    }
  }
  for (const f of optionValues(p, 'K', 'config')) {
    ctx.file('read', f);
    ctx.unresolved('curl reads more options from a config file');
  }
  for (const f of optionValues(p, 'b', 'cookie')) if (!f.value.includes('=')) ctx.file('read', f);
  for (const f of optionValues(p, undefined, 'netrc-file')) ctx.file('read', f);
  for (const proxy of [...optionValues(p, 'x', 'proxy'), ...optionValues(p, undefined, 'preproxy')])
    urlRequest(ctx, proxy, 'CONNECT');
  for (const o of ['socks4', 'socks4a', 'socks5', 'socks5-hostname'])
    for (const s of optionValues(p, undefined, o)) hostRequest(ctx, s.value, 1080, 'CONNECT');
  // --resolve/--connect-to replace DNS, so the address they give is where the request goes.
  for (const r of optionValues(p, undefined, 'resolve')) {
    for (const addr of r.value.split(':').slice(2).join(':').split(','))
      hostRequest(ctx, addr.trim(), 0, method);
  }
  for (const c of optionValues(p, undefined, 'connect-to')) {
    const parts = c.value.split(':');
    const host = parts.length >= 4 ? parts.slice(2, -1).join(':') : '';
    if (host !== '') hostRequest(ctx, host, Number(parts.at(-1)) || 0, method);
  }
  for (const s of [
    ...optionValues(p, undefined, 'unix-socket'),
    ...optionValues(p, undefined, 'abstract-unix-socket'),
  ]) {
    ctx.file('write', s);
  }
  return undefined;
}

const WGET_VALUED_SHORT = 'OoaPiBetTwQlUDXIAR';
const WGET_VALUED_LONG = [
  'output-document',
  'output-file',
  'append-output',
  'directory-prefix',
  'input-file',
  'base',
  'execute',
  'tries',
  'timeout',
  'wait',
  'quota',
  'level',
  'user-agent',
  'domains',
  'exclude-directories',
  'include-directories',
  'accept',
  'reject',
  'post-data',
  'post-file',
  'method',
  'body-data',
  'body-file',
  'header',
  'user',
  'password',
  'http-user',
  'http-password',
  'load-cookies',
  'save-cookies',
  'ca-certificate',
  'certificate',
  'private-key',
  'config',
  'referer',
  'bind-address',
  'limit-rate',
  'default-page',
  'proxy-user',
  'proxy-password',
  'read-timeout',
  'connect-timeout',
  'dns-timeout',
  'max-redirect',
  'waitretry',
];

function wget(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: WGET_VALUED_SHORT, long: WGET_VALUED_LONG });
  const explicit = optionValues(p, undefined, 'method')[0];
  const posts = ['post-data', 'post-file', 'body-data', 'body-file'].some((o) => hasOption(p, undefined, o));
  const method = explicit?.known ? explicit.value.toUpperCase() : posts ? 'POST' : 'GET';
  for (const u of p.operands) urlRequest(ctx, u, method);
  const prefix = optionValues(p, 'P', 'directory-prefix')[0];
  const outputs = optionValues(p, 'O', 'output-document');
  for (const f of outputs) if (f.value !== '-') ctx.file('write', f);
  const recursive = hasOption(p, 'r', 'recursive') || hasOption(p, 'm', 'mirror');
  if (recursive) {
    if (prefix) ctx.file('write', prefix, { recursive: true });
    else for (const c of ctx.cwds) ctx.filePath('write', c, true);
  } else if (outputs.length === 0) {
    for (const u of p.operands) {
      const name = u.known ? posix.basename(u.value.split(/[?#]/)[0] ?? '') || 'index.html' : '';
      if (name !== '') ctx.file('write', prefix ? word(posix.join(prefix.value, name)) : word(name));
    }
  }
  for (const f of [
    ...optionValues(p, 'o', 'output-file'),
    ...optionValues(p, 'a', 'append-output'),
    ...optionValues(p, undefined, 'save-cookies'),
  ]) {
    ctx.file('write', f);
  }
  for (const o of ['post-file', 'body-file', 'load-cookies'])
    for (const f of optionValues(p, undefined, o)) ctx.file('read', f);
  for (const f of optionValues(p, 'i', 'input-file')) {
    ctx.unresolved('wget reads the URLs from a file');
    if (f.value !== '-') ctx.file('read', f);
  }
  if (hasOption(p, 'e', 'execute') || hasOption(p, undefined, 'config'))
    ctx.unresolved('wget runs wgetrc commands');
  return undefined;
}

const SSH_VALUED = 'BbcDEeFIiJLlmOoPpQRSWw';
const SSH_LOCAL_COMMAND = /^(proxycommand|localcommand|permitlocalcommand|knownhostscommand|match)\b/i;

function sshOptions(ctx: CommandContext, p: ParsedArgs): { port?: number; hostname?: string } {
  let port: number | undefined;
  let hostname: string | undefined;
  for (const o of optionValues(p, 'o')) {
    if (SSH_LOCAL_COMMAND.test(o.value))
      ctx.unresolved(`ssh option runs a local command ${excerpt(o.value)}`);
    const m = /^(\w+)\s*[= ]\s*(.*)$/.exec(o.value);
    if (m?.[1]?.toLowerCase() === 'port') port = Number(m[2]);
    if (m?.[1]?.toLowerCase() === 'hostname') hostname = m[2];
    if (m?.[1]?.toLowerCase() === 'proxyjump')
      for (const j of (m[2] ?? '').split(',')) hostRequest(ctx, j, 22, 'SSH');
  }
  for (const f of optionValues(p, 'F')) {
    ctx.file('read', f);
    ctx.unresolved('ssh reads options (which can run commands) from a config file');
  }
  for (const j of optionValues(p, 'J')) for (const h of j.value.split(',')) hostRequest(ctx, h, 22, 'SSH');
  const explicit = optionValues(p, 'p')[0] ?? optionValues(p, 'P')[0];
  if (explicit && /^\d+$/.test(explicit.value)) port = Number(explicit.value);
  return { ...(port === undefined ? {} : { port }), ...(hostname === undefined ? {} : { hostname }) };
}

function ssh(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: SSH_VALUED, stopAtOperand: true });
  const { port, hostname } = sshOptions(ctx, p);
  const dest = p.operands[0];
  for (const f of optionValues(p, 'E')) ctx.file('write', f);
  for (const w of optionValues(p, 'W')) hostRequest(ctx, w.value, 22, 'CONNECT');
  if (dest === undefined || !dest.known) return undefined;
  if (dest.value.startsWith('ssh://')) {
    const t = endpointFromUrl(dest.value, 'ssh');
    if (t && !isLocal(t)) ctx.network(hostname ?? t.host, port ?? t.port, 'SSH');
    else ctx.unresolved(`ssh: cannot read the destination ${excerpt(dest.value)}`);
  } else if (hostname !== undefined) hostRequest(ctx, hostname, port ?? 22, 'SSH');
  else hostRequest(ctx, dest.value, port ?? 22, 'SSH');
  return undefined;
}

/** scp and rsync: `[user@]host:path` operands are remote; the last operand is the destination. */
function copyRemote(kind: 'scp' | 'rsync' | 'sftp'): Handler {
  return (ctx) => {
    const p =
      kind === 'rsync'
        ? parseArgs(ctx.args, {
            short: 'eBfTM',
            long: [
              'rsh',
              'rsync-path',
              'exclude',
              'include',
              'exclude-from',
              'include-from',
              'files-from',
              'filter',
              'password-file',
              'port',
              'partial-dir',
              'temp-dir',
              'backup-dir',
              'compare-dest',
              'copy-dest',
              'link-dest',
              'log-file',
              'chmod',
              'chown',
              'timeout',
              'bwlimit',
              'out-format',
              'suffix',
              'max-size',
              'min-size',
              'address',
              'write-batch',
              'read-batch',
              'remote-option',
            ],
          })
        : parseArgs(ctx.args, { short: kind === 'scp' ? 'cDFiJloPS' : 'BbcDFiJloPRsS' });
    const { port } = sshOptions(ctx, p);
    const rsyncPort = Number(optionValues(p, undefined, 'port')[0]?.value) || 873;
    for (const o of ['S', 'D'])
      if (optionValues(p, o).length > 0 && kind !== 'rsync') ctx.unresolved(`${kind} -${o} runs a program`);
    for (const rsh of optionValues(p, 'e', 'rsh')) {
      ctx.runsCode('rsync -e runs a remote shell command');
      if (rsh.known) ctx.shell(rsh.value, 'rsync -e');
    }
    for (const o of ['exclude-from', 'include-from', 'files-from', 'password-file', 'read-batch'])
      for (const f of optionValues(p, undefined, o)) ctx.file('read', f);
    for (const o of ['log-file', 'write-batch'])
      for (const f of optionValues(p, undefined, o)) ctx.file('write', f);
    if (kind === 'sftp') {
      for (const b of optionValues(p, 'b')) {
        ctx.file('read', b);
        ctx.unresolved('sftp runs transfer commands from a batch file');
      }
    }
    const recursive = kind === 'sftp' || hasOption(p, 'r', 'recursive') || hasOption(p, 'a', 'archive');
    const ops = p.operands;
    ops.forEach((op, i) => {
      if (!op.known) return;
      const last = i === ops.length - 1 && ops.length > 1;
      const v = op.value;
      if (/^(rsync|sftp|scp|ssh):\/\//.test(v)) {
        urlRequest(ctx, op, kind === 'rsync' && v.startsWith('rsync') ? 'RSYNC' : 'SSH');
        return;
      }
      const daemon = /^(?:[^@/]*@)?([^:/]+)::/.exec(v);
      if (kind === 'rsync' && daemon?.[1]) {
        ctx.network(daemon[1].toLowerCase(), rsyncPort, 'RSYNC');
        return;
      }
      const remote = kind === 'sftp' && i === 0 ? (remoteSpec(`${v}:`) ?? remoteSpec(v)) : remoteSpec(v);
      if (remote) {
        hostRequest(ctx, remote.host.includes(':') ? `[${remote.host}]` : remote.host, port ?? 22, 'SSH');
        return;
      }
      ctx.file(last ? 'write' : 'read', op, { recursive: recursive && !last });
    });
    return undefined;
  };
}

function netcat(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: 'IiMmOPpqsTVWwXxegGc' });
  for (const o of ['e', 'c'])
    if (optionValues(p, o).length > 0) ctx.unresolved(`${ctx.name} -${o} connects a program to the network`);
  for (const x of optionValues(p, 'x')) hostRequest(ctx, x.value, 1080, 'CONNECT');
  if (hasOption(p, 'U')) {
    ctx.file('write', p.operands[0]);
    return undefined;
  }
  if (hasOption(p, 'l')) {
    ctx.hidden(`${ctx.name} -l listens for incoming connections`);
    return undefined;
  }
  const [host, port] = p.operands;
  if (host?.known) {
    const portNumber = port?.known ? Number(/^\d+/.exec(port.value)?.[0] ?? Number.NaN) : 0;
    hostRequest(ctx, host.value, Number.isInteger(portNumber) ? portNumber : 0, 'CONNECT');
  }
  return undefined;
}

function telnet(ctx: CommandContext): Cwds | undefined {
  const p = parseArgs(ctx.args, { short: 'beElnX' });
  for (const f of optionValues(p, 'n')) ctx.file('write', f);
  const [host, port] = p.operands;
  if (host?.known)
    hostRequest(
      ctx,
      host.value,
      port?.known && /^\d+$/.test(port.value) ? Number(port.value) : 23,
      'CONNECT',
    );
  return undefined;
}

/** Hosts package managers talk to when installing, unless a registry option says otherwise. */
const REGISTRIES: Readonly<Record<string, readonly string[]>> = {
  npm: ['registry.npmjs.org'],
  pnpm: ['registry.npmjs.org'],
  yarn: ['registry.yarnpkg.com'],
  npx: ['registry.npmjs.org'],
  bun: ['registry.npmjs.org'],
  pip: ['pypi.org', 'files.pythonhosted.org'],
};
const NETWORK_SUBCOMMANDS = new Set([
  'install',
  'i',
  'ci',
  'add',
  'update',
  'up',
  'upgrade',
  'publish',
  'view',
  'info',
  'audit',
  'outdated',
  'dlx',
  'exec',
  'x',
  'create',
  'download',
  'search',
  'index',
]);

function packageManager(ctx: CommandContext): Cwds | undefined {
  const name = /^pip[0-9.]*$/.test(ctx.name) ? 'pip' : ctx.name;
  const args = ctx.args;
  if (args.length > 0 && args.every((w) => /^(--version|-v|-V|--help|-h)$/.test(w.value))) return undefined;
  ctx.runsCode(`${ctx.name} runs package scripts or build code`);
  const sub = args.find((w) => !w.value.startsWith('-'))?.value;
  if (name !== 'npx' && (sub === undefined || !NETWORK_SUBCOMMANDS.has(sub))) return undefined;
  const registries = args
    .flatMap((w, i) => {
      const m =
        /^--(registry|index-url|extra-index-url)(=(.*))?$/.exec(w.value) ??
        (w.value === '-i' ? ['', 'i', undefined, undefined] : null);
      if (!m) return [];
      const v = m[3] ?? args[i + 1]?.value;
      return v === undefined ? [] : [v];
    })
    .map((v) => word(v));
  if (registries.length > 0) for (const r of registries) urlRequest(ctx, r, 'GET', 'https');
  else for (const host of REGISTRIES[name] ?? []) ctx.network(host, 443, 'GET');
  return undefined;
}

/** Build and project tools: they run code the project (which the agent can edit) defines. */
function buildTool(ctx: CommandContext): Cwds | undefined {
  const args = ctx.args;
  if (args.length > 0 && args.every((w) => /^(--version|-v|-V|--help|-h)$/.test(w.value))) return undefined;
  ctx.runsCode(`${ctx.name} runs code defined by the project`);
  return undefined;
}

const BUILD_TOOLS = [
  'make',
  'gmake',
  'cmake',
  'ninja',
  'meson',
  'cargo',
  'go',
  'mvn',
  'gradle',
  'ant',
  'pytest',
  'tox',
  'nox',
  'poetry',
  'uv',
  'uvx',
  'pipx',
  'rake',
  'bundle',
  'composer',
  'dotnet',
  'swift',
  'mix',
  'stack',
  'cabal',
  'docker',
  'podman',
  'nerdctl',
  'kubectl',
  'helm',
  'terraform',
  'ansible',
  'ansible-playbook',
  'vagrant',
  'just',
  'task',
  'turbo',
  'nx',
  'jest',
  'vitest',
  'mocha',
  'tsc',
  'esbuild',
  'vite',
  'webpack',
  'rollup',
  'eslint',
  'prettier',
  'biome',
];

export { NETWORK_SUBCOMMANDS, packageManager };

/** Handlers for network commands, package managers and build tools. */
export const NET_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['curl', curl],
  ['wget', wget],
  ['ssh', ssh],
  ['scp', copyRemote('scp')],
  ['sftp', copyRemote('sftp')],
  ['rsync', copyRemote('rsync')],
  ['nc', netcat],
  ['ncat', netcat],
  ['netcat', netcat],
  ['telnet', telnet],
  ...Object.keys(REGISTRIES).map((n) => [n, packageManager] as [string, Handler]),
  ['pip3', packageManager],
  ...BUILD_TOOLS.map((n) => [n, buildTool] as [string, Handler]),
]);
