// Bundles the built daemon (dist/, from `tsc -b`) into dist/bin/: loading one file instead of
// several hundred modules cuts its cold start by ~200 ms here (see README, "Benchmark").
// Packages that load files of their own at run time stay external and are dependencies of
// this package, so they resolve from here: level (classic-level's native binding),
// web-tree-sitter (its .wasm runtime) and tree-sitter-bash (the grammar's .wasm, which
// @astrid/approval finds with require.resolve relative to the running module).
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'dist/main.js' },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: ['level', 'classic-level', 'web-tree-sitter', 'tree-sitter-bash', 'bufferutil', 'utf-8-validate'],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __astridRequire } from 'node:module'; const require = __astridRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
