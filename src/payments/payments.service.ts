import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { openApprovalRequest } from '#src/approvals/approval-request.js';
import type { ApprovalRequestResponse } from '#src/approvals/approval-request.dto.js';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { canSeeDonor, donorScope } from '#src/auth/donor-scope.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { assertDateNotAfter, assertNotFuture } from '#src/common/rules.js';
import { maxDate } from '#src/common/dates.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  IdempotencyService,
  type IdempotentOutcome,
} from '#src/common/http/idempotency.service.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import { Dec, type Decimal, formatAmount, formatUsd } from '#src/common/money/money.js';
import { bindNamed } from '#src/database/named-sql.js';
import { JournalService, type LedgerHead, nextEntry } from '#src/ledger/journal.service.js';
import type { CreatePaymentDto, PaymentResponse } from '#src/payments/payment.dto.js';
import { mirrorLines } from '#src/payments/payment-posting.js';
import {
  type PaymentLookupRow,
  paymentView,
  preparePayment,
  receiptFacts,
} from '#src/payments/payment-rules.js';
import { PAYMENT_SQL, paymentWriteValues } from '#src/payments/payment.sql.js';
import { findPayment, listPayments, type PaymentRow } from '#src/payments/payments.repository.js';
import { lockPledge, type PledgeState, savePledgeState } from '#src/pledges/pledges.repository.js';
import { formatRate } from '#src/rates/rates.service.js';
import { receiptYear, ReceiptsService } from '#src/receipts/receipts.service.js';

@Injectable()
export class PaymentsService {
  private readonly pscRate: Decimal;
  /** Reversals are requested and approved by two finance keys (FOUR_EYES=on). */
  private readonly fourEyes: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyService,
    private readonly journal: JournalService,
    private readonly receipts: ReceiptsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pscRate = new Dec(config.pscRate);
    this.fourEyes = config.fourEyes;
  }

  /**
   * Records a payment with its journal entry, receipt and audit event in one transaction of
   * three statements after the idempotency claim (see PAYMENT_SQL). Checks run in the order of
   * SPEC 7, the first failure answering: VALIDATION_FAILED; NOT_FOUND, PLEDGE_DONOR_MISMATCH;
   * INVALID_PLEDGE_STATE; CURRENCY_MISMATCH; DATE_IN_FUTURE, DATE_OUT_OF_ORDER; RATE_NOT_FOUND;
   * EXCEEDS_OUTSTANDING. Also IDEMPOTENCY_KEY_REUSED.
   */
  async create(
    input: CreatePaymentDto,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<PaymentResponse>> {
    return this.idempotency.execute(actor, fingerprint, async (manager, slot) => {
      const [found] = (await manager.query(
        PAYMENT_SQL.lookup.text,
        bindNamed(PAYMENT_SQL.lookup, {
          donorId: input.donorId,
          currency: input.currency,
          receivedOn: input.receivedOn,
          pledgeId: input.pledgeId ?? null,
        }),
      )) as PaymentLookupRow[];
      const prepared = preparePayment(input, found, null, this.pscRate, randomUUID());

      // From here to commit every other payment waits: two statements, no checks left.
      const [reserved] = (await manager.query(
        PAYMENT_SQL.reserve.text,
        bindNamed(PAYMENT_SQL.reserve, { receiptYear: receiptYear(input.receivedOn) }),
      )) as (LedgerHead & { receipt_seq: number })[];
      const receipt = this.receipts.issue(receiptFacts(input, prepared), reserved.receipt_seq);
      const entry = nextEntry(reserved, prepared.draft);
      const view = paymentView(prepared, input, this.pscRate, receipt.payload.number, entry.seq);
      const outcome = { status: 201, body: view };
      await manager.query(
        PAYMENT_SQL.write.text,
        bindNamed(
          PAYMENT_SQL.write,
          paymentWriteValues({ prepared, entry, receipt, actor, slot, outcome }),
        ),
      );
      return { ...outcome, stored: true };
    });
  }

  /**
   * Reverses a payment: the mirror entry dated `reversedOn`, the receipt cancelled, the pledge
   * reopened; answers 200 with the payment. Under four-eyes control (FOUR_EYES=on) the same checks
   * run, nothing is posted, and the answer is a pending approval request (202) that a different
   * finance key approves (src/approvals). Raises NOT_FOUND, ALREADY_REVERSED,
   * INVALID_PLEDGE_STATE (written-off pledge), DATE_IN_FUTURE and DATE_OUT_OF_ORDER; under
   * four-eyes control also APPROVAL_PENDING.
   */
  async reverse(
    id: string,
    reason: string,
    reversedOn: string,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<PaymentResponse | ApprovalRequestResponse>> {
    return this.idempotency.execute<PaymentResponse | ApprovalRequestResponse>(
      actor,
      fingerprint,
      async (manager) => {
        if (!this.fourEyes) {
          const body = await this.reverseInTransaction(manager, id, reason, reversedOn, actor);
          return { status: 200, body };
        }
        await lockReversible(manager, id, reversedOn);
        const request = await openApprovalRequest(manager, actor, {
          action: 'payment.reverse',
          paymentId: id,
          pledgeId: null,
          reason,
          effectiveOn: reversedOn,
        });
        await this.audit.record(manager, actor, {
          action: 'payment.reversal_requested',
          resourceType: 'payment',
          resourceId: id,
        });
        return { status: 202, body: request };
      },
    );
  }

  /**
   * The reversal itself, in the caller's transaction: the direct call's, or the approval's of a
   * four-eyes request, which must answer exactly as the direct call would. Raises what `reverse`
   * raises but APPROVAL_PENDING.
   */
  async reverseInTransaction(
    manager: EntityManager,
    id: string,
    reason: string,
    reversedOn: string,
    actor: Actor,
  ): Promise<PaymentResponse> {
    const { payment, pledge } = await lockReversible(manager, id, reversedOn);
    await this.receipts.cancel(manager, id);
    const entry = await this.journal.post(manager, {
      effectiveOn: reversedOn,
      kind: 'payment_reversed',
      sourceType: 'payment',
      sourceId: id,
      reversesSeq: Number(payment.journal_entry_seq),
      lines: mirrorLines(await this.journal.linesOf(manager, Number(payment.journal_entry_seq))),
    });
    await manager.query(
      'INSERT INTO payment_reversals (payment_id, reason, reversed_on, journal_entry_seq) VALUES ($1, $2, $3, $4)',
      [id, reason, reversedOn, entry.seq],
    );
    if (pledge) await reopenPledge(manager, pledge, payment, reversedOn);
    await this.audit.record(manager, actor, {
      action: 'payment.reversed',
      resourceType: 'payment',
      resourceId: id,
    });
    return toPaymentResponse({ ...payment, reversed: true });
  }

  /** Raises NOT_FOUND, also for a donor key asking for another donor's payment. */
  async get(id: string, actor: Actor): Promise<PaymentResponse> {
    const payment = await findPayment(this.dataSource.manager, id);
    if (!payment || !canSeeDonor(actor, payment.donor_id))
      throw DomainError.notFound('Payment', id);
    return toPaymentResponse(payment);
  }

  async list(
    filter: { donorId?: string; pledgeId?: string; cursor?: string; limit: number },
    actor: Actor,
  ): Promise<Page<PaymentResponse>> {
    const afterId = decodeCursor(filter.cursor, UUID_PATTERN);
    const scope = donorScope(actor, filter.donorId);
    if (scope.kind === 'none') return { items: [], nextCursor: null };
    const rows = await listPayments(this.dataSource.manager, {
      donorId: scope.kind === 'donor' ? scope.donorId : undefined,
      pledgeId: filter.pledgeId,
      afterId,
      limit: filter.limit,
    });
    return toPage(rows, filter.limit, toPaymentResponse, (row) => row.id);
  }
}

/**
 * Locks the payment, then its pledge, and checks that it may be reversed on `reversedOn`.
 * Raises NOT_FOUND, ALREADY_REVERSED, INVALID_PLEDGE_STATE, DATE_IN_FUTURE, DATE_OUT_OF_ORDER.
 */
async function lockReversible(
  manager: EntityManager,
  id: string,
  reversedOn: string,
): Promise<{ payment: PaymentRow; pledge: PledgeState | null }> {
  const payment = await findPayment(manager, id, true);
  if (!payment) throw DomainError.notFound('Payment', id);
  if (payment.reversed)
    throw new DomainError(ErrorCode.ALREADY_REVERSED, `Payment ${id} has already been reversed`);
  const pledge = payment.pledge_id ? await lockPledge(manager, payment.pledge_id) : null;
  if (pledge?.status === 'written_off') {
    throw new DomainError(
      ErrorCode.INVALID_PLEDGE_STATE,
      'A payment of a written-off pledge cannot be reversed',
    );
  }
  assertNotFuture(reversedOn, 'reversedOn');
  assertDateNotAfter(payment.received_on, reversedOn, 'reversedOn', "the payment's receivedOn");
  return { payment, pledge };
}

async function reopenPledge(
  manager: EntityManager,
  pledge: PledgeState,
  payment: PaymentRow,
  reversedOn: string,
): Promise<void> {
  pledge.paidAmount = pledge.paidAmount.minus(new Dec(payment.amount));
  pledge.relievedUsd = pledge.relievedUsd.minus(new Dec(payment.relieved_usd));
  pledge.status = pledge.paidAmount.isZero() ? 'confirmed' : 'partially_paid';
  pledge.lastEventOn = maxDate(pledge.lastEventOn, reversedOn);
  await savePledgeState(manager, pledge);
}

export function toPaymentResponse(row: PaymentRow): PaymentResponse {
  return {
    id: row.id,
    donorId: row.donor_id,
    pledgeId: row.pledge_id,
    currency: row.currency,
    amount: formatAmount(new Dec(row.amount), row.currency),
    receivedOn: row.received_on,
    earmark: row.earmark,
    bankReference: row.bank_reference,
    rate: formatRate(new Dec(row.rate)),
    rateEffectiveOn: row.rate_effective_on,
    amountUsd: formatUsd(new Dec(row.amount_usd)),
    relievedUsd: formatUsd(new Dec(row.relieved_usd)),
    fxGainLossUsd: formatUsd(new Dec(row.fx_gain_loss_usd)),
    pscRate: formatRate(new Dec(row.psc_rate)),
    pscUsd: formatUsd(new Dec(row.psc_usd)),
    status: row.reversed ? 'reversed' : 'posted',
    receiptNumber: row.receipt_number,
    journalEntrySeq: Number(row.journal_entry_seq),
  };
}
