import type { EntityManager } from 'typeorm';
import type { ApprovalRequestResponse } from '#src/approvals/approval-request.dto.js';
import {
  type ApprovalRequestDraft,
  type ApprovalRequestRow,
  findPendingRequestFor,
  insertApprovalRequest,
} from '#src/approvals/approvals.repository.js';
import type { Actor } from '#src/auth/actor.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';

/**
 * Records a request for a reversal or a write-off, to be decided by another finance key. The
 * caller has already run the operation's own checks under the target's row lock, so a request
 * that could never be approved is refused at once. Raises FORBIDDEN (no API key: nobody could be
 * told apart from the requester) and APPROVAL_PENDING (the target already awaits a decision).
 * This module imports neither the payments nor the pledges service: they call it.
 */
export async function openApprovalRequest(
  manager: EntityManager,
  actor: Actor,
  draft: Omit<ApprovalRequestDraft, 'requestedBy'>,
): Promise<ApprovalRequestResponse> {
  if (actor.apiKeyId === null) {
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      'Under four-eyes control a request must come from an API key, so that another key can approve it',
    );
  }
  const pending = await findPendingRequestFor(manager, draft);
  if (pending !== null) {
    const target = draft.paymentId === null ? 'pledge' : 'payment';
    throw new DomainError(
      ErrorCode.APPROVAL_PENDING,
      `The ${target} already has approval request ${pending} awaiting a decision; approve or reject it first`,
    );
  }
  return toApprovalRequestResponse(
    await insertApprovalRequest(manager, { ...draft, requestedBy: actor.apiKeyId }),
  );
}

const timestamp = (value: Date | string): string => new Date(value).toISOString();

export function toApprovalRequestResponse(row: ApprovalRequestRow): ApprovalRequestResponse {
  const reversal = row.action === 'payment.reverse';
  return {
    id: row.id,
    action: row.action,
    resourceType: reversal ? 'payment' : 'pledge',
    resourceId: (reversal ? row.payment_id : row.pledge_id)!,
    request: reversal
      ? { reason: row.reason, reversedOn: row.effective_on }
      : { reason: row.reason, writtenOffOn: row.effective_on },
    requestedBy: row.requested_by,
    requestedAt: timestamp(row.requested_at),
    status: row.outcome ?? 'pending',
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : timestamp(row.decided_at),
    decisionReason: row.decision_reason,
  };
}
