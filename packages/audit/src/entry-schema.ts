import { ActionKindSchema, IdSchema, JsonValueSchema, RiskLevelSchema } from '@astrid/core';
import { z } from 'zod';
import { APPROVAL_ANSWERS, AUDIT_KINDS, ENTRY_VERSION, OUTCOME_STATUSES, VERDICTS } from './entry.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Amount = z.number().finite().nonnegative();
const Micros = z.number().int().nonnegative();

/**
 * zod schema of an {@link AuditEntry} read from outside the log (an export, or a stored body
 * checked by a deep verify). Strict: a field the writer never produces is a damaged entry.
 */
export const AuditEntrySchema = z.strictObject({
  version: z.literal(ENTRY_VERSION),
  seq: Count,
  id: IdSchema,
  timestamp: Count,
  sessionId: IdSchema.optional(),
  principal: IdSchema,
  kind: z.enum(AUDIT_KINDS),
  action: z
    .strictObject({ kind: ActionKindSchema, resource: z.string(), params: JsonValueSchema })
    .optional(),
  decision: z
    .strictObject({
      verdict: z.enum(VERDICTS),
      reason: z.string().optional(),
      risk: RiskLevelSchema.optional(),
      proof: z
        .strictObject({
          policyRuleId: z.string().min(1).optional(),
          tokenId: IdSchema.optional(),
          approval: z
            .strictObject({
              approvalId: IdSchema,
              approvedBy: IdSchema,
              frontend: IdSchema,
              answer: z.enum(APPROVAL_ANSWERS).optional(),
            })
            .optional(),
          allowanceId: IdSchema.optional(),
          budget: z
            .strictObject({
              costMicros: Micros.optional(),
              spentMicros: Micros.optional(),
              limitMicros: Micros.optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  outcome: z
    .strictObject({
      status: z.enum(OUTCOME_STATUSES),
      error: z.string().optional(),
      exitCode: z.number().int().optional(),
      durationMs: Amount.optional(),
    })
    .optional(),
  output: z.strictObject({ hash: Hex64, length: Count }).optional(),
  details: JsonValueSchema.optional(),
  prevHash: Hex64,
  hash: Hex64,
});

/** The schema of an entry's body: the entry without `hash`. */
export const AuditEntryBodySchema = AuditEntrySchema.omit({ hash: true });
