import { Dec, type Decimal, roundUsd, toUsd } from '#src/common/money/money.js';
import type { LineDraft } from '#src/ledger/journal.service.js';

/** The pledge as a payment against it sees it. */
export interface PledgeForPayment {
  id: string;
  confirmRate: Decimal;
  confirmRateEffectiveOn: string;
  carryingUsd: Decimal;
  relievedUsd: Decimal;
  /** Amount still to be paid, in the pledge currency. */
  outstanding: Decimal;
}

export interface PaymentPostingInput {
  donorId: string;
  currency: string;
  amount: Decimal;
  receivedOn: string;
  earmark: string;
  rate: Decimal;
  rateEffectiveOn: string;
  pscRate: Decimal;
  pledge: PledgeForPayment | null;
}

export interface PaymentPosting {
  amountUsd: Decimal;
  relievedUsd: Decimal;
  /** Positive for a gain, negative for a loss, zero without a pledge. */
  fxGainLossUsd: Decimal;
  pscUsd: Decimal;
  /** True when this payment pays the pledge's whole outstanding amount. */
  settles: boolean;
  lines: LineDraft[];
}

const ZERO = new Dec(0);
const ONE = new Dec(1);

/**
 * How a payment is booked (SPEC 7), as a pure function:
 * - cash: Dr 1100 at the rate for the day received;
 * - against a pledge: Cr 1200 for the carrying value relieved, `amount / confirmRate` rounded,
 *   except that the settling payment relieves exactly what remains, so that a paid pledge leaves
 *   0.00 receivable whatever the rounding of earlier payments; cash minus relief goes to 4900;
 * - unpledged: Cr 4100 revenue;
 * - programme support cost: Dr 5200 / Cr 2200, PSC rate × cash, rounded half-even.
 * Every line is on the payment's earmark, so the entry balances within it.
 */
export function postPayment(input: PaymentPostingInput): PaymentPosting {
  const amountUsd = toUsd(input.amount, input.rate);
  const original = {
    currency: input.currency,
    amountOriginal: input.amount,
    earmark: input.earmark,
    donorId: input.donorId,
  };
  const usdLine = (amount: Decimal) => ({
    currency: 'USD',
    amountOriginal: amount,
    rate: ONE,
    rateEffectiveOn: input.receivedOn,
    earmark: input.earmark,
    donorId: input.donorId,
    pledgeId: input.pledge?.id ?? null,
  });
  const lines: LineDraft[] = [
    {
      ...original,
      account: '1100',
      side: 'debit',
      amountUsd,
      rate: input.rate,
      rateEffectiveOn: input.rateEffectiveOn,
      pledgeId: input.pledge?.id ?? null,
    },
  ];

  let relievedUsd = ZERO;
  let fxGainLossUsd = ZERO;
  let settles = false;
  if (input.pledge) {
    const pledge = input.pledge;
    const remaining = pledge.carryingUsd.minus(pledge.relievedUsd);
    settles = input.amount.equals(pledge.outstanding);
    relievedUsd = settles ? remaining : Dec.min(toUsd(input.amount, pledge.confirmRate), remaining);
    fxGainLossUsd = amountUsd.minus(relievedUsd);
    if (relievedUsd.greaterThan(0)) {
      lines.push({
        ...original,
        account: '1200',
        side: 'credit',
        amountUsd: relievedUsd,
        rate: pledge.confirmRate,
        rateEffectiveOn: pledge.confirmRateEffectiveOn,
        pledgeId: pledge.id,
      });
    }
    if (!fxGainLossUsd.isZero()) {
      lines.push({
        ...usdLine(fxGainLossUsd.abs()),
        account: '4900',
        side: fxGainLossUsd.greaterThan(0) ? 'credit' : 'debit',
        amountUsd: fxGainLossUsd.abs(),
      });
    }
  } else {
    lines.push({
      ...original,
      account: '4100',
      side: 'credit',
      amountUsd,
      rate: input.rate,
      rateEffectiveOn: input.rateEffectiveOn,
      pledgeId: null,
    });
  }

  // The PSC is charged on the cash received, in USD, rounded once here.
  const pscUsd = roundUsd(amountUsd.times(input.pscRate));
  if (pscUsd.greaterThan(0)) {
    lines.push({ ...usdLine(pscUsd), account: '5200', side: 'debit', amountUsd: pscUsd });
    lines.push({ ...usdLine(pscUsd), account: '2200', side: 'credit', amountUsd: pscUsd });
  }
  return { amountUsd, relievedUsd, fxGainLossUsd, pscUsd, settles, lines };
}

/** The mirror of an entry's lines, for a reversal: same amounts, sides swapped. */
export function mirrorLines(lines: readonly LineDraft[]): LineDraft[] {
  return lines.map((line) => ({ ...line, side: line.side === 'debit' ? 'credit' : 'debit' }));
}
