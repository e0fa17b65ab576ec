// Proves the booking of a payment (SPEC 7) as a pure function: hand-worked cases for cash,
// relief, FX and PSC, the settling payment that relieves exactly what remains, and properties
// that every posting balances within its earmark and never relieves more than is carried.
import fc from 'fast-check';
import { Dec, type Decimal } from '#src/common/money/money.js';
import {
  mirrorLines,
  postPayment,
  type PaymentPostingInput,
} from '#src/payments/payment-posting.js';

const base = (overrides: Partial<PaymentPostingInput>): PaymentPostingInput => ({
  donorId: 'donor-1',
  currency: 'JPY',
  amount: new Dec('1000000'),
  receivedOn: '2026-02-10',
  earmark: 'participation:NAIROBI-2009',
  rate: new Dec('160'),
  rateEffectiveOn: '2026-02-01',
  pscRate: new Dec('0.08'),
  pledge: null,
  ...overrides,
});

const summary = (lines: ReturnType<typeof postPayment>['lines']) =>
  lines.map((l) => `${l.account} ${l.side} ${l.amountUsd.toFixed(2)} ${l.currency}`);

describe('an unpledged JPY 1,000,000 received at 160', () => {
  it('books cash 6,250.00 against revenue, and PSC 8% = 500.00', () => {
    const posting = postPayment(base({}));
    expect(posting.amountUsd.toFixed(2)).toBe('6250.00');
    expect(posting.relievedUsd.toFixed(2)).toBe('0.00');
    expect(posting.fxGainLossUsd.toFixed(2)).toBe('0.00');
    expect(summary(posting.lines)).toEqual([
      '1100 debit 6250.00 JPY',
      '4100 credit 6250.00 JPY',
      '5200 debit 500.00 USD',
      '2200 credit 500.00 USD',
    ]);
  });
});

describe('a JPY pledge of 3,000,000 carried at 20,000.00 (confirmed at 150)', () => {
  const pledge = (relievedUsd: string, outstanding: string) => ({
    id: 'pledge-1',
    confirmRate: new Dec('150'),
    confirmRateEffectiveOn: '2026-01-01',
    carryingUsd: new Dec('20000.00'),
    relievedUsd: new Dec(relievedUsd),
    outstanding: new Dec(outstanding),
  });

  it('relieves 1,000,000 / 150 = 6,666.67 and books the 416.67 difference as an FX loss', () => {
    const posting = postPayment(base({ pledge: pledge('0', '3000000') }));
    expect(posting.relievedUsd.toFixed(2)).toBe('6666.67');
    expect(posting.fxGainLossUsd.toFixed(2)).toBe('-416.67');
    expect(posting.settles).toBe(false);
    expect(summary(posting.lines)).toEqual([
      '1100 debit 6250.00 JPY',
      '1200 credit 6666.67 JPY',
      '4900 debit 416.67 USD',
      '5200 debit 500.00 USD',
      '2200 credit 500.00 USD',
    ]);
  });

  it('lets the settling payment at 128 relieve exactly the 6,666.66 that remains, an FX gain of 1,145.84', () => {
    const posting = postPayment(
      base({ rate: new Dec('128'), pledge: pledge('13333.34', '1000000') }),
    );
    expect(posting.settles).toBe(true);
    expect(posting.amountUsd.toFixed(2)).toBe('7812.50');
    expect(posting.relievedUsd.toFixed(2)).toBe('6666.66');
    expect(posting.fxGainLossUsd.toFixed(2)).toBe('1145.84');
    expect(summary(posting.lines)).toContain('4900 credit 1145.84 USD');
  });

  it('writes no FX line when cash equals relief, and no PSC lines at a PSC rate of 0', () => {
    const posting = postPayment(
      base({ rate: new Dec('150'), pscRate: new Dec('0'), pledge: pledge('0', '3000000') }),
    );
    expect(summary(posting.lines)).toEqual(['1100 debit 6666.67 JPY', '1200 credit 6666.67 JPY']);
  });
});

describe('properties', () => {
  const money = (max: number) => fc.integer({ min: 1, max }).map((n) => new Dec(n).dividedBy(100));
  const balancedWithinEarmark = (lines: ReturnType<typeof postPayment>['lines']): boolean => {
    const byEarmark = new Map<string, Decimal>();
    for (const line of lines) {
      const signed = line.side === 'debit' ? line.amountUsd : line.amountUsd.negated();
      byEarmark.set(line.earmark, (byEarmark.get(line.earmark) ?? new Dec(0)).plus(signed));
    }
    return [...byEarmark.values()].every((difference) => difference.isZero());
  };

  it('balances every posting, never relieves more than remains, and relieves all of it on settling', () => {
    fc.assert(
      fc.property(
        money(10_000_000),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 100_000 }).map((n) => new Dec(n).dividedBy(1000)),
        fc.integer({ min: 1, max: 100_000 }).map((n) => new Dec(n).dividedBy(1000)),
        fc.boolean(),
        (amount, parts, rate, confirmRate, settles) => {
          const pledgeAmount = amount.times(parts);
          const carryingUsd = pledgeAmount.dividedBy(confirmRate).toDecimalPlaces(2);
          const paid = settles ? pledgeAmount.minus(amount) : new Dec(0);
          const relievedSoFar = Dec.min(
            paid.dividedBy(confirmRate).toDecimalPlaces(2),
            carryingUsd,
          );
          const posting = postPayment(
            base({
              currency: 'EUR',
              amount,
              rate,
              pledge: {
                id: 'p',
                confirmRate,
                confirmRateEffectiveOn: '2026-01-01',
                carryingUsd,
                relievedUsd: relievedSoFar,
                outstanding: pledgeAmount.minus(paid),
              },
            }),
          );
          const remaining = carryingUsd.minus(relievedSoFar);
          if (posting.amountUsd.isZero()) return true; // refused before posting (AMOUNT_TOO_SMALL)
          return (
            balancedWithinEarmark(posting.lines) &&
            posting.relievedUsd.lessThanOrEqualTo(remaining) &&
            (!posting.settles || posting.relievedUsd.equals(remaining)) &&
            posting.lines.every((line) => line.amountUsd.greaterThan(0))
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('mirrors a posting into one that undoes it line for line', () => {
    const posting = postPayment(base({}));
    const mirrored = mirrorLines(posting.lines);
    expect(mirrored.map((l) => l.side)).toEqual(['credit', 'debit', 'credit', 'debit']);
    expect(mirrored.map((l) => l.amountUsd.toFixed(2))).toEqual(
      posting.lines.map((l) => l.amountUsd.toFixed(2)),
    );
  });
});
