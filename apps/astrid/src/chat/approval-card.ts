import type { ApprovalDecision, ApprovalRequest, RiskLevel, SensitiveAction } from '@astrid/core';
import { cut, ours, type SafeText, safe, safeBlock } from './safe-text.js';

/** One line of a unified diff, classified for colouring. */
export interface DiffLine {
  readonly kind: 'add' | 'del' | 'hunk' | 'meta' | 'context';
  readonly text: SafeText;
}

/** What the card shows below the summary. */
export type CardPreview =
  | { readonly kind: 'diff'; readonly path: SafeText; readonly lines: readonly DiffLine[] }
  | { readonly kind: 'command'; readonly command: SafeText; readonly cwd?: SafeText }
  | { readonly kind: 'network'; readonly method: SafeText; readonly host: SafeText; readonly port: number }
  | { readonly kind: 'budget'; readonly amount: number; readonly limit: number }
  | { readonly kind: 'none' };

/** An approval request as the card renders it: every string sanitised. */
export interface ApprovalCardModel {
  readonly id: SafeText;
  readonly kind: SafeText;
  readonly target: SafeText;
  readonly risk: RiskLevel;
  readonly summary: SafeText;
  /** The agent's own words, shown labelled as theirs; undefined when it gave none. */
  readonly agentText?: SafeText;
  readonly preview: CardPreview;
  /** True when the command would run outside the sandbox. */
  readonly notSandboxed: boolean;
  readonly options: readonly ApprovalDecision[];
}

/** The key and label of each answer, in the order the card lists them. */
export const DECISION_KEYS: readonly { key: string; decision: ApprovalDecision; label: string }[] = [
  { key: 'o', decision: 'allow_once', label: 'Allow Once' },
  { key: 's', decision: 'allow_session', label: 'Allow Session' },
  { key: 'a', decision: 'allow_always', label: 'Allow Always' },
  { key: 'd', decision: 'deny', label: 'Deny' },
];

/** Longest diff shown in the card; the rest is counted, not shown. */
const MAX_DIFF_LINES = 60;

/** Shell-like rendering of an argv, quoting arguments that need it, so the command reads as it runs. */
export function quoteArgv(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** What the action touches, in a few words (path, command, host...). */
export function actionTarget(action: SensitiveAction): string {
  switch (action.kind) {
    case 'file_read':
    case 'file_write':
    case 'file_delete':
      return action.path;
    case 'execute_command':
      return quoteArgv(action.argv);
    case 'network_request':
      return `${action.method} ${action.host}:${action.port}`;
    case 'transmit_data':
      return `${action.bytes} bytes to ${action.host}:${action.port}`;
    case 'mcp_tool_call':
      return `${action.server}/${action.tool}`;
    case 'capsule_execution':
      return `${action.capsule}/${action.entry}`;
    case 'capsule_http_request':
      return `${action.capsule}: ${action.method} ${action.host}:${action.port}`;
    case 'capsule_file_access':
      return `${action.capsule}: ${action.mode} ${action.path}`;
    case 'capability_grant':
      return `${action.subject}: ${action.resources.join(', ')}`;
    case 'llm_request':
      return `${action.provider}/${action.model}`;
  }
}

/**
 * The answers this request accepts. The request carries no option list today, so they
 * follow from what the runtime does with each answer: a budget extension is a yes or no
 * (the interceptor only reads approved/denied), everything else takes all four.
 */
export function approvalOptions(request: ApprovalRequest): readonly ApprovalDecision[] {
  const declared = (request as { readonly options?: unknown }).options;
  if (Array.isArray(declared)) {
    const allowed = DECISION_KEYS.map((k) => k.decision).filter((d) => declared.includes(d));
    if (allowed.length > 0) return allowed.includes('deny') ? allowed : [...allowed, 'deny'];
  }
  if (request.preview.kind === 'budget') return ['allow_once', 'deny'];
  return DECISION_KEYS.map((k) => k.decision);
}

function diffLines(diff: string): DiffLine[] {
  // Sanitised as a block first, then split: an escape sequence cannot survive the split.
  const lines = safeBlock(diff).split('\n');
  if (lines.at(-1) === '') lines.pop();
  const shown = lines.slice(0, MAX_DIFF_LINES).map((line): DiffLine => {
    const text = line as SafeText;
    if (line.startsWith('+++') || line.startsWith('---')) return { kind: 'meta', text };
    if (line.startsWith('@@')) return { kind: 'hunk', text };
    if (line.startsWith('+')) return { kind: 'add', text };
    if (line.startsWith('-')) return { kind: 'del', text };
    return { kind: 'context', text };
  });
  if (lines.length > MAX_DIFF_LINES) {
    shown.push({ kind: 'meta', text: ours(`… ${lines.length - MAX_DIFF_LINES} more lines`) });
  }
  return shown;
}

function previewOf(request: ApprovalRequest): CardPreview {
  const p = request.preview;
  switch (p.kind) {
    case 'diff':
      return { kind: 'diff', path: safe(p.path), lines: diffLines(p.diff) };
    case 'argv':
      return {
        kind: 'command',
        command: safe(quoteArgv(p.argv)),
        ...(p.cwd === undefined ? {} : { cwd: safe(p.cwd) }),
      };
    case 'network':
      return { kind: 'network', method: safe(p.method), host: safe(p.host), port: p.port };
    case 'budget':
      return { kind: 'budget', amount: p.amount, limit: p.limit };
    default:
      return { kind: 'none' };
  }
}

/** Builds the card's model from a request: every string from the daemon sanitised here, once. */
export function approvalCard(request: ApprovalRequest): ApprovalCardModel {
  const agentText = request.agentText?.trim();
  return {
    id: safe(request.id),
    kind: safe(request.action.kind),
    target: cut(safe(actionTarget(request.action)), 300),
    risk: request.risk,
    summary: cut(safe(request.summary), 500),
    ...(agentText === undefined || agentText === '' ? {} : { agentText: cut(safe(agentText), 500) }),
    preview: previewOf(request),
    notSandboxed: request.preview.kind === 'argv' && !request.preview.sandboxed,
    options: approvalOptions(request),
  };
}

/** "alice (telegram)": who answered a request, sanitised; "the daemon" when nobody did (expiry). */
export function decidedByText(request: ApprovalRequest): SafeText {
  const by = request.decidedBy;
  if (by === undefined) return ours('the daemon');
  return safe(by.frontend === '' ? by.principal : `${by.principal} (${by.frontend})`);
}

/** One line saying how a request ended: "approved (allow once) by alice (telegram)". */
export function resolutionText(request: ApprovalRequest): SafeText {
  const decision = DECISION_KEYS.find((k) => k.decision === request.decision)?.label.toLowerCase();
  const what =
    request.state === 'approved' && decision !== undefined ? `approved (${decision})` : request.state;
  const reason = request.reason === undefined ? '' : `: ${cut(safe(request.reason), 200)}`;
  const by = request.state === 'expired' ? '' : ` by ${decidedByText(request)}`;
  return ours(
    `${safe(request.action.kind)} ${cut(safe(actionTarget(request.action)), 120)} ${what}${by}${reason}`,
  );
}
