import type { EntityManager } from 'typeorm';
import type { ApprovalAction, ApprovalOutcome } from '#src/approvals/approval.entity.js';
import type { ApprovalStatus } from '#src/approvals/approval-request.dto.js';

/** A request with its decision joined in (null columns while it is pending). */
const SELECT_VIEW = `
  SELECT r.id, r.action, r.payment_id, r.pledge_id, r.reason, r.effective_on::text AS effective_on,
         r.requested_by, r.requested_at, d.outcome, d.decided_by, d.decided_at, d.reason AS decision_reason
    FROM approval_requests r LEFT JOIN approval_decisions d ON d.request_id = r.id`;

export interface ApprovalRequestRow {
  id: string;
  action: ApprovalAction;
  payment_id: string | null;
  pledge_id: string | null;
  reason: string;
  effective_on: string;
  requested_by: string;
  requested_at: Date | string;
  outcome: ApprovalOutcome | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_reason: string | null;
}

export interface ApprovalRequestDraft {
  action: ApprovalAction;
  paymentId: string | null;
  pledgeId: string | null;
  reason: string;
  effectiveOn: string;
  requestedBy: string;
}

/**
 * Reads a request with its decision. With `lock`, the request row is locked first, in a statement
 * of its own: a second decider waits there, and only then reads the decision table, so it sees
 * the first decision once that commits.
 */
export async function findApprovalRequest(
  manager: EntityManager,
  id: string,
  lock = false,
): Promise<ApprovalRequestRow | null> {
  if (lock) await manager.query('SELECT 1 FROM approval_requests WHERE id = $1 FOR UPDATE', [id]);
  const rows = (await manager.query(`${SELECT_VIEW} WHERE r.id = $1`, [
    id,
  ])) as ApprovalRequestRow[];
  return rows[0] ?? null;
}

/**
 * The id of the undecided request for this payment or pledge, if any. Callers hold the target's
 * row lock, which every request for it takes, so the answer cannot change before they commit.
 */
export async function findPendingRequestFor(
  manager: EntityManager,
  target: { paymentId: string | null; pledgeId: string | null },
): Promise<string | null> {
  const rows = (await manager.query(
    `SELECT r.id FROM approval_requests r
      WHERE (r.payment_id = $1 OR r.pledge_id = $2)
        AND NOT EXISTS (SELECT 1 FROM approval_decisions d WHERE d.request_id = r.id)
      LIMIT 1`,
    [target.paymentId, target.pledgeId],
  )) as { id: string }[];
  return rows[0]?.id ?? null;
}

export async function insertApprovalRequest(
  manager: EntityManager,
  draft: ApprovalRequestDraft,
): Promise<ApprovalRequestRow> {
  // A new request has no decision yet: the row is returned as SELECT_VIEW would read it.
  const [row] = (await manager.query(
    `INSERT INTO approval_requests (action, payment_id, pledge_id, reason, effective_on, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, action, payment_id, pledge_id, reason, effective_on::text AS effective_on, requested_by,
               requested_at, NULL::text AS outcome, NULL::uuid AS decided_by, NULL::timestamptz AS decided_at,
               NULL::text AS decision_reason`,
    [
      draft.action,
      draft.paymentId,
      draft.pledgeId,
      draft.reason,
      draft.effectiveOn,
      draft.requestedBy,
    ],
  )) as ApprovalRequestRow[];
  return row;
}

export async function insertApprovalDecision(
  manager: EntityManager,
  decision: {
    requestId: string;
    requestedBy: string;
    outcome: ApprovalOutcome;
    decidedBy: string;
    reason: string | null;
  },
): Promise<{ decided_at: Date }> {
  const [row] = (await manager.query(
    `INSERT INTO approval_decisions (request_id, requested_by, outcome, decided_by, reason)
     VALUES ($1, $2, $3, $4, $5) RETURNING decided_at`,
    [
      decision.requestId,
      decision.requestedBy,
      decision.outcome,
      decision.decidedBy,
      decision.reason,
    ],
  )) as { decided_at: Date }[];
  return row;
}

/** Requests in the order they were made, optionally only those of one status. */
export async function listApprovalRequests(
  manager: EntityManager,
  filter: { status?: ApprovalStatus; afterId: string | null; limit: number },
): Promise<ApprovalRequestRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown): string => `$${params.push(value)}`;
  if (filter.status === 'pending') where.push('d.request_id IS NULL');
  else if (filter.status) where.push(`d.outcome = ${param(filter.status)}`);
  if (filter.afterId)
    where.push(
      `(r.requested_at, r.id) > (SELECT requested_at, id FROM approval_requests WHERE id = ${param(filter.afterId)})`,
    );
  return (await manager.query(
    `${SELECT_VIEW} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.requested_at, r.id LIMIT ${param(filter.limit + 1)}`,
    params,
  )) as ApprovalRequestRow[];
}
