import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { openApprovalRequest } from '#src/approvals/approval-request.js';
import type { ApprovalRequestResponse } from '#src/approvals/approval-request.dto.js';
import { AuditService, auditValues } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { canSeeDonor, donorScope } from '#src/auth/donor-scope.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { assertBookable, assertDateNotAfter, assertNotFuture } from '#src/common/rules.js';
import { maxDate } from '#src/common/dates.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  IdempotencyService,
  type IdempotentOutcome,
  outcomeValues,
} from '#src/common/http/idempotency.service.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import {
  Dec,
  type Decimal,
  formatAmount,
  formatUsd,
  parseAmount,
  toUsd,
} from '#src/common/money/money.js';
import { bindNamed } from '#src/database/named-sql.js';
import {
  assertBalanced,
  entryValues,
  JournalService,
  type LedgerHead,
  nextEntry,
} from '#src/ledger/journal.service.js';
import type { CreatePaymentDto, PaymentResponse } from '#src/payments/payment.dto.js';
import { mirrorLines, type PaymentPosting, postPayment } from '#src/payments/payment-posting.js';
import { PAYMENT_SQL, paymentValues } from '#src/payments/payment.sql.js';
import { findPayment, listPayments, type PaymentRow } from '#src/payments/payments.repository.js';
import { outstandingOf } from '#src/pledges/pledges.service.js';
import {
  lockPledge,
  pledgeFromRow,
  type PledgeRow,
  type PledgeState,
  savePledgeState,
} from '#src/pledges/pledges.repository.js';
import { appliedRate, formatRate } from '#src/rates/rates.service.js';
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
    const amount = parseAmount(input.amount, input.currency);
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
      if (found.donor_name === null) throw DomainError.notFound('Donor', input.donorId);
      const pledge = input.pledgeId ? checkPledgeForPayment(input, found) : null;
      assertNotFuture(input.receivedOn, 'receivedOn');
      if (pledge)
        assertDateNotAfter(
          pledge.confirmedOn!,
          input.receivedOn,
          'receivedOn',
          "the pledge's confirmation",
        );
      const applied = appliedRate(
        input.currency,
        input.receivedOn,
        found.rate === null ? null : { rate: found.rate, effective_on: found.rate_effective_on },
      );
      if (pledge && amount.greaterThan(outstandingOf(pledge))) {
        throw new DomainError(
          ErrorCode.EXCEEDS_OUTSTANDING,
          `The payment of ${input.currency} ${formatAmount(amount, input.currency)} exceeds the ${formatAmount(outstandingOf(pledge), pledge.currency)} outstanding on the pledge`,
          [
            {
              field: 'amount',
              message: `may not exceed the outstanding ${formatAmount(outstandingOf(pledge), pledge.currency)}`,
            },
          ],
        );
      }
      const earmark = pledge ? pledge.earmark : input.earmark!;
      const id = randomUUID();
      assertBookable(
        toUsd(amount, applied.rate),
        'amount',
        `the rate ${formatRate(applied.rate)} effective ${applied.rateEffectiveOn}`,
      );
      const posting = postPayment({
        donorId: input.donorId,
        currency: input.currency,
        amount,
        receivedOn: input.receivedOn,
        earmark,
        rate: applied.rate,
        rateEffectiveOn: applied.rateEffectiveOn,
        pscRate: this.pscRate,
        pledge: pledge && {
          id: pledge.id,
          confirmRate: pledge.confirmRate!,
          confirmRateEffectiveOn: pledge.confirmRateEffectiveOn!,
          carryingUsd: pledge.carryingUsd!,
          relievedUsd: pledge.relievedUsd,
          outstanding: outstandingOf(pledge),
        },
      });
      const draft = {
        effectiveOn: input.receivedOn,
        kind: 'payment_received',
        sourceType: 'payment',
        sourceId: id,
        reversesSeq: null,
        lines: posting.lines,
      };
      assertBalanced(draft);

      // From here to commit every other payment waits: two statements, no checks left.
      const [reserved] = (await manager.query(
        PAYMENT_SQL.reserve.text,
        bindNamed(PAYMENT_SQL.reserve, { receiptYear: receiptYear(input.receivedOn) }),
      )) as (LedgerHead & { receipt_seq: number })[];
      const receipt = this.receipts.issue(
        {
          paymentId: id,
          donorId: input.donorId,
          donorName: found.donor_name,
          pledgeReference: pledge?.reference ?? null,
          currency: input.currency,
          amount: formatAmount(amount, input.currency),
          receivedOn: input.receivedOn,
          rate: formatRate(applied.rate),
          rateEffectiveOn: applied.rateEffectiveOn,
          amountUsd: formatUsd(posting.amountUsd),
          earmark,
          bankReference: input.bankReference ?? null,
        },
        reserved.receipt_seq,
      );
      const entry = nextEntry(reserved, draft);
      const view = paymentView(
        id,
        input,
        amount,
        earmark,
        applied,
        posting,
        this.pscRate,
        receipt.payload.number,
        entry.seq,
      );
      const outcome = { status: 201, body: view };
      await manager.query(
        PAYMENT_SQL.write.text,
        bindNamed(PAYMENT_SQL.write, {
          ...entryValues(entry),
          ...receipt.values,
          ...paymentValues(view),
          ...pledgeValues(pledge, amount, posting, input.receivedOn),
          ...auditValues(actor, {
            action: 'payment.created',
            resourceType: 'payment',
            resourceId: id,
          }),
          ...outcomeValues(slot, outcome),
        }),
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

interface PaymentLookupRow extends PledgeRow {
  donor_name: string | null;
  rate: string | null;
  rate_effective_on: string;
}

/** Checks that the pledge (locked by the lookup) may take this payment, in the order SPEC 7 fixes. */
function checkPledgeForPayment(input: CreatePaymentDto, found: PaymentLookupRow): PledgeState {
  if (found.id === null) throw DomainError.notFound('Pledge', input.pledgeId!);
  const pledge = pledgeFromRow(found);
  if (pledge.donorId !== input.donorId) {
    throw new DomainError(
      ErrorCode.PLEDGE_DONOR_MISMATCH,
      `Pledge ${pledge.id} belongs to another donor`,
      [{ field: 'pledgeId', message: 'belongs to another donor' }],
    );
  }
  if (pledge.status !== 'confirmed' && pledge.status !== 'partially_paid') {
    throw new DomainError(
      ErrorCode.INVALID_PLEDGE_STATE,
      `A ${pledge.status} pledge cannot take a payment; it must be confirmed or partially paid`,
    );
  }
  if (pledge.currency !== input.currency) {
    throw new DomainError(
      ErrorCode.CURRENCY_MISMATCH,
      `The pledge is in ${pledge.currency}; the payment is in ${input.currency}`,
      [{ field: 'currency', message: `must be the pledge's currency ${pledge.currency}` }],
    );
  }
  if (input.earmark !== undefined && input.earmark !== pledge.earmark) {
    throw DomainError.validation([
      { field: 'earmark', message: `must be the pledge's earmark ${pledge.earmark}, or omitted` },
    ]);
  }
  return pledge;
}

/** The pledge's state after the payment (PAYMENT_SQL.write), or nulls for an unpledged one. */
function pledgeValues(
  pledge: PledgeState | null,
  amount: Decimal,
  posting: PaymentPosting,
  receivedOn: string,
) {
  return {
    pledgeId: pledge?.id ?? null,
    pledgeStatus: pledge ? (posting.settles ? 'paid' : 'partially_paid') : null,
    pledgePaidAmount: pledge?.paidAmount.plus(amount).toFixed() ?? null,
    pledgeRelievedUsd: pledge?.relievedUsd.plus(posting.relievedUsd).toFixed() ?? null,
    pledgeLastEventOn: pledge ? maxDate(pledge.lastEventOn, receivedOn) : null,
  };
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

function paymentView(
  id: string,
  input: CreatePaymentDto,
  amount: Decimal,
  earmark: string,
  applied: { rate: Decimal; rateEffectiveOn: string },
  posting: PaymentPosting,
  pscRate: Decimal,
  receiptNumber: string,
  journalEntrySeq: number,
): PaymentResponse {
  return {
    id,
    donorId: input.donorId,
    pledgeId: input.pledgeId ?? null,
    currency: input.currency,
    amount: formatAmount(amount, input.currency),
    receivedOn: input.receivedOn,
    earmark,
    bankReference: input.bankReference ?? null,
    rate: formatRate(applied.rate),
    rateEffectiveOn: applied.rateEffectiveOn,
    amountUsd: formatUsd(posting.amountUsd),
    relievedUsd: formatUsd(posting.relievedUsd),
    fxGainLossUsd: formatUsd(posting.fxGainLossUsd),
    pscRate: formatRate(pscRate),
    pscUsd: formatUsd(posting.pscUsd),
    status: 'posted',
    receiptNumber,
    journalEntrySeq,
  };
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
