import { describe, expect, it } from 'vitest';
import {
  ACTION_KINDS,
  ActionKindSchema,
  AstridError,
  compareRisk,
  defaultRisk,
  parseAction,
  RISK_LEVELS,
  type RiskLevel,
  resourceUri,
  type SensitiveAction,
} from '../src/index.js';

// One valid example of every kind, with the default risk and resource URI it must get.
const EXAMPLES: readonly { input: Record<string, unknown>; risk: RiskLevel; uri: string }[] = [
  { input: { kind: 'file_read', path: '/ws/src/a.ts' }, risk: 'low', uri: 'file:///ws/src/a.ts' },
  {
    input: { kind: 'file_write', path: '/ws/out.txt', contentHash: 'a'.repeat(64), bytes: 12 },
    risk: 'medium',
    uri: 'file:///ws/out.txt',
  },
  { input: { kind: 'file_delete', path: '/ws/tmp' }, risk: 'high', uri: 'file:///ws/tmp' },
  {
    input: { kind: 'execute_command', argv: ['git', 'status', '--short'], cwd: '/ws' },
    risk: 'high',
    uri: 'exec://git',
  },
  {
    input: { kind: 'network_request', host: 'API.Example.com', port: 443, method: 'get', url: 'https://x' },
    risk: 'medium',
    uri: 'net://api.example.com:443',
  },
  {
    input: { kind: 'transmit_data', host: '10.0.0.1', port: 22, bytes: 2048, channel: 'ssh' },
    risk: 'high',
    uri: 'net://10.0.0.1:22',
  },
  {
    input: {
      kind: 'mcp_tool_call',
      server: 'github',
      tool: 'create_issue',
      args: { title: 'x', n: [1, null] },
    },
    risk: 'medium',
    uri: 'mcp://github/create_issue',
  },
  {
    input: { kind: 'capsule_execution', capsule: 'weather', entry: 'run' },
    risk: 'medium',
    uri: 'capsule://weather/execute/run',
  },
  {
    input: {
      kind: 'capsule_http_request',
      capsule: 'weather',
      host: 'api.weather.gov',
      port: 443,
      method: 'GET',
    },
    risk: 'medium',
    uri: 'capsule://weather/http/api.weather.gov:443',
  },
  {
    input: { kind: 'capsule_file_access', capsule: 'notes', path: '/ws/notes/a.md', mode: 'write' },
    risk: 'medium',
    uri: 'capsule://notes/fs_write/ws/notes/a.md',
  },
  {
    input: { kind: 'capability_grant', subject: 'agent-1', resources: ['file:///ws/*'], scope: 'session' },
    risk: 'critical',
    uri: 'grant://agent-1',
  },
  {
    input: { kind: 'llm_request', provider: 'anthropic', model: 'claude-sonnet-4', maxOutputTokens: 1000 },
    risk: 'low',
    uri: 'llm://anthropic/claude-sonnet-4',
  },
];

function expectInvalid(input: unknown, where: string): AstridError {
  let caught: unknown;
  try {
    parseAction(input);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AstridError);
  const err = caught as AstridError;
  expect(err.code).toBe('INVALID_ACTION');
  expect(err.message).toContain(`invalid action at ${where}:`);
  return err;
}

describe('action taxonomy', () => {
  it('has an example for every kind, and the kinds are exactly these twelve', () => {
    expect([...ACTION_KINDS].sort()).toEqual(EXAMPLES.map((e) => e.input.kind).sort());
    expect(ACTION_KINDS).toHaveLength(12);
    expect(ActionKindSchema.options).toEqual([...ACTION_KINDS]);
  });

  it.each(EXAMPLES)('$input.kind parses, with risk $risk and URI $uri', ({ input, risk, uri }) => {
    const action = parseAction(input);
    expect(action.kind).toBe(input.kind);
    expect(defaultRisk(action)).toBe(risk);
    expect(resourceUri(action)).toBe(uri);
  });

  it('normalises host case, method case and a trailing dot on the host', () => {
    const a = parseAction({ kind: 'network_request', host: 'Evil.COM.', port: 80, method: 'post' });
    expect(a).toEqual({ kind: 'network_request', host: 'evil.com', port: 80, method: 'POST' });
    expect(resourceUri(a)).toBe('net://evil.com:80');
  });

  it('brackets IPv6 literals in net:// URIs, whether or not the input had brackets', () => {
    for (const host of ['::1', '[::1]']) {
      const a = parseAction({ kind: 'network_request', host, port: 8080, method: 'GET' });
      expect(resourceUri(a)).toBe('net://[::1]:8080');
    }
    const t = parseAction({ kind: 'transmit_data', host: 'FE80::1:2', port: 0, bytes: 0 });
    expect(resourceUri(t)).toBe('net://[fe80::1:2]:0');
    const c = parseAction({
      kind: 'capsule_http_request',
      capsule: 'c',
      host: '2001:db8::7',
      port: 53,
      method: 'GET',
    });
    expect(resourceUri(c)).toBe('capsule://c/http/[2001:db8::7]:53');
  });

  it('places paths raw in file:// URIs so that token patterns are written as paths', () => {
    const a = parseAction({ kind: 'file_read', path: '/ws/a b/100%.txt' });
    expect(resourceUri(a)).toBe('file:///ws/a b/100%.txt');
  });

  it('returns a new object: parsing strips nothing silently and keeps every field', () => {
    const input = EXAMPLES[3]!.input;
    const a = parseAction(input) as Extract<SensitiveAction, { kind: 'execute_command' }>;
    expect(a).toEqual(input);
    expect(a.argv).toEqual(['git', 'status', '--short']);
  });
});

describe('parseAction rejects invalid actions with INVALID_ACTION naming the path', () => {
  it('a relative path', () => {
    expectInvalid({ kind: 'file_read', path: 'etc/passwd' }, 'path');
    expectInvalid({ kind: 'file_write', path: '' }, 'path');
  });

  it('a ".." or "." segment, anywhere in the path', () => {
    for (const path of ['/ws/../etc/passwd', '/ws/..', '/..', '/ws/./a']) {
      const err = expectInvalid({ kind: 'file_delete', path }, 'path');
      expect(err.message).toContain('".."');
    }
    expectInvalid({ kind: 'execute_command', argv: ['ls'], cwd: '/ws/../..' }, 'cwd');
    expectInvalid({ kind: 'capsule_file_access', capsule: 'c', path: '/a/../b', mode: 'read' }, 'path');
  });

  it('accepts names that merely contain dots', () => {
    expect(parseAction({ kind: 'file_read', path: '/ws/..hidden/a...b' }).kind).toBe('file_read');
  });

  it('a NUL byte in a path or an argument', () => {
    expect(expectInvalid({ kind: 'file_read', path: '/ws/a\0.txt' }, 'path').message).toContain('NUL');
    expectInvalid({ kind: 'execute_command', argv: ['ls', 'a\0b'] }, 'argv.1');
  });

  it('an unknown kind, a missing kind, or not an object', () => {
    expectInvalid({ kind: 'format_disk', path: '/' }, 'kind');
    expectInvalid({ path: '/' }, 'kind');
    expectInvalid('file_read', '(root)');
    expectInvalid(null, '(root)');
  });

  it('an extra key, naming it', () => {
    const err = expectInvalid({ kind: 'file_read', path: '/ws/a', sudo: true }, '(root)');
    expect(err.message).toContain('sudo');
  });

  it('a bad port', () => {
    for (const port of [-1, 65536, 80.5, '443', Number.NaN]) {
      expectInvalid({ kind: 'network_request', host: 'example.com', port, method: 'GET' }, 'port');
    }
  });

  it('a host that is neither a hostname nor an IP literal', () => {
    for (const host of [
      '',
      'x]:443',
      'evil.com:80',
      'a/b',
      'user@host',
      'a b',
      '[::1',
      '-lead.com',
      'a..b',
    ]) {
      expectInvalid({ kind: 'network_request', host, port: 443, method: 'GET' }, 'host');
    }
  });

  it('an empty argv, and a bad method', () => {
    expectInvalid({ kind: 'execute_command', argv: [] }, 'argv');
    expectInvalid({ kind: 'network_request', host: 'a.com', port: 1, method: 'GET /' }, 'method');
  });

  it('names that would add a URI segment', () => {
    expectInvalid({ kind: 'mcp_tool_call', server: 'a/b', tool: 't', args: null }, 'server');
    expectInvalid({ kind: 'mcp_tool_call', server: 's', tool: '..', args: null }, 'tool');
    expectInvalid({ kind: 'capsule_execution', capsule: 'c', entry: '' }, 'entry');
  });

  it('non-JSON MCP arguments', () => {
    expectInvalid({ kind: 'mcp_tool_call', server: 's', tool: 't', args: { n: Number.NaN } }, 'args');
    expectInvalid({ kind: 'mcp_tool_call', server: 's', tool: 't', args: undefined }, 'args');
  });

  it('keeps the zod error as the cause', () => {
    const err = expectInvalid({ kind: 'file_read', path: 'rel' }, 'path');
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('risk levels', () => {
  it('are ordered low < medium < high < critical', () => {
    expect(RISK_LEVELS).toEqual(['low', 'medium', 'high', 'critical']);
    expect(compareRisk('low', 'critical')).toBeLessThan(0);
    expect(compareRisk('high', 'medium')).toBeGreaterThan(0);
    expect(compareRisk('medium', 'medium')).toBe(0);
  });
});
