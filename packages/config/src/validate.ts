import { AstridError } from '@astrid/core';
import { z } from 'zod';
import { MERGE_TABLE } from './merge-table.js';
import { formatKeyPath } from './object-path.js';
import { type ConfigLayer, ConfigLayerSchema, USER_ONLY_SECTIONS } from './schema.js';

/** One problem in a layer: where, and what was expected there. */
export interface ConfigIssue {
  readonly path: string;
  readonly expected: string;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  while (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  return node;
}

/** The keys the schema accepts at `path`, for "unknown key" messages. */
function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  let node: z.ZodType = ConfigLayerSchema;
  for (const key of path) {
    if (!(node instanceof z.ZodObject)) return [];
    const child = (node.shape as Record<string, z.ZodType>)[String(key)];
    if (child === undefined) return [];
    node = unwrap(child);
  }
  if (node instanceof z.ZodObject) return Object.keys(node.shape);
  if (node instanceof z.ZodRecord && node.keyType instanceof z.ZodEnum)
    return node.keyType.options.map(String);
  return [];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

// Names the TOML type of a value, never the value itself: it could be an API key.
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return 'a table';
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'a table',
  record: 'a table',
};

function bound(issue: { origin: string; inclusive?: boolean }, limit: unknown, dir: 'min' | 'max'): string {
  const n = Number(limit);
  if (issue.origin === 'string')
    return dir === 'min' ? `a string of at least ${n} character(s)` : `a string of at most ${n} characters`;
  if (issue.origin === 'array') return dir === 'min' ? `at least ${n} entries` : `at most ${n} entries`;
  const op =
    dir === 'min' ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
  return `a number ${op} ${n}`;
}

function toIssues(error: z.ZodError, raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(issue.path);
        const hint = known.length > 0 ? `; expected one of: ${known.join(', ')}` : '';
        for (const key of issue.keys) {
          out.push({ path: formatKeyPath([...issue.path, key]), expected: `unknown key${hint}` });
        }
        break;
      }
      case 'invalid_type':
        out.push({
          path: formatKeyPath(issue.path),
          expected: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describe(valueAt(raw, issue.path))}`,
        });
        break;
      case 'invalid_value':
        out.push({
          path: formatKeyPath(issue.path),
          expected: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        });
        break;
      case 'too_small':
        out.push({
          path: formatKeyPath(issue.path),
          expected: `expected ${bound(issue, issue.minimum, 'min')}`,
        });
        break;
      case 'too_big':
        out.push({
          path: formatKeyPath(issue.path),
          expected: `expected ${bound(issue, issue.maximum, 'max')}`,
        });
        break;
      case 'invalid_format':
        out.push({
          path: formatKeyPath(issue.path),
          expected:
            issue.format === 'url' ? 'expected an http:// or https:// URL' : `expected ${issue.message}`,
        });
        break;
      default:
        out.push({ path: formatKeyPath(issue.path), expected: issue.message });
    }
  }
  return out;
}

/** Throws CONFIG_INVALID naming `source`, each key path, and what was expected there. */
export function invalidConfig(source: string, issues: readonly ConfigIssue[]): never {
  const lines = issues.map((i) => `${source}: ${i.path === '' ? '(top level)' : i.path}: ${i.expected}`);
  throw new AstridError('CONFIG_INVALID', lines.join('\n'), { details: { file: source, issues } });
}

/**
 * Validates one layer against {@link ConfigLayerSchema}; throws CONFIG_INVALID listing
 * every problem. A workspace layer is first checked for user-only keys, so the message
 * says why the key is refused rather than that it is unknown.
 */
export function validateLayer(
  raw: unknown,
  source: string,
  options: { workspace?: boolean } = {},
): ConfigLayer {
  if (options.workspace === true) {
    const refused = userOnlyKeysIn(raw);
    if (refused.length > 0) {
      invalidConfig(
        source,
        refused.map((path) => ({
          path,
          expected: 'may only be set in the user or admin config, not in a workspace file',
        })),
      );
    }
  }
  const result = ConfigLayerSchema.safeParse(raw);
  if (!result.success) invalidConfig(source, toIssues(result.error, raw));
  return result.data;
}

/** The user-only keys (and reserved user-only sections) that `raw` sets. */
export function userOnlyKeysIn(raw: unknown): string[] {
  const found: string[] = [];
  if (typeof raw !== 'object' || raw === null) return found;
  for (const section of USER_ONLY_SECTIONS) {
    if (Object.hasOwn(raw, section)) found.push(section);
  }
  for (const row of MERGE_TABLE) {
    if (row.rule === 'user-only' && valueAt(raw, row.path.split('.')) !== undefined) found.push(row.path);
  }
  return found;
}
