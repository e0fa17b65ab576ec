import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  ApprovalRequestResponse,
  ApprovalStatus,
} from '#src/approvals/approval-request.dto.js';
import { toApprovalRequestResponse } from '#src/approvals/approval-request.js';
import {
  type ApprovalRequestRow,
  findApprovalRequest,
  insertApprovalDecision,
  listApprovalRequests,
} from '#src/approvals/approvals.repository.js';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  IdempotencyService,
  type IdempotentOutcome,
} from '#src/common/http/idempotency.service.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import type { PaymentResponse } from '#src/payments/payment.dto.js';
import { PaymentsService } from '#src/payments/payments.service.js';
import type { PledgeResponse } from '#src/pledges/pledge.dto.js';
import { PledgesService } from '#src/pledges/pledges.service.js';

/**
 * Four-eyes control (FOUR_EYES=on, docs/decisions/0015-four-eyes.md): a request made by one
 * finance key is approved or rejected by another. The payments and pledges services open the
 * requests; this service decides them, and an approval runs the very operation the direct call
 * runs, in the same transaction as the decision.
 */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyService,
    private readonly payments: PaymentsService,
    private readonly pledges: PledgesService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Approves a request: records the decision and runs the requested operation with this key as
   * its actor, in one transaction, and answers exactly as the direct call would (200 with the
   * reversed payment or the written-off pledge). Raises NOT_FOUND, ALREADY_DECIDED, FORBIDDEN
   * (the key that made the request), IDEMPOTENCY_KEY_REUSED, and whatever the operation raises
   * now (ALREADY_REVERSED, INVALID_PLEDGE_STATE, DATE_IN_FUTURE, DATE_OUT_OF_ORDER), which rolls
   * the decision back and leaves the request pending.
   */
  async approve(
    id: string,
    comment: string | null,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<PaymentResponse | PledgeResponse>> {
    return this.idempotency.execute<PaymentResponse | PledgeResponse>(
      actor,
      fingerprint,
      async (manager) => {
        const request = await lockUndecided(manager, id);
        if (actor.apiKeyId === null || actor.apiKeyId === request.requested_by) {
          throw new DomainError(
            ErrorCode.FORBIDDEN,
            `Approval request ${id} was made by this API key; four-eyes control needs a different finance key to approve it`,
          );
        }
        // The decision goes first: its CHECK refuses a self-approval before anything is posted.
        await insertApprovalDecision(manager, {
          requestId: id,
          requestedBy: request.requested_by,
          outcome: 'approved',
          decidedBy: actor.apiKeyId,
          reason: comment,
        });
        await this.audit.record(manager, actor, {
          action: 'approval_request.approved',
          resourceType: 'approval_request',
          resourceId: id,
        });
        return { status: 200, body: await this.execute(manager, request, actor) };
      },
    );
  }

  /**
   * Rejects a request: nothing is posted and the payment or pledge may be asked for again. The
   * requesting key may reject its own request (a withdrawal), since that moves no money. Raises
   * NOT_FOUND, ALREADY_DECIDED, FORBIDDEN (no API key) and IDEMPOTENCY_KEY_REUSED.
   */
  async reject(
    id: string,
    reason: string,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<ApprovalRequestResponse>> {
    return this.idempotency.execute(actor, fingerprint, async (manager) => {
      const request = await lockUndecided(manager, id);
      if (actor.apiKeyId === null) {
        throw new DomainError(ErrorCode.FORBIDDEN, 'A decision must be made with an API key');
      }
      const { decided_at } = await insertApprovalDecision(manager, {
        requestId: id,
        requestedBy: request.requested_by,
        outcome: 'rejected',
        decidedBy: actor.apiKeyId,
        reason,
      });
      await this.audit.record(manager, actor, {
        action: 'approval_request.rejected',
        resourceType: 'approval_request',
        resourceId: id,
      });
      const decided: ApprovalRequestRow = {
        ...request,
        outcome: 'rejected',
        decided_by: actor.apiKeyId,
        decided_at,
        decision_reason: reason,
      };
      return { status: 200, body: toApprovalRequestResponse(decided) };
    });
  }

  /** Raises NOT_FOUND. */
  async get(id: string): Promise<ApprovalRequestResponse> {
    const request = await findApprovalRequest(this.dataSource.manager, id);
    if (!request) throw DomainError.notFound('Approval request', id);
    return toApprovalRequestResponse(request);
  }

  async list(filter: {
    status?: ApprovalStatus;
    cursor?: string;
    limit: number;
  }): Promise<Page<ApprovalRequestResponse>> {
    const afterId = decodeCursor(filter.cursor, UUID_PATTERN);
    const rows = await listApprovalRequests(this.dataSource.manager, {
      status: filter.status,
      afterId,
      limit: filter.limit,
    });
    return toPage(rows, filter.limit, toApprovalRequestResponse, (row) => row.id);
  }

  /** Runs the approved operation, as requested, in the approval's transaction. */
  private execute(
    manager: EntityManager,
    request: ApprovalRequestRow,
    actor: Actor,
  ): Promise<PaymentResponse | PledgeResponse> {
    switch (request.action) {
      case 'payment.reverse':
        return this.payments.reverseInTransaction(
          manager,
          request.payment_id!,
          request.reason,
          request.effective_on,
          actor,
        );
      case 'pledge.write_off':
        return this.pledges.writeOffInTransaction(
          manager,
          request.pledge_id!,
          request.reason,
          request.effective_on,
          actor,
        );
    }
  }
}

/**
 * Locks the request and checks that it still awaits a decision: of two keys deciding at once,
 * the second waits on the lock and then finds the first's decision. Raises NOT_FOUND and
 * ALREADY_DECIDED.
 */
async function lockUndecided(manager: EntityManager, id: string): Promise<ApprovalRequestRow> {
  const request = await findApprovalRequest(manager, id, true);
  if (!request) throw DomainError.notFound('Approval request', id);
  if (request.outcome !== null) {
    throw new DomainError(
      ErrorCode.ALREADY_DECIDED,
      `Approval request ${id} was already ${request.outcome} by API key ${request.decided_by}`,
    );
  }
  return request;
}
