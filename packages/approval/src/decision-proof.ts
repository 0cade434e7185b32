import type { CapabilityToken } from '@astrid/capabilities';
import type { ApprovalRequest } from './approvals/request.js';
import type { GrantProof } from './interceptor-types.js';

/** The proof fields a decision entry carries (what the audit log's `DecisionProof` accepts). */
export type DecisionProofInput = {
  policyRuleId?: string;
  tokenId?: string;
  allowanceId?: string;
  approval?: ReturnType<typeof approvalProof>;
  budget?: { costMicros?: number };
};

/** Who answered an approval, from which frontend, and how: the approval part of a decision proof. */
export function approvalProof(a: ApprovalRequest) {
  return {
    approvalId: a.id,
    approvedBy: a.decidedBy?.principal ?? 'nobody',
    frontend: a.decidedBy?.frontend ?? a.state,
    ...(a.decision === undefined ? {} : { answer: a.decision }),
  };
}

/** A command grant for the bare binary with any arguments: never enough to authorize. */
export function isBareBinary(r: CapabilityToken['resources'][number]): boolean {
  return r.action === 'execute_command' && r.argv.length === 1 && r.trailing === 'any';
}

/** The decision entry's reason: which stage allowed the action and on what proof. */
export function describeProof(proof: GrantProof, escalated: boolean): string {
  const base =
    proof.stage === 'token'
      ? `allowed by capability token ${proof.tokenId}`
      : proof.stage === 'allowance'
        ? `allowed by session allowance ${proof.allowanceId}`
        : proof.stage === 'approval'
          ? `approved by the user (${proof.approvalId})`
          : `allowed by workspace mode rule ${proof.rule}`;
  return escalated ? `${base}; asked because untrusted content is in the session` : base;
}
