import { posix } from 'node:path';
import type { CommandContext, Cwds } from './context.js';
import { hasOption, optionValues, parseArgs } from './getopt.js';
import type { Handler } from './handler.js';
import { hostRequest, urlRequest, word } from './net-common.js';
import { excerpt } from './words.js';

/**
 * curl and wget mapped to `network_request` actions (host, port, method) plus the files
 * they read and write, so `curl -T ~/.ssh/id_rsa https://x` is a read of the key and a
 * request to x, and `curl http://2130706433/` a request to 127.0.0.1.
 */

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
    const reason = 'wget -r saves files named by the remote site';
    if (prefix) ctx.unknownBelow(prefix, reason);
    else for (const c of ctx.cwds) ctx.unknownBelow(c, reason);
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

/** Handlers for HTTP clients. */
export const HTTP_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['curl', curl],
  ['wget', wget],
]);
