import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source (the `source` export condition), so
// tests never run a stale dist/. Vitest runs test files in Vite's SSR environment, whose
// resolver takes its conditions from `ssr.resolve`, not from the top-level `resolve`.
const conditions = ['source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.tsx',
      'examples/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
