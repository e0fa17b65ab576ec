import { assertBookable, assertDateNotAfter, assertNotFuture } from '#src/common/rules.js';
import { maxDate } from '#src/common/dates.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  type Decimal,
  formatAmount,
  formatUsd,
  parseAmount,
  toUsd,
} from '#src/common/money/money.js';
import { assertBalanced, type EntryDraft } from '#src/ledger/journal.service.js';
import type { CreatePaymentDto, PaymentResponse } from '#src/payments/payment.dto.js';
import { type PaymentPosting, postPayment } from '#src/payments/payment-posting.js';
import { outstandingOf } from '#src/pledges/pledges.service.js';
import {
  pledgeFromRow,
  type PledgeRow,
  type PledgeState,
} from '#src/pledges/pledges.repository.js';
import { type AppliedRate, appliedRate, formatRate } from '#src/rates/rates.service.js';
import type { ReceiptFacts } from '#src/receipts/receipts.service.js';

/** What PAYMENT_SQL.lookup reads for a payment: the donor's name, the rate and the pledge. */
export interface PaymentLookupRow extends PledgeRow {
  donor_name: string | null;
  rate: string | null;
  rate_effective_on: string;
}

/** A payment that passed every rule, with its posting: all that is left is to number it. */
export interface PreparedPayment {
  id: string;
  amount: Decimal;
  /** The pledge as it stood before this payment, or null for an unpledged one. */
  pledge: PledgeState | null;
  applied: AppliedRate;
  earmark: string;
  donorName: string;
  posting: PaymentPosting;
  draft: EntryDraft;
}

/**
 * The rules of SPEC 7 for one payment, in the order the spec fixes, the first failure raising:
 * NOT_FOUND (donor, pledge), PLEDGE_DONOR_MISMATCH, INVALID_PLEDGE_STATE, CURRENCY_MISMATCH,
 * VALIDATION_FAILED (another earmark), DATE_IN_FUTURE, DATE_OUT_OF_ORDER, RATE_NOT_FOUND,
 * EXCEEDS_OUTSTANDING, AMOUNT_TOO_SMALL. Pure: the API and the bulk import both call it, the
 * import with the pledge as earlier lines of its batch left it (`pledgeNow`).
 */
export function preparePayment(
  input: CreatePaymentDto,
  found: PaymentLookupRow,
  pledgeNow: PledgeState | null,
  pscRate: Decimal,
  id: string,
): PreparedPayment {
  const amount = parseAmount(input.amount, input.currency);
  if (found.donor_name === null) throw DomainError.notFound('Donor', input.donorId);
  const pledge = input.pledgeId ? checkPledge(input, pledgeNow ?? pledgeOf(input, found)) : null;
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
    const outstanding = formatAmount(outstandingOf(pledge), pledge.currency);
    throw new DomainError(
      ErrorCode.EXCEEDS_OUTSTANDING,
      `The payment of ${input.currency} ${formatAmount(amount, input.currency)} exceeds the ${outstanding} outstanding on the pledge`,
      [{ field: 'amount', message: `may not exceed the outstanding ${outstanding}` }],
    );
  }
  const earmark = pledge ? pledge.earmark : input.earmark!;
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
    pscRate,
    pledge: pledge && {
      id: pledge.id,
      confirmRate: pledge.confirmRate!,
      confirmRateEffectiveOn: pledge.confirmRateEffectiveOn!,
      carryingUsd: pledge.carryingUsd!,
      relievedUsd: pledge.relievedUsd,
      outstanding: outstandingOf(pledge),
    },
  });
  const draft: EntryDraft = {
    effectiveOn: input.receivedOn,
    kind: 'payment_received',
    sourceType: 'payment',
    sourceId: id,
    reversesSeq: null,
    lines: posting.lines,
  };
  assertBalanced(draft);
  return { id, amount, pledge, applied, earmark, donorName: found.donor_name, posting, draft };
}

function pledgeOf(input: CreatePaymentDto, found: PaymentLookupRow): PledgeState {
  if (found.id === null) throw DomainError.notFound('Pledge', input.pledgeId!);
  return pledgeFromRow(found);
}

/** Checks that the pledge (locked by the lookup) may take this payment, in the order SPEC 7 fixes. */
function checkPledge(input: CreatePaymentDto, pledge: PledgeState): PledgeState {
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

/** The pledge as this payment leaves it, or null for an unpledged payment. */
export function pledgeAfter(prepared: PreparedPayment): PledgeState | null {
  const { pledge, posting, amount, draft } = prepared;
  if (!pledge) return null;
  return {
    ...pledge,
    status: posting.settles ? 'paid' : 'partially_paid',
    paidAmount: pledge.paidAmount.plus(amount),
    relievedUsd: pledge.relievedUsd.plus(posting.relievedUsd),
    lastEventOn: maxDate(pledge.lastEventOn, draft.effectiveOn),
  };
}

/** The pledge's new state in PAYMENT_SQL.write, or nulls for an unpledged payment. */
export function pledgeValues(after: PledgeState | null) {
  return {
    pledgeId: after?.id ?? null,
    pledgeStatus: after?.status ?? null,
    pledgePaidAmount: after?.paidAmount.toFixed() ?? null,
    pledgeRelievedUsd: after?.relievedUsd.toFixed() ?? null,
    pledgeLastEventOn: after?.lastEventOn ?? null,
  };
}

/** What the receipt of the payment says, before it is numbered and signed. */
export function receiptFacts(input: CreatePaymentDto, prepared: PreparedPayment): ReceiptFacts {
  return {
    paymentId: prepared.id,
    donorId: input.donorId,
    donorName: prepared.donorName,
    pledgeReference: prepared.pledge?.reference ?? null,
    currency: input.currency,
    amount: formatAmount(prepared.amount, input.currency),
    receivedOn: input.receivedOn,
    rate: formatRate(prepared.applied.rate),
    rateEffectiveOn: prepared.applied.rateEffectiveOn,
    amountUsd: formatUsd(prepared.posting.amountUsd),
    earmark: prepared.earmark,
    bankReference: input.bankReference ?? null,
  };
}

/** The payment as the API answers it. */
export function paymentView(
  prepared: PreparedPayment,
  input: CreatePaymentDto,
  pscRate: Decimal,
  receiptNumber: string,
  journalEntrySeq: number,
): PaymentResponse {
  const { id, amount, earmark, applied, posting } = prepared;
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
