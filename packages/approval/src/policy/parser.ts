import { createRequire } from 'node:module';
import { AstridError } from '@astrid/core';
import { Language, Parser, type Tree } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

let loading: Promise<Parser> | undefined;
let loaded: Parser | undefined;

/**
 * Loads web-tree-sitter and the bash grammar once per process; every later call shares the
 * same parser. A failed load is forgotten so that the next call retries.
 */
export function loadShellParser(): Promise<Parser> {
  if (loading === undefined) {
    loading = (async () => {
      await Parser.init();
      const bash = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
      const parser = new Parser();
      parser.setLanguage(bash);
      loaded = parser;
      return parser;
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/**
 * Parses `source` with the loaded parser and passes the tree to `use`, freeing the tree's
 * WASM memory afterwards (nodes must not escape `use`). Synchronous, so nested `bash -c`
 * strings can be parsed while an outer tree is being walked.
 */
export function withShellTree<T>(source: string, use: (tree: Tree) => T): T {
  if (loaded === undefined)
    throw new AstridError('INTERNAL', 'shell parser not loaded: await loadShellParser() first');
  const tree = loaded.parse(source);
  if (tree === null) throw new AstridError('INTERNAL', 'shell parser returned no tree');
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
