import {
  ACTION_KINDS,
  approvalId,
  type JsonValue,
  principalId,
  RISK_LEVELS,
  type RiskLevel,
  resourceUri,
  type SensitiveAction,
  sessionId,
  tokenId,
} from '@astrid/core';
import { blake3Hex } from '@astrid/crypto';
import { fastCanonical, writeString } from './canonical.js';
import {
  APPROVAL_ANSWERS,
  type ApprovalAnswer,
  AUDIT_KINDS,
  type AuditEntry,
  type AuditKind,
  type AuditOutcome,
  type BudgetProof,
  ENTRY_VERSION,
  OUTCOME_STATUSES,
  type OutputDigest,
  VERDICTS,
  type Verdict,
} from './entry.js';
import { hashText } from './hash-text.js';
import { redactCanonical, redactString } from './redact.js';

/** A decision as a caller passes it: ids are plain strings, checked by append. */
export interface AuditDecisionInput {
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly risk?: RiskLevel;
  readonly proof?: {
    readonly policyRuleId?: string;
    readonly tokenId?: string;
    readonly approval?: {
      readonly approvalId: string;
      readonly approvedBy: string;
      readonly frontend: string;
      readonly answer?: ApprovalAnswer;
    };
    readonly allowanceId?: string;
    readonly budget?: BudgetProof;
  };
}

/** What a caller gives {@link AuditLog.append}; the log adds seq, id, timestamp and the hashes. */
export interface AuditAppendInput {
  readonly kind: AuditKind;
  readonly principal: string;
  readonly sessionId?: string;
  /** The action judged or run; stored as kind, resource URI and redacted params. */
  readonly action?: SensitiveAction;
  readonly decision?: AuditDecisionInput;
  readonly outcome?: AuditOutcome;
  /** Tool output: bytes or text (hashed here, never stored), or an already computed digest. */
  readonly output?: Uint8Array | string | OutputDigest;
  readonly details?: JsonValue;
}

type Fields = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

/** An entry with everything but seq and prevHash fixed, and its canonical text in pieces. */
export interface PreparedEntry {
  readonly fields: Fields;
  /** Canonical JSON of the fields sorting before `prevHash`, without the closing brace. */
  readonly head: string;
  readonly principalJson: string;
  /** Canonical JSON of the fields sorting after `seq`, with the closing brace. */
  readonly tail: string;
}

const KINDS = new Set<string>(AUDIT_KINDS);
const ACTIONS = new Set<string>(ACTION_KINDS);
const HEX64 = /^[0-9a-f]{64}$/;
// Same pattern as core's ids; such a string needs no escaping inside a JSON string.
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** Free text (reasons, errors) is capped so one entry stays small. */
export const MAX_TEXT_CHARS = 2048;
/** Params and details above this many characters of canonical JSON are replaced by a marker. */
export const MAX_VALUE_CHARS = 16_384;

/**
 * Validates and normalises an append: ids checked, secrets redacted, output reduced to its
 * digest, and the canonical text of everything except seq/prevHash written once, so that
 * the serialized commit step only concatenates and hashes. The structured parts are written
 * field by field in canonical key order (a property test pins the result to canonicalJson);
 * only free-form params and details go through the general writer.
 */
export function prepareEntry(input: AuditAppendInput, timestamp: number, id: string): PreparedEntry {
  if (typeof input !== 'object' || input === null) throw new TypeError('"input" expected an object');
  if (!KINDS.has(input.kind)) throw new RangeError(`"kind" expected one of ${AUDIT_KINDS.join(', ')}`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError(`"timestamp" expected ms, got ${timestamp}`);
  const principal = principalId(input.principal);
  const fields: Record<string, unknown> = {
    version: ENTRY_VERSION,
    id,
    timestamp,
    principal,
    kind: input.kind,
  };
  // Keys in canonical (UTF-16) order: action, decision, details, id, kind, outcome, output,
  // | prevHash, principal, seq, | sessionId, timestamp, version.
  let head = '{';
  if (input.action !== undefined) head += `"action":${writeAction(input.action, fields)},`;
  if (input.decision !== undefined) head += `"decision":${writeDecision(input.decision, fields)},`;
  if (input.details !== undefined) {
    const details = capped(redactCanonical(input.details));
    fields.details = details.value;
    head += `"details":${details.text},`;
  }
  head += `"id":${writeString(id)},"kind":"${input.kind}"`;
  if (input.outcome !== undefined) head += `,"outcome":${writeOutcome(input.outcome, fields)}`;
  if (input.output !== undefined) {
    const output = digestOutput(input.output);
    fields.output = output;
    head += `,"output":{"hash":"${output.hash}","length":${output.length}}`;
  }
  let tail = '';
  if (input.sessionId !== undefined) {
    fields.sessionId = sessionId(input.sessionId);
    tail = `,"sessionId":"${input.sessionId}"`;
  }
  tail += `,"timestamp":${timestamp},"version":${ENTRY_VERSION}}`;
  return { fields: fields as unknown as Fields, head, principalJson: `"${principal}"`, tail };
}

/** The canonical body (the entry without `hash`) and its hash, once seq and prevHash are known. */
export function sealEntry(p: PreparedEntry, seq: number, prevHash: string): { body: string; hash: string } {
  const body = `${p.head},"prevHash":"${prevHash}","principal":${p.principalJson},"seq":${seq}${p.tail}`;
  return { body, hash: hashText(body) };
}

function writeAction(action: SensitiveAction, fields: Record<string, unknown>): string {
  if (typeof action !== 'object' || action === null || !ACTIONS.has(action.kind)) {
    throw new TypeError('"action" expected a SensitiveAction');
  }
  const { kind } = action;
  const resource = redactString(resourceUri(action), false);
  const params = capped(redactCanonical(action as unknown as JsonValue, 'kind'));
  fields.action = { kind, resource, params: params.value };
  return `{"kind":"${kind}","params":${params.text},"resource":${writeString(resource)}}`;
}

function writeDecision(d: AuditDecisionInput, fields: Record<string, unknown>): string {
  if (!(VERDICTS as readonly string[]).includes(d.verdict))
    throw new RangeError('"decision.verdict" expected allow or deny');
  if (d.risk !== undefined && !(RISK_LEVELS as readonly string[]).includes(d.risk)) {
    throw new RangeError(`"decision.risk" expected one of ${RISK_LEVELS.join(', ')}`);
  }
  const out: Record<string, unknown> = { verdict: d.verdict };
  let text = '{';
  if (d.proof !== undefined) {
    const proof: Record<string, unknown> = {};
    text += `"proof":${writeProof(d.proof, proof)},`;
    out.proof = proof;
  }
  if (d.reason !== undefined) {
    out.reason = freeText('decision.reason', d.reason);
    text += `"reason":${writeString(out.reason as string)},`;
  }
  if (d.risk !== undefined) {
    out.risk = d.risk;
    text += `"risk":"${d.risk}",`;
  }
  fields.decision = out;
  return `${text}"verdict":"${d.verdict}"}`;
}

function writeProof(p: NonNullable<AuditDecisionInput['proof']>, out: Record<string, unknown>): string {
  const parts: string[] = [];
  if (p.allowanceId !== undefined) {
    out.allowanceId = id('decision.proof.allowanceId', p.allowanceId);
    parts.push(`"allowanceId":"${p.allowanceId}"`);
  }
  const a = p.approval;
  if (a !== undefined) {
    if (a.answer !== undefined && !(APPROVAL_ANSWERS as readonly string[]).includes(a.answer)) {
      throw new RangeError(`"decision.proof.approval.answer" expected one of ${APPROVAL_ANSWERS.join(', ')}`);
    }
    const approval: Record<string, unknown> = {};
    if (a.answer !== undefined) approval.answer = a.answer;
    approval.approvalId = approvalId(a.approvalId);
    approval.approvedBy = principalId(a.approvedBy);
    approval.frontend = id('decision.proof.approval.frontend', a.frontend);
    out.approval = approval;
    const answer = a.answer === undefined ? '' : `"answer":"${a.answer}",`;
    parts.push(
      `"approval":{${answer}"approvalId":"${a.approvalId}","approvedBy":"${a.approvedBy}","frontend":"${a.frontend}"}`,
    );
  }
  const b = p.budget;
  if (b !== undefined) {
    const budget: Record<string, number> = {};
    const items: string[] = [];
    for (const name of ['costMicros', 'limitMicros', 'spentMicros'] as const) {
      const value = b[name];
      if (value === undefined) continue;
      budget[name] = micros(`decision.proof.budget.${name}`, value);
      items.push(`"${name}":${value}`);
    }
    out.budget = budget;
    parts.push(`"budget":{${items.join(',')}}`);
  }
  if (p.policyRuleId !== undefined) {
    // A rule id names the rule that decided (`denied_paths:/etc/**`): free text, capped.
    out.policyRuleId = freeText('decision.proof.policyRuleId', p.policyRuleId);
    parts.push(`"policyRuleId":${writeString(out.policyRuleId as string)}`);
  }
  if (p.tokenId !== undefined) {
    out.tokenId = tokenId(p.tokenId);
    parts.push(`"tokenId":"${p.tokenId}"`);
  }
  return `{${parts.join(',')}}`;
}

function writeOutcome(o: AuditOutcome, fields: Record<string, unknown>): string {
  if (!(OUTCOME_STATUSES as readonly string[]).includes(o.status)) {
    throw new RangeError(`"outcome.status" expected one of ${OUTCOME_STATUSES.join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  let text = '{';
  if (o.durationMs !== undefined) {
    out.durationMs = amount('outcome.durationMs', o.durationMs);
    text += `"durationMs":${o.durationMs},`;
  }
  if (o.error !== undefined) {
    const error = freeText('outcome.error', o.error);
    out.error = error;
    text += `"error":${writeString(error)},`;
  }
  if (o.exitCode !== undefined) {
    if (!Number.isSafeInteger(o.exitCode)) throw new RangeError('"outcome.exitCode" expected an integer');
    out.exitCode = o.exitCode;
    text += `"exitCode":${o.exitCode},`;
  }
  out.status = o.status;
  fields.outcome = out;
  return `${text}"status":"${o.status}"}`;
}

/** Output is never stored: only the BLAKE3 of its bytes and their count. */
function digestOutput(output: Uint8Array | string | OutputDigest): OutputDigest {
  if (output instanceof Uint8Array) return { hash: blake3Hex(output), length: output.length };
  if (typeof output === 'string') {
    const bytes = Buffer.from(output, 'utf8');
    return { hash: blake3Hex(bytes), length: bytes.length };
  }
  if (
    typeof output !== 'object' ||
    output === null ||
    typeof output.hash !== 'string' ||
    !HEX64.test(output.hash)
  ) {
    throw new TypeError('"output" expected bytes, a string or { hash: 64 lower-case hex, length }');
  }
  if (!Number.isSafeInteger(output.length) || output.length < 0)
    throw new RangeError('"output.length" expected a byte count');
  return { hash: output.hash, length: output.length };
}

function freeText(name: string, value: string): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected a string, got ${typeof value}`);
  const clean = redactString(value);
  if (clean.length <= MAX_TEXT_CHARS) return clean;
  // Never cut between the two halves of a surrogate pair (a lone half is not valid UTF-8).
  const high = clean.charCodeAt(MAX_TEXT_CHARS - 1);
  const cut = high >= 0xd800 && high <= 0xdbff ? MAX_TEXT_CHARS - 1 : MAX_TEXT_CHARS;
  return `${clean.slice(0, cut)}...[+${clean.length - cut} chars]`;
}

function id(name: string, value: string): string {
  if (typeof value !== 'string' || !ID.test(value))
    throw new RangeError(`"${name}" must be 1-128 characters of [A-Za-z0-9_.:-]`);
  return value;
}

function amount(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`"${name}" expected a finite non-negative number, got ${value}`);
  }
  return value;
}

// Money is integer micro-dollars everywhere, so the log never records a rounded float.
function micros(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"${name}" expected a non-negative integer (micro-dollars), got ${value}`);
  }
  return value;
}

// An oversized value is replaced rather than refused: the append must not fail (and so the
// action not run) just because a tool took a large argument.
function capped(redacted: { value: JsonValue; text: string }): { value: JsonValue; text: string } {
  if (redacted.text.length <= MAX_VALUE_CHARS) return redacted;
  const marker = { omittedChars: redacted.text.length };
  return { value: marker, text: fastCanonical(marker) };
}
