import type { CommandContext, Cwds } from './context.js';
import type { Handler } from './handler.js';
import { urlRequest, word } from './net-common.js';

/** Hosts package managers talk to when installing, unless a registry option says otherwise. */
const REGISTRIES: Readonly<Record<string, readonly string[]>> = {
  npm: ['registry.npmjs.org'],
  pnpm: ['registry.npmjs.org'],
  yarn: ['registry.yarnpkg.com'],
  npx: ['registry.npmjs.org'],
  bun: ['registry.npmjs.org'],
  pip: ['pypi.org', 'files.pythonhosted.org'],
};
/** Subcommands that reach the registry. */
export const NETWORK_SUBCOMMANDS = new Set([
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

/** npm, pnpm, yarn, pip...: package scripts run code; installing talks to the registry. */
export function packageManager(ctx: CommandContext): Cwds | undefined {
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

/** Handlers for package managers and build tools. */
export const PACKAGE_HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ...Object.keys(REGISTRIES).map((n) => [n, packageManager] as [string, Handler]),
  ['pip3', packageManager],
  ...BUILD_TOOLS.map((n) => [n, buildTool] as [string, Handler]),
]);
