import type { Node } from 'web-tree-sitter';
import { decodeAnsiC } from './ansi-c.js';
import { escapeGlob } from './paths.js';
import type { CommandWord } from './types.js';

/** What turning a syntax node into a word needs from the analysis around it. */
export interface WordContext {
  readonly home: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Records why the command cannot be judged from its text. */
  unresolved(reason: string): void;
  /** Analyses the commands inside a `$(...)`, backtick or `<(...)` node: they run too. */
  substitution(node: Node): void;
}

const SUBSTITUTIONS = new Set(['command_substitution', 'process_substitution']);

/** Short quoted excerpt of a node's text for a reason message. */
export function excerpt(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 48)}…` : text);
}

/** Analyses every outermost substitution below `node`; used where words are not interpreted. */
export function scanSubstitutions(node: Node, ctx: WordContext): void {
  for (const child of node.children) {
    if (child === null) continue;
    if (SUBSTITUTIONS.has(child.type)) {
      ctx.unresolved(`${child.type.replace('_', ' ')} ${excerpt(child.text)}`);
      ctx.substitution(child);
    } else if (child.childCount > 0) scanSubstitutions(child, ctx);
  }
}

// Accumulates a word from its parts: the value the program would see, a picomatch pattern
// for glob words, and a "view" where quoted characters are masked so that brace expansion
// is detected only on unquoted braces and commas.
class WordBuilder {
  value = '';
  pattern = '';
  view = '';
  literal = true;
  known = true;
  glob = false;
  leadOpen = true;
  leadLength = 0;

  unquoted(text: string): void {
    const bracket = /\[[^\]]+\]/.test(text);
    for (const c of text) {
      if (c === '*' || c === '?' || (bracket && (c === '[' || c === ']'))) {
        this.glob = true;
        this.pattern += c;
      } else this.pattern += escapeGlob(c);
    }
    this.value += text;
    this.view += text;
    if (this.leadOpen) this.leadLength += text.length;
  }

  quoted(text: string): void {
    this.value += text;
    this.pattern += escapeGlob(text);
    this.view += '_'.repeat(text.length);
    this.leadOpen = false;
  }

  expanded(text: string, known: boolean): void {
    this.value += text;
    this.pattern += known ? escapeGlob(text) : '*';
    this.view += '_'.repeat(text.length);
    this.literal = false;
    if (!known) this.known = false;
    this.leadOpen = false;
  }
}

/** Reads one argument node as the shell would expand it, recording what cannot be known. */
export function wordFromNode(node: Node, ctx: WordContext): CommandWord {
  const b = new WordBuilder();
  append(node, ctx, b, false);
  return finish(b, ctx);
}

/** A word given directly as argv (no shell): every character is literal. */
export function literalWord(value: string): CommandWord {
  return { value, literal: true, known: true };
}

function unquotedWord(raw: string, b: WordBuilder): void {
  let run = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i] as string;
      if (run) b.unquoted(run);
      run = '';
      if (next !== '\n') b.quoted(next);
    } else run += c;
  }
  if (run) b.unquoted(run);
}

// Inside double quotes a backslash only escapes $ ` " \ and newline.
function doubleQuotedText(raw: string, b: WordBuilder): void {
  b.quoted(raw.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c)));
}

function variableValue(node: Node, ctx: WordContext): string | undefined {
  const named = node.namedChildren;
  const only = named.length === 1 ? named[0] : undefined;
  if (only?.type !== 'variable_name') return undefined;
  if (only.text === 'PWD') return ctx.cwd;
  return Object.hasOwn(ctx.env, only.text) ? ctx.env[only.text] : undefined;
}

function append(node: Node, ctx: WordContext, b: WordBuilder, inQuotes: boolean): void {
  switch (node.type) {
    case 'word':
      if (inQuotes) b.quoted(node.text);
      else unquotedWord(node.text, b);
      return;
    case 'number':
    case 'variable_name':
      if (inQuotes) b.quoted(node.text);
      else b.unquoted(node.text);
      return;
    case 'string_content':
      doubleQuotedText(node.text, b);
      return;
    case 'raw_string':
      b.quoted(node.text.slice(1, -1));
      return;
    case 'ansi_c_string': {
      const decoded = decodeAnsiC(node.text.slice(2, -1));
      if (decoded === undefined) {
        ctx.unresolved(`undecodable ANSI-C string ${excerpt(node.text)}`);
        b.expanded(node.text, false);
      } else b.quoted(decoded);
      return;
    }
    case 'string':
    case 'translated_string':
    case 'concatenation':
    case 'command_name':
      for (const child of node.children) {
        if (child === null || child.type === '"' || child.type === '$"') continue;
        append(child, ctx, b, inQuotes || (node.type !== 'concatenation' && node.type !== 'command_name'));
      }
      return;
    case 'simple_expansion':
    case 'expansion': {
      ctx.unresolved(`parameter expansion ${excerpt(node.text)}`);
      scanSubstitutions(node, ctx);
      const value = variableValue(node, ctx);
      b.expanded(value ?? node.text, value !== undefined);
      return;
    }
    case 'command_substitution':
    case 'process_substitution':
      ctx.unresolved(`${node.type.replace('_', ' ')} ${excerpt(node.text)}`);
      ctx.substitution(node);
      b.expanded(node.text, false);
      return;
    case 'arithmetic_expansion':
      ctx.unresolved(`arithmetic expansion ${excerpt(node.text)}`);
      scanSubstitutions(node, ctx);
      b.expanded(node.text, false);
      return;
    case 'brace_expression':
      ctx.unresolved(`brace expansion ${excerpt(node.text)}`);
      b.expanded(node.text, false);
      return;
    default:
      if (!node.isNamed && inQuotes) {
        b.quoted(node.text);
        return;
      }
      ctx.unresolved(`unsupported word syntax (${node.type}) ${excerpt(node.text)}`);
      scanSubstitutions(node, ctx);
      b.expanded(node.text, false);
  }
}

const ASSIGNMENT_TILDE = /^([A-Za-z_][A-Za-z0-9_]*=)~(?=\/|$)/;

function finish(b: WordBuilder, ctx: WordContext): CommandWord {
  let { value, pattern } = b;
  const lead = value.slice(0, b.leadLength);
  if (lead.startsWith('~')) {
    const end = value.indexOf('/') === -1 ? value.length : value.indexOf('/');
    const user = value.slice(1, end);
    if (end <= b.leadLength) {
      if (user === '' || user === '+') {
        const dir = user === '' ? ctx.home : ctx.cwd;
        value = dir + value.slice(end);
        pattern =
          escapeGlob(dir) +
          pattern.slice(pattern.indexOf('/') === -1 ? pattern.length : pattern.indexOf('/'));
      } else {
        ctx.unresolved(`tilde expansion ${excerpt(`~${user}`)}`);
        return { value, literal: false, known: false };
      }
    }
  } else {
    // bash also expands `~` after the `=` of an assignment-like argument (dd of=~/x).
    const m = ASSIGNMENT_TILDE.exec(lead);
    if (m?.[1] !== undefined) {
      value = m[1] + ctx.home + value.slice(m[0].length);
      pattern = escapeGlob(m[1] + ctx.home) + pattern.slice(escapeGlob(m[0]).length);
    }
  }
  if (/\{[^{}]*(,|\.\.)[^{}]*\}/.test(b.view)) {
    ctx.unresolved(`brace expansion ${excerpt(b.value)}`);
    return { value, literal: false, known: false };
  }
  if (b.glob) {
    ctx.unresolved(`unquoted glob ${excerpt(b.value)}`);
    return { value, literal: false, glob: pattern, known: false };
  }
  if (!b.known) return { value, literal: false, known: false, pattern };
  return { value, literal: b.literal, known: b.known };
}
