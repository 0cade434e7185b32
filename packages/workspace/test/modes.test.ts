import { ACTION_KINDS, type ActionKind, type SensitiveAction } from '@astrid/core';
import { describe, expect, it } from 'vitest';
import {
  type BoundaryCheck,
  decideByMode,
  type EscapePolicy,
  type ModeVerdict,
  WORKSPACE_MODES,
  type WorkspaceMode,
} from '../src/index.js';

const P = '/w/proj/file.txt';
const SAMPLE: { [K in ActionKind]: Extract<SensitiveAction, { kind: K }> } = {
  file_read: { kind: 'file_read', path: P },
  file_write: { kind: 'file_write', path: P },
  file_delete: { kind: 'file_delete', path: P },
  execute_command: { kind: 'execute_command', argv: ['ls', '-la'], cwd: '/w/proj' },
  network_request: { kind: 'network_request', host: 'example.com', port: 443, method: 'GET' },
  transmit_data: { kind: 'transmit_data', host: 'example.com', port: 443, bytes: 10 },
  mcp_tool_call: { kind: 'mcp_tool_call', server: 'fs', tool: 'read', args: {} },
  capsule_execution: { kind: 'capsule_execution', capsule: 'c', entry: 'run' },
  capsule_http_request: {
    kind: 'capsule_http_request',
    capsule: 'c',
    host: 'example.com',
    port: 443,
    method: 'GET',
  },
  capsule_file_access: { kind: 'capsule_file_access', capsule: 'c', path: P, mode: 'read' },
  capability_grant: {
    kind: 'capability_grant',
    subject: 'agent',
    resources: ['file:///w/**'],
    scope: 'session',
  },
  llm_request: { kind: 'llm_request', provider: 'anthropic', model: 'claude' },
};

const inside: BoundaryCheck = { kind: 'inside', realPath: P, lexicalPath: P };
const outside: BoundaryCheck = { kind: 'outside', realPath: '/etc/passwd', lexicalPath: '/etc/passwd' };
const never: BoundaryCheck = {
  kind: 'never',
  realPath: '/h/.ssh/id',
  lexicalPath: '/h/.ssh/id',
  rule: '~/.ssh/**',
};

// The decision table for actions whose paths are all inside (or that have none), written out
// by hand: [safe, guided, autonomous]. `A` auto_allow, `Q` ask, `D` deny.
type Row = readonly [safe: 'A' | 'Q' | 'D', guided: 'A' | 'Q' | 'D', autonomous: 'A' | 'Q' | 'D'];
const INSIDE_TABLE: Record<string, Row> = {
  file_read: ['Q', 'A', 'A'],
  file_write: ['Q', 'Q', 'A'],
  file_delete: ['Q', 'Q', 'A'],
  'execute_command (allowed_commands)': ['Q', 'A', 'A'],
  'execute_command (not allowed)': ['Q', 'Q', 'Q'],
  network_request: ['Q', 'Q', 'Q'],
  transmit_data: ['Q', 'Q', 'Q'],
  mcp_tool_call: ['Q', 'Q', 'Q'],
  capsule_execution: ['Q', 'Q', 'Q'],
  capsule_http_request: ['Q', 'Q', 'Q'],
  capsule_file_access: ['Q', 'Q', 'Q'],
  capability_grant: ['Q', 'Q', 'Q'],
  'llm_request (session)': ['A', 'A', 'A'],
  'llm_request (delegated)': ['Q', 'Q', 'Q'],
};
const LETTER: Record<ModeVerdict, 'A' | 'Q' | 'D'> = { auto_allow: 'A', ask: 'Q', deny: 'D' };

function rowCase(label: string): { action: SensitiveAction; commandAllowed: boolean; sessionOwned: boolean } {
  const kind = label.split(' ')[0] as ActionKind;
  return {
    action: SAMPLE[kind],
    commandAllowed: label.includes('(allowed_commands)'),
    sessionOwned: label.includes('(session)'),
  };
}

function paths(action: SensitiveAction, where: BoundaryCheck): BoundaryCheck[] {
  // Network, MCP and grant actions have no path; commands are checked on their cwd.
  return 'path' in action || action.kind === 'execute_command' ? [where] : [];
}

describe('decideByMode: the decision table', () => {
  it('covers every action kind', () => {
    const covered = new Set(Object.keys(INSIDE_TABLE).map((l) => l.split(' ')[0]));
    expect([...covered].sort()).toEqual([...ACTION_KINDS].sort());
  });

  for (const [label, row] of Object.entries(INSIDE_TABLE)) {
    WORKSPACE_MODES.forEach((mode, i) => {
      for (const escapePolicy of ['ask', 'deny'] as EscapePolicy[]) {
        it(`${label} inside, ${mode}, escape ${escapePolicy} -> ${row[i]}`, () => {
          const { action, commandAllowed, sessionOwned } = rowCase(label);
          const d = decideByMode({
            action,
            boundary: paths(action, inside),
            mode,
            escapePolicy,
            commandAllowed,
            sessionOwned,
          });
          expect(LETTER[d.verdict]).toBe(row[i]);
          expect(d.reason.length).toBeGreaterThan(0);
        });
      }
    });
  }

  for (const kind of ACTION_KINDS) {
    const action = SAMPLE[kind];
    if (paths(action, outside).length === 0) continue;
    for (const mode of WORKSPACE_MODES) {
      for (const commandAllowed of [false, true]) {
        it(`${kind} outside in ${mode} (allowed_commands ${commandAllowed}): escape ask -> ask, deny -> deny`, () => {
          const base = { action, boundary: [outside], mode, commandAllowed };
          expect(decideByMode({ ...base, escapePolicy: 'ask' })).toMatchObject({
            verdict: 'ask',
            rule: 'escape_ask',
          });
          expect(decideByMode({ ...base, escapePolicy: 'deny' })).toMatchObject({
            verdict: 'deny',
            rule: 'escape_deny',
          });
        });
        it(`${kind} on a never path in ${mode} (allowed_commands ${commandAllowed}) -> deny`, () => {
          for (const escapePolicy of ['ask', 'deny'] as const) {
            const d = decideByMode({ action, boundary: [never], mode, escapePolicy, commandAllowed });
            expect(d).toMatchObject({ verdict: 'deny', rule: 'never_allow' });
            expect(d.reason).toContain('~/.ssh/**');
          }
        });
      }
    }
  }
});

describe('decideByMode: combinations and input checks', () => {
  const modes: WorkspaceMode[] = [...WORKSPACE_MODES];

  it('one outside path among inside ones decides; a never path beats an outside one', () => {
    for (const mode of modes) {
      const base = { action: SAMPLE.file_write, mode, commandAllowed: false } as const;
      expect(decideByMode({ ...base, boundary: [inside, outside], escapePolicy: 'deny' }).verdict).toBe(
        'deny',
      );
      expect(decideByMode({ ...base, boundary: [outside, never], escapePolicy: 'ask' }).rule).toBe(
        'never_allow',
      );
    }
  });

  it('allowed_commands never turns a file action into an auto-allow', () => {
    const d = decideByMode({
      action: SAMPLE.file_write,
      boundary: [inside],
      mode: 'guided',
      escapePolicy: 'ask',
      commandAllowed: true,
    });
    expect(d.verdict).toBe('ask');
  });

  it('an allowed command with no cwd check still follows the table', () => {
    const base = {
      action: SAMPLE.execute_command,
      boundary: [],
      escapePolicy: 'ask',
      commandAllowed: true,
    } as const;
    expect(decideByMode({ ...base, mode: 'guided' }).verdict).toBe('auto_allow');
    expect(decideByMode({ ...base, mode: 'safe' }).verdict).toBe('ask');
  });

  it('throws for a path action without a boundary check, and for unknown modes or policies', () => {
    const base = { escapePolicy: 'ask', mode: 'autonomous', commandAllowed: false } as const;
    for (const kind of ['file_read', 'file_write', 'file_delete', 'capsule_file_access'] as const) {
      expect(() => decideByMode({ ...base, action: SAMPLE[kind], boundary: [] })).toThrow(RangeError);
    }
    const ok = { ...base, action: SAMPLE.file_read, boundary: [inside] };
    expect(() => decideByMode({ ...ok, mode: 'yolo' as WorkspaceMode })).toThrow(RangeError);
    expect(() => decideByMode({ ...ok, escapePolicy: 'allow' as EscapePolicy })).toThrow(RangeError);
    expect(() => decideByMode({ ...ok, commandAllowed: 'yes' as unknown as boolean })).toThrow(TypeError);
  });
});
