import type { CommandContext, Cwds } from './context.js';
import { endpointFromUrl, remoteSpec } from './endpoints.js';
import { hasOption, optionValues, type ParsedArgs, parseArgs } from './getopt.js';
import type { Handler } from './handler.js';
import { hostRequest, isLocal, urlRequest } from './net-common.js';
import { excerpt } from './words.js';

/**
 * ssh, scp, sftp, rsync, nc and telnet: the remote end as a `network_request` (SSH on port
 * 22 unless told otherwise), local operands as reads and writes, and the options that run
 * a local command (`ProxyCommand`, `-e`, `-S`) as unresolved.
 */

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

/** Handlers for remote-shell and raw-socket commands. */
export const REMOTE_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['ssh', ssh],
  ['scp', copyRemote('scp')],
  ['sftp', copyRemote('sftp')],
  ['rsync', copyRemote('rsync')],
  ['nc', netcat],
  ['ncat', netcat],
  ['netcat', netcat],
  ['telnet', telnet],
]);
