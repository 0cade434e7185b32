import type { CommandAnalysis } from './types.js';

/** Which admin rule denied an action, and the pattern in it that matched. */
export interface PolicyRuleRef {
  readonly kind:
    | 'blocked_commands'
    | 'denied_paths'
    | 'write_denied_in_workspace'
    | 'denied_hosts'
    | 'allowed_hosts'
    | 'max_argument_bytes';
  readonly pattern: string;
}

/** A final denial: nothing downstream may override it. */
export interface PolicyDenial {
  readonly verdict: 'deny';
  readonly rule: PolicyRuleRef;
  /** Readable by the agent and the human: what was denied and by which rule. */
  readonly reason: string;
}

/**
 * The policy found no denial. `unresolved` (never auto-allowed; approval at critical risk),
 * `runsCode` (Allow Once at most) and `hidden` (effects the parser cannot name) are present
 * only when non-empty.
 */
export interface PolicyPass {
  readonly verdict: 'pass';
  readonly unresolved?: readonly string[];
  readonly runsCode?: readonly string[];
  readonly hidden?: readonly string[];
}

export type PolicyVerdict = PolicyDenial | PolicyPass;

/** A verdict on a shell command line, with the analysis it was based on (for audit and approval previews). */
export type CommandPolicyVerdict = PolicyVerdict & { readonly analysis: CommandAnalysis };
