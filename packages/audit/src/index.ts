export { type AuditCheckpoint, type CheckpointSigner, checkpointMessage } from './checkpoint.js';
export {
  type ActionSummary,
  APPROVAL_ANSWERS,
  type ApprovalAnswer,
  type ApprovalProof,
  AUDIT_KINDS,
  type AuditDecision,
  type AuditEntry,
  type AuditKind,
  type AuditOutcome,
  type BudgetProof,
  type DecisionProof,
  ENTRY_VERSION,
  GENESIS_HASH,
  OUTCOME_STATUSES,
  type OutcomeStatus,
  type OutputDigest,
  VERDICTS,
  type Verdict,
} from './entry.js';
export { AuditEntrySchema } from './entry-schema.js';
export { EXPORT_FORMAT, EXPORT_VERSION, type ExportLine, ExportLineSchema } from './export-format.js';
export { type AppendOptions, AuditLog, type AuditLogOptions } from './log.js';
export type { AuditAppendInput, AuditDecisionInput } from './prepare.js';
export type { AuditQuery } from './reader.js';
export { REDACTED, redact, redactString } from './redact.js';
export { AUDIT_STORE_NAMES } from './stores.js';
export { type VerifyAuditOptions, verifyAuditDatabase } from './verify-db.js';
export { verifyExport } from './verify-export.js';
export { type AuditDamage, type AuditVerifyResult, DAMAGE_KINDS, type DamageKind } from './verify-result.js';
