import { type ActionKind, resourceUri, type SensitiveAction } from '@astrid/core';
import { compilePattern, hasWildcard, type Matcher, patternProblem } from './pattern.js';

/** Kinds whose resource is matched as a URI glob (every kind except `execute_command`). */
export type UriActionKind = Exclude<ActionKind, 'execute_command'>;

/** A grant over the resource URI of one action kind, e.g. `file_read` + `file:///ws/**`. */
export interface UriResource {
  readonly action: UriActionKind;
  readonly pattern: string;
}

/**
 * A grant over a command's parsed argv: one glob per argument, position by position.
 * `trailing: 'none'` means the argv has exactly as many arguments as the pattern;
 * `'any'` allows any further arguments after the last pattern element.
 */
export interface ArgvResource {
  readonly action: 'execute_command';
  readonly argv: readonly string[];
  readonly trailing: 'none' | 'any';
}

/** What a token grants: one action kind and the resources of it that it covers. */
export type TokenResource = UriResource | ArgvResource;

// The literal prefix a pattern must start with for its kind, so a pattern can only name
// resources of its own kind and never starts with a wildcard (`**` alone is not a grant).
const URI_PREFIX: Record<UriActionKind, string> = {
  file_read: 'file:///',
  file_write: 'file:///',
  file_delete: 'file:///',
  network_request: 'net://',
  transmit_data: 'net://',
  mcp_tool_call: 'mcp://',
  capsule_execution: 'capsule://',
  capsule_http_request: 'capsule://',
  capsule_file_access: 'capsule://',
  capability_grant: 'grant://',
  llm_request: 'llm://',
};

/** Why a URI (pattern or resource) is not in normal form after its `scheme://`, if it is not. */
function uriShapeProblem(uri: string): string | undefined {
  if (uri.includes('\0')) return 'contains a NUL byte';
  const start = uri.indexOf('://');
  if (start < 0) return 'has no scheme';
  const rest = uri.slice(start + 3);
  if (rest === '/') return undefined; // `file:///`, the root
  const segments = rest.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    // A leading empty segment is the `/` of an absolute path; any other empty one is `//`
    // or a trailing slash: a second spelling of the same path, which we do not accept.
    if (s === '' && i > 0) return 'has an empty path segment ("//" or a trailing "/")';
    if (s === '.' || s === '..') return `contains a "${s}" segment`;
  }
  return undefined;
}

// An argument is not a canonical path (it is relative to a cwd), so `.`, `./x` are allowed;
// `..` segments are refused because they climb out of whatever directory the grant meant.
function argProblem(arg: string): string | undefined {
  if (arg.includes('\0')) return 'contains a NUL byte';
  if (arg.split('/').includes('..')) return 'contains a ".." segment';
  return undefined;
}

/**
 * Why `resource` cannot be granted, or undefined when it can. Enforced at mint time and
 * whenever a token is parsed.
 */
export function resourceProblem(resource: TokenResource): string | undefined {
  if (resource.action === 'execute_command') {
    const first = resource.argv[0];
    if (first === undefined) return 'argv is empty';
    // A wildcard program name would grant "any program"; name the program literally.
    if (hasWildcard(first)) return 'argv[0] must name the program literally (no wildcard)';
    for (let i = 0; i < resource.argv.length; i++) {
      const p = resource.argv[i] ?? '';
      const problem = p === '' ? undefined : patternProblem(p, true);
      if (problem !== undefined) return `argv[${i}] ${problem}`;
    }
    return undefined;
  }
  const prefix = URI_PREFIX[resource.action];
  if (!resource.pattern.startsWith(prefix))
    return `pattern must start with "${prefix}" for ${resource.action}`;
  return patternProblem(resource.pattern) ?? uriShapeProblem(resource.pattern);
}

/** A resource compiled for matching: tests whether an action is covered. */
export type ResourceMatcher = (action: SensitiveAction) => boolean;

const matchEmpty: Matcher = (input) => input === '';

/** Compiles a resource (which must have passed {@link resourceProblem}) into a matcher. */
export function compileResource(resource: TokenResource): ResourceMatcher {
  if (resource.action === 'execute_command') {
    const parts = resource.argv.map((p) => (p === '' ? matchEmpty : compilePattern(p)));
    const exact = resource.trailing === 'none';
    return (action) => {
      if (action.kind !== 'execute_command') return false;
      const argv = action.argv;
      if (exact ? argv.length !== parts.length : argv.length < parts.length) return false;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        if (part === undefined || !part(argv[i] ?? '')) return false;
      }
      return true;
    };
  }
  const kind = resource.action;
  const matcher = compilePattern(resource.pattern);
  return (action) => action.kind === kind && matcher(resourceUri(action));
}

/**
 * Why the resource an action touches may not be matched by any token, or undefined when it
 * may: NUL bytes, `.`/`..` segments or doubled slashes in its URI, or `..` in an argument.
 * Checked before any pattern is tried, whatever picomatch would do with such input.
 */
export function actionResourceProblem(action: SensitiveAction): string | undefined {
  if (action.kind === 'execute_command') {
    for (let i = 0; i < action.argv.length; i++) {
      const problem = argProblem(action.argv[i] ?? '');
      if (problem !== undefined) return `argv[${i}] ${problem}`;
    }
    return undefined;
  }
  const uri = resourceUri(action);
  const problem = uriShapeProblem(uri);
  return problem === undefined ? undefined : `resource ${JSON.stringify(uri)} ${problem}`;
}
