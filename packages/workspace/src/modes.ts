import type { SensitiveAction } from '@astrid/core';
import type { BoundaryCheck } from './boundary.js';

/** How much the agent may do without asking, inside the workspace. */
export const WORKSPACE_MODES = ['safe', 'guided', 'autonomous'] as const;
/** One of {@link WORKSPACE_MODES}. */
export type WorkspaceMode = (typeof WORKSPACE_MODES)[number];

/** What happens to an action that touches a path outside the workspace. */
export const ESCAPE_POLICIES = ['ask', 'deny'] as const;
/** One of {@link ESCAPE_POLICIES}. */
export type EscapePolicy = (typeof ESCAPE_POLICIES)[number];

/** The verdict of the mode stage. */
export type ModeVerdict = 'auto_allow' | 'ask' | 'deny';

/** The stable name of the rule that produced a verdict, for the audit entry. */
export type ModeRule =
  | 'never_allow'
  | 'escape_deny'
  | 'escape_ask'
  | 'session_llm'
  | 'delegated_llm'
  | 'safe_mode'
  | 'guided_read_inside'
  | 'guided_change_inside'
  | 'autonomous_file_inside'
  | 'allowed_command'
  | 'command_not_allowed'
  | 'external_action';

/** What the mode stage needs to judge one action. */
export interface ModeDecisionInput {
  readonly action: SensitiveAction;
  /** The boundary result for every path the action touches (file path, command cwd, ...). */
  readonly boundary: readonly BoundaryCheck[];
  readonly mode: WorkspaceMode;
  readonly escapePolicy: EscapePolicy;
  /** True when the command's argv matched `allowed_commands`; ignored for other actions. */
  readonly commandAllowed: boolean;
  /**
   * True only for the agent loop's own `llm_request`. LLM calls proposed by a tool, a capsule or
   * an MCP sampling request leave it unset and are asked about like any external action.
   */
  readonly sessionOwned?: boolean;
}

/** The mode stage's answer, with the rule and a reason the agent can read. */
export interface ModeDecision {
  readonly verdict: ModeVerdict;
  readonly rule: ModeRule;
  readonly reason: string;
}

const FILE_KINDS: ReadonlySet<SensitiveAction['kind']> = new Set(['file_read', 'file_write', 'file_delete']);
// Kinds that always name a path; judging them without a boundary result would be judging blind.
const PATH_KINDS: ReadonlySet<SensitiveAction['kind']> = new Set([...FILE_KINDS, 'capsule_file_access']);

function decision(verdict: ModeVerdict, rule: ModeRule, reason: string): ModeDecision {
  return { verdict, rule, reason };
}

/**
 * The workspace mode and escape policy as a pure function: `auto_allow`, `ask` or `deny`.
 * It runs after policy and tokens have had their say, so it only ever decides whether to ask.
 *
 * Order: a `never` path denies; an outside path follows `escapePolicy`; the session's own
 * LLM request is allowed; then the mode. A command is never "inside the workspace": it runs
 * unasked only in `guided`/`autonomous` and only when it matched `allowed_commands`.
 * Network, MCP, capsule and capability-grant actions are asked about in every mode,
 * `autonomous` included: they reach beyond the workspace, which is all a mode speaks for,
 * and a token or an allowance (earlier stages) is how a human pre-approves them.
 */
export function decideByMode(input: ModeDecisionInput): ModeDecision {
  const { action, boundary, mode, escapePolicy, commandAllowed } = input;
  if (!(WORKSPACE_MODES as readonly string[]).includes(mode)) {
    throw new RangeError(`"mode" expected one of ${WORKSPACE_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  if (!(ESCAPE_POLICIES as readonly string[]).includes(escapePolicy)) {
    throw new RangeError(`"escapePolicy" expected ask or deny, got ${JSON.stringify(escapePolicy)}`);
  }
  if (typeof commandAllowed !== 'boolean') {
    throw new TypeError(`"commandAllowed" expected a boolean, got ${typeof commandAllowed}`);
  }
  if (PATH_KINDS.has(action.kind) && boundary.length === 0) {
    throw new RangeError(`"boundary" expected a check for the path of a ${action.kind} action, got none`);
  }

  const never = boundary.find((b) => b.kind === 'never');
  if (never?.kind === 'never') {
    return decision(
      'deny',
      'never_allow',
      `${never.realPath} matches never_allow rule ${JSON.stringify(never.rule)}`,
    );
  }
  const outside = boundary.find((b) => b.kind === 'outside');
  if (outside !== undefined) {
    const where = `${outside.realPath} is outside the workspace`;
    return escapePolicy === 'deny'
      ? decision('deny', 'escape_deny', `${where} and escape_policy is deny`)
      : decision('ask', 'escape_ask', `${where}; escape_policy asks`);
  }

  const kind = action.kind;
  if (kind === 'llm_request') {
    return input.sessionOwned === true
      ? decision('auto_allow', 'session_llm', "the session's own LLM request")
      : decision('ask', 'delegated_llm', 'an LLM request not made by the session itself needs approval');
  }
  if (mode === 'safe') return decision('ask', 'safe_mode', `safe mode asks before every ${kind}`);

  if (kind === 'execute_command') {
    return commandAllowed
      ? decision('auto_allow', 'allowed_command', `the command matches allowed_commands in ${mode} mode`)
      : decision('ask', 'command_not_allowed', 'the command does not match allowed_commands');
  }
  if (FILE_KINDS.has(kind)) {
    if (mode === 'autonomous') {
      return decision(
        'auto_allow',
        'autonomous_file_inside',
        `${kind} inside the workspace in autonomous mode`,
      );
    }
    return kind === 'file_read'
      ? decision('auto_allow', 'guided_read_inside', 'reading inside the workspace in guided mode')
      : decision('ask', 'guided_change_inside', `guided mode asks before ${kind}`);
  }
  return decision(
    'ask',
    'external_action',
    `${kind} reaches beyond the workspace and needs approval in ${mode} mode`,
  );
}
