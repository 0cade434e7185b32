import type { Node } from 'web-tree-sitter';
import { Collector, type CommandRecord } from './collector.js';
import { type Cwds, recordFile, type Scope, type ShellHost } from './context.js';
import { isCodeVariable } from './environment.js';
import { invoke } from './invoke.js';
import { withShellTree } from './parser.js';
import { programOnStdin, REDIRECT_OPS, REDIRECTS, STATEMENTS, SUBSTITUTIONS } from './syntax.js';
import type { CommandWord } from './types.js';
import { excerpt, scanSubstitutions, type WordContext, wordFromNode } from './words.js';

/**
 * Walks a bash syntax tree and hands every simple command to the argv interpreter, tracking
 * the working directory through `cd` in `&&`/`||`/`;` lists. Where a `cd` may or may not
 * have happened (`cd x; cat y` when cd fails), both directories are kept, so a relative
 * path is checked against each.
 */

const MAX_TREE_DEPTH = 200;
const MAX_CWDS = 8;

interface Flow {
  readonly ok: Cwds;
  readonly fail: Cwds;
}

/** Reads shell source into a {@link Collector}; also the host the argv interpreter calls back. */
export class ShellReader implements ShellHost {
  readonly out: Collector;
  readonly home: string;
  readonly env: Readonly<Record<string, string>>;
  private visited = new Set<number>();
  private treeDepth = 0;

  constructor(home: string, env: Readonly<Record<string, string>>) {
    this.out = new Collector(home);
    this.home = home;
    this.env = env;
  }

  source(text: string, scope: Scope): void {
    if (text.includes('\0')) this.out.note('unresolved', 'contains a NUL byte');
    withShellTree(text, (tree) => this.tree(tree.rootNode, scope));
  }

  run(words: readonly CommandWord[], scope: Scope, stdin?: string): Cwds | undefined {
    return invoke(this, words, scope, stdin);
  }

  private tree(root: Node, scope: Scope): void {
    const outer = this.visited;
    const visited = new Set<number>();
    this.visited = visited;
    try {
      if (root.hasError) this.out.note('unresolved', 'does not parse as a complete shell command');
      this.sequence(root, scope);
      // Safety net: any command the walk did not reach (too deep, or in a position the
      // walk does not model) is still read on its own, so a blocked program cannot hide.
      for (const node of root.descendantsOfType('command')) {
        if (visited.has(node.id)) continue;
        this.out.note('unresolved', 'contains a command in a position the analysis does not model');
        this.command(node, scope, [], true);
      }
    } finally {
      this.visited = outer;
    }
  }

  private union(...sets: Cwds[]): Cwds {
    const all = [...new Set(sets.flat())];
    if (all.length <= MAX_CWDS) return all;
    this.out.note('unresolved', 'too many possible working directories');
    return all.slice(0, MAX_CWDS);
  }

  private statement(node: Node, scope: Scope): Flow {
    if (this.treeDepth >= MAX_TREE_DEPTH) {
      this.out.note('unresolved', 'nested too deeply to follow');
      return { ok: scope.cwds, fail: scope.cwds };
    }
    this.treeDepth++;
    try {
      switch (node.type) {
        case 'list':
          return this.list(node, scope);
        case 'pipeline':
          // Each element runs in its own subshell: a `cd` inside does not outlive it.
          for (const child of node.namedChildren) if (child) this.statementOrScan(child, scope);
          return { ok: scope.cwds, fail: scope.cwds };
        case 'subshell':
          this.sequence(node, scope);
          return { ok: scope.cwds, fail: scope.cwds };
        case 'redirected_statement':
          return this.redirected(node, scope);
        case 'command':
          return this.command(node, scope, []);
        case 'negated_command': {
          const f = this.sequence(node, scope);
          return { ok: f.fail, fail: f.ok };
        }
        case 'variable_assignment':
          this.assignment(node, scope);
          return { ok: scope.cwds, fail: scope.cwds };
        case 'declaration_command':
          this.declaration(node, scope);
          return { ok: scope.cwds, fail: scope.cwds };
        case 'function_definition':
          this.out.note('unresolved', 'defines a shell function, which can shadow a command name');
          return this.sequence(node, scope);
        default:
          return this.sequence(node, scope);
      }
    } finally {
      this.treeDepth--;
    }
  }

  private statementOrScan(node: Node, scope: Scope): Flow {
    if (STATEMENTS.has(node.type)) return this.statement(node, scope);
    return this.sequence(node, scope);
  }

  /** Children in order, as `;` does: the next one runs whether or not the previous succeeded. */
  private sequence(node: Node, scope: Scope): Flow {
    let cwds = scope.cwds;
    for (const child of node.children) {
      if (child === null) continue;
      if (child.type === '&') {
        this.out.note('unresolved', 'runs a command in the background (&)');
      } else if (STATEMENTS.has(child.type)) {
        const f = this.statement(child, { ...scope, cwds });
        cwds = this.union(f.ok, f.fail);
      } else if (SUBSTITUTIONS.has(child.type)) {
        this.out.note('unresolved', `${child.type.replace('_', ' ')} ${excerpt(child.text)}`);
        this.substitution(child, { ...scope, cwds });
      } else if (child.isNamed && child.childCount > 0 && this.treeDepth < MAX_TREE_DEPTH) {
        this.treeDepth++;
        try {
          const f = this.sequence(child, { ...scope, cwds });
          cwds = this.union(f.ok, f.fail);
        } finally {
          this.treeDepth--;
        }
      }
    }
    return { ok: cwds, fail: cwds };
  }

  private list(node: Node, scope: Scope): Flow {
    let flow: Flow | undefined;
    let op = '';
    for (const child of node.children) {
      if (child === null) continue;
      if (child.type === '&&' || child.type === '||' || child.type === ';' || child.type === '&') {
        if (child.type === '&') this.out.note('unresolved', 'runs a command in the background (&)');
        op = child.type;
        continue;
      }
      if (!child.isNamed) continue;
      if (flow === undefined) {
        flow = this.statementOrScan(child, scope);
      } else if (op === '&&') {
        const next = this.statementOrScan(child, { ...scope, cwds: flow.ok });
        flow = { ok: next.ok, fail: this.union(flow.fail, next.fail) };
      } else if (op === '||') {
        const next = this.statementOrScan(child, { ...scope, cwds: flow.fail });
        flow = { ok: this.union(flow.ok, next.ok), fail: next.fail };
      } else {
        flow = this.statementOrScan(child, { ...scope, cwds: this.union(flow.ok, flow.fail) });
      }
    }
    return flow ?? { ok: scope.cwds, fail: scope.cwds };
  }

  private redirected(node: Node, scope: Scope): Flow {
    const body = node.childForFieldName('body');
    const redirects = node.children.filter((c): c is Node => c !== null && REDIRECTS.has(c.type));
    if (body?.type === 'command') return this.command(body, scope, redirects);
    const flow = body ? this.statementOrScan(body, scope) : { ok: scope.cwds, fail: scope.cwds };
    // tree-sitter attaches `a && b > f` to the whole list: resolve f against every cwd seen.
    const cwds = this.union(scope.cwds, flow.ok, flow.fail);
    for (const r of redirects) this.redirect(r, { ...scope, cwds }, undefined);
    return flow;
  }

  private wordContext(scope: Scope, sink: (reason: string) => void, shallow = false): WordContext {
    return {
      home: this.home,
      cwd: scope.cwds[0] ?? '/',
      env: this.env,
      unresolved: sink,
      substitution: (n) => {
        if (!shallow) this.substitution(n, scope);
      },
    };
  }

  private substitution(node: Node, scope: Scope): void {
    const backtick = node.text.startsWith('`');
    const label = node.type === 'process_substitution' ? '<(…)' : backtick ? '`…`' : '$(…)';
    const inner = { ...scope, via: [...scope.via, label] };
    if (backtick && node.text.includes('\\')) {
      // Inside backticks bash first removes the backslash from \\, \` and \$, then parses
      // the result: `echo \`id\`` nests a second substitution that the grammar reads as
      // plain words. Parse the unescaped text as its own shell, as bash does.
      for (const c of node.descendantsOfType('command')) if (c) this.visited.add(c.id);
      this.source(node.text.slice(1, -1).replace(/\\([\\`$])/g, '$1'), inner);
      return;
    }
    this.sequence(node, inner);
  }

  private command(node: Node, scope: Scope, extra: readonly Node[], shallow = false): Flow {
    this.visited.add(node.id);
    const pending: string[] = [];
    const ctx = this.wordContext(scope, (r) => pending.push(r), shallow);
    const words: CommandWord[] = [];
    const redirects = [...extra];
    const children = node.children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (!child) continue;
      const field = node.fieldNameForChild(i);
      if (child.type === 'variable_assignment') {
        const name = child.childForFieldName('name')?.text ?? '';
        if (isCodeVariable(name)) pending.push(`sets ${name}, which decides what code runs`);
        const value = child.childForFieldName('value');
        if (value) wordFromNode(value, ctx);
      } else if (REDIRECTS.has(child.type)) {
        redirects.push(child);
      } else if (field === 'name' || field === 'argument') {
        // `$"text"` parses as a lone `$` then a string: the `$` is not a word of its own.
        const next = children[i + 1];
        if (child.type === '$' && next && next.startIndex === child.endIndex) continue;
        words.push(wordFromNode(child, ctx));
      } else if (child.isNamed) {
        scanSubstitutions(child, ctx);
      }
    }
    const stdin = programOnStdin(redirects, ctx);
    const before = this.out.commands.length;
    let next: Cwds | undefined;
    if (words.length > 0) next = invoke(this, words, scope, stdin, pending);
    else for (const r of pending) this.out.note('unresolved', r);
    const owner = words.length > 0 ? this.out.commands[before] : undefined;
    for (const r of redirects) this.redirect(r, scope, owner, shallow);
    const ok = next === undefined ? scope.cwds : this.union(next);
    return { ok, fail: scope.cwds };
  }

  private redirect(node: Node, scope: Scope, owner: CommandRecord | undefined, shallow = false): void {
    const sink = (r: string) => this.out.note('unresolved', r, owner);
    if (node.type === 'heredoc_redirect') {
      // May hold the rest of a pipeline (`cat <<EOF | sh`) and substitutions in the body.
      if (!shallow) this.sequence(node, scope);
      return;
    }
    if (node.type === 'herestring_redirect') {
      for (const child of node.namedChildren)
        if (child) wordFromNode(child, this.wordContext(scope, sink, shallow));
      return;
    }
    const dest = node.childForFieldName('destination');
    const op = node.children.find((c) => c !== null && !c.isNamed && c.type in REDIRECT_OPS)?.type;
    if (!dest || op === undefined) return;
    if ((op === '>&' || op === '<&') && (dest.type === 'number' || dest.text === '-')) return;
    const word = wordFromNode(dest, this.wordContext(scope, sink, shallow));
    for (const pathOp of REDIRECT_OPS[op] ?? []) recordFile(this.out, pathOp, word, scope.cwds, false, owner);
  }

  private assignment(node: Node, scope: Scope): void {
    const name = node.childForFieldName('name')?.text ?? '';
    if (isCodeVariable(name)) this.out.note('unresolved', `sets ${name}, which decides what code runs`);
    const ctx = this.wordContext(scope, (r) => this.out.note('unresolved', r));
    const value = node.childForFieldName('value');
    if (value) wordFromNode(value, ctx);
  }

  private declaration(node: Node, scope: Scope): void {
    const ctx = this.wordContext(scope, (r) => this.out.note('unresolved', r));
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'variable_assignment') this.assignment(child, scope);
      else if (child.type === 'variable_name' && isCodeVariable(child.text)) {
        this.out.note('unresolved', `exports ${child.text}, which decides what code runs`);
      } else if (child.type === 'word' && /^-\w*f/.test(child.text)) {
        this.out.note('unresolved', 'defines or exports shell functions');
      } else scanSubstitutions(child, ctx);
    }
  }
}
