import { globFixedPrefix, normaliseAbsolute, SYSTEM_DIRECTORIES } from './paths.js';

/** Credential stores under the user's home that every sandbox hides (relative to the home). */
export const HOME_SECRETS: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.config/gh',
  // Plain-text passwords that git and curl read by themselves.
  '.netrc',
  '.git-credentials',
];

/**
 * System paths that hold secrets or hand out root: password hashes, sudo rules, the SSH
 * host keys, TLS private keys, and container-engine sockets (a Unix socket stays
 * connectable on a read-only mount, and docker.sock is root on the host). Hidden in every
 * sandbox; they matter most when the daemon runs as root.
 */
export const SYSTEM_SECRETS: readonly string[] = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssh',
  '/etc/ssl/private',
  '/run/docker.sock',
  '/var/run/docker.sock',
  '/run/containerd/containerd.sock',
  '/run/podman/podman.sock',
];

/** Options for {@link defaultMaskPaths}. */
export interface DefaultMaskOptions {
  /** The user's home (absolute). */
  readonly home: string;
  /** Astrid's data dir: the daemon token, keys, database and socket (absolute). */
  readonly astridHome: string;
  /** The user id whose runtime dir (`/run/user/<uid>`: agent sockets, session bus) is hidden. */
  readonly uid?: number;
}

function absolute(name: string, value: string): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected a string`);
  if (!value.startsWith('/') || value.includes('\0')) {
    throw new RangeError(`"${name}" expected an absolute path, got ${JSON.stringify(value)}`);
  }
  return normaliseAbsolute(value);
}

/**
 * What every sandbox hides, before the configured `denied_paths`: `ASTRID_HOME`, the home's
 * credential stores ({@link HOME_SECRETS}), {@link SYSTEM_SECRETS}, and the user's runtime
 * dir (ssh-agent, gpg-agent and D-Bus sockets live there). Paths that do not exist are
 * dropped when the sandbox is built, so a store created later is still hidden next time.
 */
export function defaultMaskPaths(options: DefaultMaskOptions): string[] {
  const home = absolute('home', options.home);
  const astridHome = absolute('astridHome', options.astridHome);
  const out = [astridHome, ...HOME_SECRETS.map((p) => normaliseAbsolute(`${home}/${p}`)), ...SYSTEM_SECRETS];
  if (options.uid !== undefined) {
    if (!Number.isSafeInteger(options.uid) || options.uid < 0) {
      throw new RangeError(`"uid" expected a non-negative integer, got ${options.uid}`);
    }
    out.push(`/run/user/${options.uid}`);
  }
  return [...new Set(out)];
}

/** A `denied_paths` entry that cannot be expressed as a mount, and why. */
export interface SkippedPattern {
  readonly pattern: string;
  readonly reason: string;
}

/**
 * The configured `denied_paths` as paths to hide: `~` expanded with `home`, each glob cut
 * to its fixed prefix ({@link globFixedPrefix}), so `~/.config/gh/**` hides
 * `~/.config/gh` and `/data/[ab]/secret` hides all of `/data`. Entries that cannot be a
 * mount are returned in `skipped` with the reason (the policy still checks them for what it sees):
 * relative patterns, patterns whose prefix is `/`, and the system directories a command
 * needs (`/etc/**` leaves `/etc` visible; its known secrets are in {@link SYSTEM_SECRETS}).
 */
export function deniedPathMasks(
  patterns: readonly string[],
  home: string,
): { paths: string[]; skipped: SkippedPattern[] } {
  if (!Array.isArray(patterns)) throw new TypeError('"patterns" expected an array of strings');
  const h = absolute('home', home);
  const paths: string[] = [];
  const skipped: SkippedPattern[] = [];
  for (const pattern of patterns) {
    if (typeof pattern !== 'string') throw new TypeError('"patterns" expected an array of strings');
    let expanded = pattern;
    if (pattern === '~' || pattern.startsWith('~/')) expanded = `${h}${pattern.slice(1)}`;
    if (!expanded.startsWith('/') || expanded.includes('\0')) {
      skipped.push({ pattern, reason: 'not an absolute path' });
      continue;
    }
    const prefix = normaliseAbsolute(globFixedPrefix(expanded));
    if (SYSTEM_DIRECTORIES.includes(prefix)) {
      skipped.push({
        pattern,
        reason:
          prefix === '/'
            ? 'matches from the root; only the policy can check it'
            : `${prefix} is needed to run commands; only the policy checks it`,
      });
      continue;
    }
    paths.push(prefix);
  }
  return { paths: [...new Set(paths)], skipped };
}
