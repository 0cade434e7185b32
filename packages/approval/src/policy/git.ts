import { posix } from 'node:path';
import type { CommandContext, Cwds } from './context.js';
import { endpointFromUrl, remoteSpec } from './endpoints.js';
import { hasOption, optionValues, parseArgs } from './getopt.js';
import type { CommandWord } from './types.js';
import { excerpt } from './words.js';

/**
 * git: global options (`-C` moves the cwd, `-c` sets configuration that can name programs
 * to run), remotes of push/pull/fetch/clone/ls-remote as network requests, and the
 * subcommands that rewrite repository configuration as writes of `.git/config`, which the
 * workspace rules protect like a direct edit.
 */

// Configuration keys that name a program, a hook directory or a command to run.
const CODE_KEYS =
  /(^alias\.|command|pager|editor|fsmonitor|hookspath|helper|external|program|textconv|\.cmd$|\.tool$|askpass|proxy|^protocol\.|^include|packobjectshook|^filter\.|^diff\.|^merge\.|^core\.gitproxy|sshcommand|^gpg\.)/i;

const word = (value: string): CommandWord => ({ value, literal: true, known: true });

function configEntry(ctx: CommandContext, entry: CommandWord | undefined, how: string): void {
  const key = entry?.value.split('=')[0] ?? '';
  if (!entry?.known || CODE_KEYS.test(key))
    ctx.unresolved(`git ${how} sets ${excerpt(key)}, which can run commands`);
  else ctx.runsCode(`git ${how} changes configuration for this command`);
}

function remote(ctx: CommandContext, sub: string, w: CommandWord | undefined, cwds: Cwds): void {
  const method = sub === 'push' ? 'PUSH' : 'FETCH';
  if (w === undefined) {
    ctx.hidden(`git ${sub} uses the default remote, whose address is in .git/config`);
    return;
  }
  if (!w.known) return;
  const v = w.value;
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(v)) {
    ctx.unresolved(`git remote helper ${excerpt(v)} runs a program`);
    return;
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(v)) {
    const target = endpointFromUrl(v);
    if (target === undefined) ctx.unresolved(`git: cannot read the remote ${excerpt(v)}`);
    else if ('file' in target) ctx.file('read', word(target.file), { cwds });
    else ctx.network(target.host, target.port, method, v);
    return;
  }
  if (/^(\/|\.\.?(\/|$)|~)/.test(v) || (sub === 'clone' && !v.includes(':'))) {
    ctx.file('read', w, { cwds });
    return;
  }
  const spec = remoteSpec(v);
  if (spec) ctx.network(spec.host, 22, method);
  else ctx.hidden(`git ${sub} talks to remote ${excerpt(v)}, whose address is in .git/config`);
}

function configFile(ctx: CommandContext, args: readonly CommandWord[], cwds: Cwds): void {
  const p = parseArgs(args, { short: 'f', long: ['file', 'blob', 'type', 'default', 'comment', 'value'] });
  const first = p.operands[0]?.value;
  const subcommand =
    first !== undefined && /^(get|list|set|unset|rename-section|remove-section|edit)$/.test(first);
  const readOnly =
    ['get', 'get-all', 'get-regexp', 'get-urlmatch', 'list', 'get-color', 'get-colorbool'].some((o) =>
      hasOption(p, undefined, o),
    ) ||
    hasOption(p, 'l') ||
    (subcommand
      ? first === 'get' || first === 'list'
      : p.operands.length < 2 &&
        !['unset', 'unset-all', 'add', 'replace-all', 'rename-section', 'remove-section', 'edit'].some((o) =>
          hasOption(p, undefined, o),
        ) &&
        !hasOption(p, 'e'));
  if (readOnly) return;
  if (hasOption(p, 'e', 'edit') || first === 'edit') ctx.runsCode('git config --edit opens an editor');
  const key = subcommand ? p.operands[1] : p.operands[0];
  if (key && CODE_KEYS.test(key.value))
    ctx.runsCode(`git config sets ${excerpt(key.value)}, which can run commands`);
  const file = optionValues(p, 'f', 'file')[0];
  if (file) ctx.file('write', file, { cwds });
  else if (hasOption(p, undefined, 'global')) ctx.file('write', word('~/.gitconfig'));
  else if (hasOption(p, undefined, 'system')) ctx.file('write', word('/etc/gitconfig'));
  else
    ctx.file('write', word(hasOption(p, undefined, 'worktree') ? '.git/config.worktree' : '.git/config'), {
      cwds,
    });
}

// Subcommands that run a shell string: read it like `sh -c`.
function runShell(ctx: CommandContext, strings: readonly CommandWord[], label: string, cwds: Cwds): void {
  for (const s of strings) {
    ctx.runsCode(`${label} runs a shell command`);
    if (!s.literal) ctx.unresolved(`${label} runs a non-literal command ${excerpt(s.value)}`);
    if (s.known) ctx.shell(s.value, label, cwds);
  }
}

/** `git [global options] <subcommand> [args]`. */
export function git(ctx: CommandContext): Cwds | undefined {
  const args = ctx.args;
  let cwds = ctx.cwds;
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i] as CommandWord;
    const t = w.value;
    if (t === '-C') {
      const dir = args[++i];
      if (dir) cwds = ctx.chdir(dir, cwds) ?? cwds;
    } else if (t === '-c') configEntry(ctx, args[++i], '-c');
    else if (t.startsWith('--config-env'))
      configEntry(ctx, t.includes('=') ? word(t.slice(13)) : args[++i], '--config-env');
    else if (t.startsWith('--exec-path=') || t.startsWith('--git-dir') || t === '--bare') {
      if (!t.startsWith('--bare'))
        ctx.unresolved(`git ${t.split('=')[0]} takes configuration and hooks from another directory`);
      if (t === '--git-dir') i++;
    } else if (t === '--work-tree' || t === '--namespace' || t === '--super-prefix') i++;
    else if (!t.startsWith('-')) break;
  }
  const sub = args[i]?.value;
  const rest = args.slice(i + 1);
  if (sub === undefined) return undefined;
  switch (sub) {
    case 'clone': {
      const p = parseArgs(rest, {
        short: 'obujc',
        long: [
          'origin',
          'branch',
          'upload-pack',
          'template',
          'config',
          'depth',
          'reference',
          'reference-if-able',
          'separate-git-dir',
          'jobs',
          'filter',
          'shallow-since',
          'shallow-exclude',
          'server-option',
          'bundle-uri',
        ],
      });
      if (optionValues(p, 'u', 'upload-pack').length > 0)
        ctx.unresolved('git clone --upload-pack runs a command');
      if (optionValues(p, undefined, 'template').length > 0)
        ctx.unresolved('git clone --template installs hooks');
      for (const c of optionValues(p, 'c', 'config')) configEntry(ctx, c, 'clone --config');
      const [repo, dir] = p.operands;
      remote(ctx, sub, repo, cwds);
      const name =
        dir ??
        (repo?.known
          ? word(posix.basename(repo.value.replace(/\/+$/, '')).replace(/\.git$/, ''))
          : undefined);
      if (name && name.value !== '') ctx.file('write', name, { cwds });
      return undefined;
    }
    case 'push':
    case 'pull':
    case 'fetch':
    case 'ls-remote': {
      const p = parseArgs(rest, {
        short: 'oj',
        long: [
          'repo',
          'push-option',
          'receive-pack',
          'exec',
          'upload-pack',
          'depth',
          'deepen',
          'shallow-since',
          'shallow-exclude',
          'jobs',
          'negotiation-tip',
          'server-option',
          'refmap',
          'filter',
          'sort',
          'strategy',
          'strategy-option',
        ],
      });
      for (const o of ['receive-pack', 'exec', 'upload-pack'])
        if (hasOption(p, undefined, o)) ctx.unresolved(`git ${sub} --${o} runs a command`);
      if (hasOption(p, undefined, 'all') || hasOption(p, undefined, 'multiple')) {
        ctx.hidden(`git ${sub} talks to every configured remote, whose addresses are in .git/config`);
        return undefined;
      }
      remote(ctx, sub, optionValues(p, undefined, 'repo')[0] ?? p.operands[0], cwds);
      return undefined;
    }
    case 'archive': {
      const p = parseArgs(rest, { short: 'o', long: ['remote', 'output', 'format', 'prefix', 'exec'] });
      for (const r of optionValues(p, undefined, 'remote')) remote(ctx, sub, r, cwds);
      for (const o of optionValues(p, 'o', 'output')) ctx.file('write', o, { cwds });
      return undefined;
    }
    case 'submodule':
      if (rest.some((w) => w.value === 'foreach')) {
        const i = rest.findIndex((w) => w.value === 'foreach');
        const script = rest.slice(i + 1).filter((w) => !w.value.startsWith('-'));
        runShell(ctx, script, 'git submodule foreach', cwds);
      } else ctx.hidden('git submodule talks to remotes listed in .gitmodules');
      return undefined;
    case 'rebase': {
      const p = parseArgs(rest, { short: 'xsXC', long: ['exec', 'onto', 'strategy', 'strategy-option'] });
      runShell(ctx, optionValues(p, 'x', 'exec'), 'git rebase --exec', cwds);
      return undefined;
    }
    case 'bisect':
      if (rest[0]?.value === 'run') {
        ctx.runsCode('git bisect run runs a command');
        ctx.run(rest.slice(1), 'git bisect run', cwds);
      }
      return undefined;
    case 'difftool':
    case 'mergetool': {
      const p = parseArgs(rest, { short: 'xt', long: ['extcmd', 'tool'] });
      runShell(ctx, optionValues(p, 'x', 'extcmd'), `git ${sub} --extcmd`, cwds);
      ctx.runsCode(`git ${sub} runs a configured tool`);
      return undefined;
    }
    case 'filter-branch': {
      const filters = [
        'tree-filter',
        'index-filter',
        'msg-filter',
        'env-filter',
        'commit-filter',
        'parent-filter',
        'tag-name-filter',
      ];
      const p = parseArgs(rest, { long: [...filters, 'subdirectory-filter', 'original', 'state-branch'] });
      for (const f of filters) runShell(ctx, optionValues(p, undefined, f), `git filter-branch --${f}`, cwds);
      return undefined;
    }
    case 'config':
      configFile(ctx, rest, cwds);
      return undefined;
    case 'remote':
      if (rest[0] && /^(add|set-url|rename|remove|rm|set-head|set-branches)$/.test(rest[0].value)) {
        ctx.file('write', word('.git/config'), { cwds });
      }
      return undefined;
    default:
      return undefined;
  }
}
