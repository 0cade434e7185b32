/** Variables passed from the daemon's environment to commands; everything else is dropped. */
export const BASH_ENV_ALLOWLIST: readonly string[] = [
  'PATH',
  'HOME',
  'LANG',
  'TERM',
  'USER',
  'SHELL',
  'TMPDIR',
];

// Variables that make bash run code or resolve names on its own: never set, not even from
// the admin's `[tools.bash] env`. BASH_FUNC_* would replace commands with functions.
const NEVER_SET =
  /^(BASH_ENV|ENV|CDPATH|SHELLOPTS|BASHOPTS|PROMPT_COMMAND|GLOBIGNORE|IFS|PS4|BASH_FUNC_.*|LD_.*)$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks `[tools.bash] env`: valid names, no NUL bytes, none of the shell-steering variables. */
export function checkExtraEnv(extra: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(extra)) {
    if (!NAME.test(name)) throw new RangeError(`"env" has an invalid variable name ${JSON.stringify(name)}`);
    if (NEVER_SET.test(name)) throw new RangeError(`"env" may not set ${name}: it makes bash run code`);
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new RangeError(`"env.${name}" expected a string without NUL bytes`);
    }
  }
}

/**
 * The environment a command sees: the allowlisted variables (`PATH`, `HOME`, `LANG`,
 * `LC_*`, `TERM`, `USER`, `SHELL`, `TMPDIR`) copied from `inherited`, plus the admin's
 * `extra` map. Nothing else reaches the child, so `SSH_AUTH_SOCK`, `AWS_*`, `GITHUB_TOKEN`,
 * provider keys and `ASTRID_*` stay in the daemon.
 */
export function buildChildEnv(
  inherited: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  checkExtraEnv(extra);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value === undefined || value.includes('\0')) continue;
    if (BASH_ENV_ALLOWLIST.includes(name) || /^LC_[A-Z_]+$/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}
