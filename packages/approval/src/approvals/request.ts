import { RiskLevelSchema, SensitiveActionSchema } from '@astrid/core';
import { z } from 'zod';

// The request types are shared with every frontend, so they live in core.
export {
  APPROVAL_DECISIONS,
  APPROVAL_STATES,
  type ApprovalAnswer,
  ApprovalAnswerSchema,
  type ApprovalDecision,
  type ApprovalPreview,
  type ApprovalRequest,
  type ApprovalState,
  type DecidedBy,
} from '@astrid/core';

import { APPROVAL_DECISIONS, APPROVAL_STATES } from '@astrid/core';

// Stored records are re-validated on load: the DB is ours, but a damaged record must not
// turn into an approval.
export const StoredApprovalSchema = z.object({
  id: z.string(),
  session: z.string(),
  principal: z.string(),
  action: SensitiveActionSchema,
  actionHash: z.string().regex(/^[0-9a-f]{64}$/),
  risk: RiskLevelSchema,
  summary: z.string(),
  agentText: z.string().optional(),
  preview: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  expiresAt: z.number(),
  state: z.enum(APPROVAL_STATES),
  decision: z.enum(APPROVAL_DECISIONS).optional(),
  decidedBy: z
    .object({ principal: z.string(), frontend: z.string(), connection: z.string().optional() })
    .optional(),
  decidedAt: z.number().optional(),
  reason: z.string().optional(),
  budgetExtensionMicros: z.number().int().positive().optional(),
  auditLinks: z.object({ requested: z.string().optional(), resolved: z.string().optional() }),
});
