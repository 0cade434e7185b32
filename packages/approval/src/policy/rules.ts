import { z } from 'zod';
import { escapeGlob } from './paths.js';

/**
 * Admin hard limits. Nothing downstream (capability tokens, approvals, workspace modes) can
 * override a denial from these rules. Paths may start with `~`; workspace patterns are
 * relative to the workspace root; hosts are CIDRs, IPs, names or `*.suffix` names.
 */
export interface PolicyRules {
  /**
   * Programs that never run. `sudo` blocks that program by basename, wherever it lives;
   * `mkfs*` is a glob on the basename; `/opt/x/tool` matches a program run by that path;
   * `rm -rf /` also requires those arguments (options in any order or spelling, extra
   * arguments allowed); `dd of=/dev/sd*` matches a `key=value` operand.
   */
  readonly blocked_commands: readonly string[];
  /** Paths never read, written or deleted (globs; `/etc/**` also covers `/etc` itself). */
  readonly denied_paths: readonly string[];
  /** Paths never written or deleted, relative to the workspace root. */
  readonly write_denied_in_workspace: readonly string[];
  /** Destinations never contacted, checked on the literal host and on every resolved address. */
  readonly denied_hosts: readonly string[];
  /** When set, only these destinations may be contacted (an empty list allows none). */
  readonly allowed_hosts?: readonly string[];
  /** Largest action (canonical JSON bytes) or command line (bytes) the policy accepts. */
  readonly max_argument_bytes: number;
}

const PathPattern = z
  .string()
  .min(1)
  .refine(
    (p) => p.startsWith('/') || p === '~' || p.startsWith('~/'),
    'expected an absolute or ~ path pattern',
  );
const RelativePattern = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.startsWith('~'),
    'expected a pattern relative to the workspace root',
  );

/** Validates policy rules from configuration. */
export const PolicyRulesSchema = z.strictObject({
  blocked_commands: z.array(z.string().trim().min(1)),
  denied_paths: z.array(PathPattern),
  write_denied_in_workspace: z.array(RelativePattern),
  denied_hosts: z.array(z.string().min(1)),
  allowed_hosts: z.array(z.string().min(1)).optional(),
  max_argument_bytes: z.number().int().positive(),
});

/** One MiB: the default cap on an action's or a command line's size. */
export const DEFAULT_MAX_ARGUMENT_BYTES = 1024 * 1024;

/** Programs blocked by default: privilege escalation, machine-wide damage, Astrid itself. */
export const DEFAULT_BLOCKED_COMMANDS: readonly string[] = [
  'sudo',
  'sudoedit',
  'su',
  'doas',
  'pkexec',
  'run0',
  'mkfs*',
  'shutdown',
  'reboot',
  'halt',
  'poweroff',
  'systemctl poweroff',
  'systemctl reboot',
  'systemctl halt',
  'systemctl kexec',
  'rm -rf /',
  'chmod -R 777 /',
  'dd of=/dev/{sd,hd,vd,xvd,nvme,mmcblk,md,dm-,loop,nbd,sr}*',
  'dd of=/dev/{disk,mapper}/**',
  'astrid',
  'astridd',
  'astrid-telegram',
];

/**
 * Addresses denied by default: unspecified, loopback, RFC 1918 private, CGNAT, link-local
 * (which holds 169.254.169.254, the cloud metadata service), IETF/benchmark ranges,
 * multicast and reserved, their IPv6 counterparts (fd00:ec2::254 is AWS's IPv6 metadata
 * address), Azure's wireserver, and the metadata host names.
 */
export const DEFAULT_DENIED_HOSTS: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '169.254.169.254',
  '168.63.129.16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  '100::/64',
  'fc00::/7',
  'fd00:ec2::254',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
  'localhost',
  '*.localhost',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
];

/** Workspace files that steer Astrid or git into running code, relative to the workspace root. */
export const DEFAULT_WRITE_DENIED_IN_WORKSPACE: readonly string[] = [
  '.astrid/**',
  '.git/hooks/**',
  '.git/config',
  '.git/config.worktree',
  '.git/modules/**/hooks/**',
  '.git/modules/**/config',
];

/**
 * The built-in policy for a user whose home is `home` and whose Astrid data lives in
 * `astridHome`: everything the issue lists, with `~` expanded and all of `astridHome`
 * denied (the agent must never read the daemon token or keys, nor edit its own policy).
 */
export function DEFAULT_POLICY_RULES(home: string, astridHome: string): PolicyRules {
  for (const [name, value] of [
    ['home', home],
    ['astridHome', astridHome],
  ] as const) {
    if (typeof value !== 'string' || !value.startsWith('/')) {
      throw new RangeError(`"${name}" expected an absolute path, got ${JSON.stringify(value)}`);
    }
  }
  // Escaped so that a home such as /home/a[1] is a literal prefix, not a character class.
  const h = escapeGlob(home.replace(/\/+$/, ''));
  const a = escapeGlob(astridHome.replace(/\/+$/, ''));
  return {
    blocked_commands: [...DEFAULT_BLOCKED_COMMANDS],
    denied_paths: [
      '/etc/**',
      '/boot/**',
      '/sys/**',
      '/proc/**',
      '/dev/**',
      `${h}/.ssh/**`,
      `${h}/.gnupg/**`,
      `${h}/.aws/**`,
      `${a}/**`,
    ],
    write_denied_in_workspace: [...DEFAULT_WRITE_DENIED_IN_WORKSPACE],
    denied_hosts: [...DEFAULT_DENIED_HOSTS],
    max_argument_bytes: DEFAULT_MAX_ARGUMENT_BYTES,
  };
}
