// Bundles the built CLI (dist/, from `tsc -b`) into dist/bin/: one ES module for the
// management commands and a lazily loaded chunk for the chat REPL. Loading one file instead
// of a few hundred modules halves the time to a command's first output (see README,
// "Benchmarks"). Packages with files of their own to load at run time stay external.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'dist/main.js' },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // ink and react are direct dependencies (resolved from this package); ws's native helpers
  // are optional and absent.
  external: ['ink', 'react', 'react/*', 'bufferutil', 'utf-8-validate'],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __astridRequire } from 'node:module'; const require = __astridRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
