/**
 * Environment variables that change which program runs or inject code into one: setting
 * them (`PATH=/tmp/x ls`, `env LD_PRELOAD=... ls`, `export GIT_SSH_COMMAND=...`) means the
 * words of the command no longer say what executes.
 */
const CODE_VARIABLES = new Set([
  'PATH',
  'IFS',
  'ENV',
  'BASH_ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'CDPATH',
  'HOME',
  'ZDOTDIR',
  'XDG_CONFIG_HOME',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'PAGER',
  'MANPAGER',
  'GIT_PAGER',
  'EDITOR',
  'VISUAL',
  'GIT_EDITOR',
  'SUDO_ASKPASS',
  'SSH_ASKPASS',
  'GIT_ASKPASS',
  'LESSOPEN',
  'LESSCLOSE',
  'BROWSER',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_EXTERNAL_DIFF',
  'GIT_EXEC_PATH',
  'GIT_PROXY_COMMAND',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_CONFIG',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_TEMPLATE_DIR',
  'RSYNC_RSH',
  'CURL_HOME',
  'WGETRC',
  'NPM_CONFIG_USERCONFIG',
  'NPM_CONFIG_SCRIPT_SHELL',
  'MAKEFLAGS',
]);

const CODE_PREFIXES = ['LD_', 'DYLD_', 'BASH_FUNC_', 'GIT_CONFIG_KEY_', 'GIT_CONFIG_VALUE_'];

/** True for a variable whose value can decide what code a later command runs. */
export function isCodeVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return CODE_VARIABLES.has(upper) || CODE_PREFIXES.some((p) => upper.startsWith(p));
}
