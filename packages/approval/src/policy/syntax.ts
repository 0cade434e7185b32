import type { Node } from 'web-tree-sitter';
import type { PathOp } from './types.js';
import { type WordContext, wordFromNode } from './words.js';

/** What the walk needs to know about tree-sitter-bash node types and redirections. */

/** Node types that are statements: walked for commands, with cwd flow. */
export const STATEMENTS = new Set([
  'list',
  'pipeline',
  'subshell',
  'compound_statement',
  'redirected_statement',
  'command',
  'negated_command',
  'variable_assignment',
  'variable_assignments',
  'declaration_command',
  'unset_command',
  'function_definition',
  'if_statement',
  'elif_clause',
  'else_clause',
  'while_statement',
  'for_statement',
  'c_style_for_statement',
  'case_statement',
  'case_item',
  'do_group',
  'test_command',
  'ERROR',
  'program',
]);
/** Node types whose commands run to produce a word. */
export const SUBSTITUTIONS = new Set(['command_substitution', 'process_substitution']);
/** Redirection node types. */
export const REDIRECTS = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);

/** File accesses each redirection operator makes. */
export const REDIRECT_OPS: Readonly<Record<string, readonly PathOp[]>> = {
  '<': ['read'],
  '>': ['write'],
  '>>': ['write'],
  '>|': ['write'],
  '&>': ['write'],
  '&>>': ['write'],
  '<>': ['read', 'write'],
  '>&': ['write'],
  '<&': ['read'],
};

/** Literal program text a heredoc or here-string feeds to the command's stdin, if any. */
export function programOnStdin(redirects: readonly Node[], ctx: WordContext): string | undefined {
  for (const r of redirects) {
    if (r.type === 'herestring_redirect') {
      const value = r.namedChildren.find((c) => c !== null);
      if (!value) continue;
      const word = wordFromNode(value, { ...ctx, unresolved: () => {}, substitution: () => {} });
      return word.literal ? `${word.value}\n` : undefined;
    }
    if (r.type === 'heredoc_redirect') {
      const start = r.children.find((c) => c?.type === 'heredoc_start')?.text ?? '';
      const body = r.children.find((c) => c?.type === 'heredoc_body');
      if (!body) continue;
      const quoted = /['"\\]/.test(start);
      if (!quoted && body.namedChildren.length > 0) return undefined;
      const strip = r.children.some((c) => c?.type === '<<-');
      return strip ? body.text.replace(/^\t+/gm, '') : body.text;
    }
  }
  return undefined;
}
