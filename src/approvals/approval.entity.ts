import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { ApiKey } from '#src/auth/api-key.entity.js';
import { Payment } from '#src/payments/payment.entity.js';
import { Pledge } from '#src/pledges/pledge.entity.js';

/** The operations that need a second finance key when four-eyes control is on. */
export const APPROVAL_ACTIONS = ['payment.reverse', 'pledge.write_off'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

export const APPROVAL_OUTCOMES = ['approved', 'rejected'] as const;
export type ApprovalOutcome = (typeof APPROVAL_OUTCOMES)[number];

/**
 * One finance key's request for a reversal or a write-off, awaiting another key's decision.
 * Append-only: its status is not a column but the presence of its decision, so nothing about a
 * request is ever rewritten. The operation's target is a real foreign key (a payment or a pledge,
 * exactly one, as the action says) rather than a free-text resource id.
 */
@Entity('approval_requests')
@Check(
  'ck_approval_requests_target',
  `("action" = 'payment.reverse' AND "payment_id" IS NOT NULL AND "pledge_id" IS NULL) OR ("action" = 'pledge.write_off' AND "pledge_id" IS NOT NULL AND "payment_id" IS NULL)`,
)
// The pair is what a decision's foreign key points at, so that the decision carries a requester
// the database has checked, which its four-eyes CHECK then compares with the decider.
@Unique('uq_approval_requests_requester', ['id', 'requestedBy'])
@Index('ix_approval_requests_requested', ['requestedAt', 'id'])
@Index('ix_approval_requests_payment', ['paymentId'])
@Index('ix_approval_requests_pledge', ['pledgeId'])
export class ApprovalRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  action: ApprovalAction;

  @Column({ type: 'uuid', nullable: true })
  paymentId: string | null;

  @ManyToOne(() => Payment, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'payment_id', foreignKeyConstraintName: 'fk_approval_requests_payment' })
  payment?: Payment;

  @Column({ type: 'uuid', nullable: true })
  pledgeId: string | null;

  @ManyToOne(() => Pledge, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'pledge_id', foreignKeyConstraintName: 'fk_approval_requests_pledge' })
  pledge?: Pledge;

  /** The request body's `reason`. */
  @Column({ type: 'text' })
  reason: string;

  /** The request body's date: `reversedOn` or `writtenOffOn`, as the action says. */
  @Column({ type: 'date' })
  effectiveOn: string;

  @Column({ type: 'uuid' })
  requestedBy: string;

  @ManyToOne(() => ApiKey, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'requested_by',
    foreignKeyConstraintName: 'fk_approval_requests_requested_by',
  })
  requester?: ApiKey;

  @CreateDateColumn({ type: 'timestamptz' })
  requestedAt: Date;
}

/**
 * The decision on one request: at most one, by the primary key, so of two approvers racing
 * exactly one commits. The requester is copied in under a foreign key to the request's
 * `(id, requested_by)`, which lets a plain CHECK refuse an approval by the requesting key: no
 * code path, bug or hand-run statement can record one. Rejecting one's own request (withdrawing
 * it) moves no money and is allowed.
 */
@Entity('approval_decisions')
@Check('ck_approval_decisions_outcome', `"outcome" IN ('approved', 'rejected')`)
@Check(
  'ck_approval_decisions_four_eyes',
  `"outcome" = 'rejected' OR "decided_by" <> "requested_by"`,
)
@Check('ck_approval_decisions_reason', `"outcome" = 'approved' OR "reason" IS NOT NULL`)
export class ApprovalDecision {
  @PrimaryColumn({ type: 'uuid' })
  requestId: string;

  @Column({ type: 'uuid' })
  requestedBy: string;

  @ManyToOne(() => ApprovalRequest, { onDelete: 'RESTRICT' })
  @JoinColumn([
    {
      name: 'request_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_approval_decisions_request',
    },
    { name: 'requested_by', referencedColumnName: 'requestedBy' },
  ])
  request?: ApprovalRequest;

  @Column({ type: 'text' })
  outcome: ApprovalOutcome;

  @Column({ type: 'uuid' })
  decidedBy: string;

  @ManyToOne(() => ApiKey, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'fk_approval_decisions_decided_by' })
  decider?: ApiKey;

  /** Why the request was rejected (required), or the approver's optional comment. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  decidedAt: Date;
}
