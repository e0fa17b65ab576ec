// Proves that amounts and rates are accepted exactly as SPEC section 3 writes them, that USD values
// are amount / rate rounded half-even to cents with no error from the arithmetic, and that
// formatting never rounds.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { CURRENCY_CODES, minorUnits } from '#src/common/money/currency.js';
import {
  AMOUNT_PATTERN,
  AmountError,
  Dec,
  RateError,
  amountViolation,
  formatAmount,
  formatUsd,
  parseAmount,
  parseRate,
  rateViolation,
  roundHalfEven,
  roundRatio,
  roundUsd,
  toUsd,
} from '#src/common/money/money.js';

function usdOf(amount: string, currency: string, rate: string): string {
  return formatUsd(toUsd(parseAmount(amount, currency), parseRate(rate)));
}

function amountRuleOf(text: string, currency: string): string | null {
  try {
    parseAmount(text, currency);
    return null;
  } catch (error) {
    if (error instanceof AmountError) {
      return error.rule;
    }
    throw error;
  }
}

function rateRuleOf(text: string): string | null {
  try {
    parseRate(text);
    return null;
  } catch (error) {
    if (error instanceof RateError) {
      return error.rule;
    }
    throw error;
  }
}

describe('parseAmount', () => {
  it.each([
    ['1250.00', 'USD', '1250'],
    ['0.01', 'USD', '0.01'],
    ['300000', 'JPY', '300000'],
    ['12.345', 'KWD', '12.345'],
    ['12.3', 'KWD', '12.3'],
    ['7', 'EUR', '7'],
    ['999999999999999.99', 'USD', '999999999999999.99'],
    // The SPEC pattern allows leading zeros; the value is what counts.
    ['007.50', 'USD', '7.5'],
  ])('accepts %s %s', (text, currency, value) => {
    expect(parseAmount(text, currency).toFixed()).toBe(value);
  });

  it.each([
    ['1e3', 'USD', 'pattern'],
    [' 5', 'USD', 'pattern'],
    ['5 ', 'USD', 'pattern'],
    ['5\n', 'USD', 'pattern'],
    ['-5', 'USD', 'pattern'],
    ['+5', 'USD', 'pattern'],
    ['', 'USD', 'pattern'],
    ['.5', 'USD', 'pattern'],
    ['5.', 'USD', 'pattern'],
    ['1,000.00', 'USD', 'pattern'],
    ['1000000000000000', 'USD', 'pattern'],
    ['Infinity', 'USD', 'pattern'],
    ['NaN', 'USD', 'pattern'],
    ['0x10', 'USD', 'pattern'],
    ['٣', 'USD', 'pattern'],
    ['１２', 'USD', 'pattern'],
    ['0', 'USD', 'zero'],
    ['0.00', 'USD', 'zero'],
    ['000', 'JPY', 'zero'],
    ['1.001', 'USD', 'decimals'],
    ['10.000', 'USD', 'decimals'],
    ['12.3456', 'KWD', 'decimals'],
    ['1.0', 'JPY', 'decimals'],
    ['300000.5', 'KRW', 'decimals'],
    ['5.00', 'XXX', 'currency'],
  ])('rejects %j %s (%s), never rounding it', (text, currency, rule) => {
    expect(amountRuleOf(text, currency)).toBe(rule);
  });

  it('rejects a JSON number that reached it past the type system', () => {
    expect(amountViolation(5, 'USD')).toMatch(/^must be a decimal string/);
  });

  it('is described by the SPEC pattern', () => {
    expect(AMOUNT_PATTERN.source).toBe('^\\d{1,15}(\\.\\d+)?$');
  });
});

describe('amountViolation', () => {
  it.each([
    ['1.001', 'USD', 'must have at most 2 decimals for USD'],
    ['12.3456', 'KWD', 'must have at most 3 decimals for KWD'],
    ['1.5', 'JPY', 'must have no decimals for JPY'],
    ['0.00', 'USD', 'must be greater than zero'],
    [
      '-5',
      'USD',
      'must be a decimal string of 1 to 15 digits with an optional fraction, without sign, exponent or spaces',
    ],
    ['5', 'ABC', 'cannot be checked against unknown currency "ABC"'],
  ])('explains why %j %s is refused', (text, currency, message) => {
    expect(amountViolation(text, currency)).toBe(message);
  });

  it('is null for a valid amount', () => {
    expect(amountViolation('1250.00', 'USD')).toBeNull();
  });
});

describe('parseRate', () => {
  it.each(['0.6712', '98.765', '1', '15000', '0.0000000001', '1.0000000000'])(
    'accepts %s',
    (text) => {
      expect(parseRate(text).equals(new Dec(text))).toBe(true);
    },
  );

  it.each([
    ['0', 'zero'],
    ['0.0000000000', 'zero'],
    ['0.00000000001', 'decimals'],
    ['1.00000000000', 'decimals'],
    ['-1', 'pattern'],
    ['1e2', 'pattern'],
    [' 1', 'pattern'],
  ])('rejects %j (%s)', (text, rule) => {
    expect(rateRuleOf(text)).toBe(rule);
  });

  it('explains a rate with too many decimals', () => {
    expect(rateViolation('0.12345678901')).toBe('must have at most 10 decimals for a rate');
    expect(rateViolation('0.6712')).toBeNull();
  });
});

describe('rounding half-even', () => {
  it.each([
    ['0.125', '0.12'],
    ['0.135', '0.14'],
    ['0.145', '0.14'],
    ['0.155', '0.16'],
    // 2.675 is 2.67499999... as a binary float, which is why money never lives in a number.
    ['2.675', '2.68'],
    ['0.1250000001', '0.13'],
    ['0.1249999999', '0.12'],
    ['-0.125', '-0.12'],
    ['-0.135', '-0.14'],
    ['12.345', '12.34'],
  ])('rounds %s to %s', (value, expected) => {
    expect(formatUsd(roundUsd(new Dec(value)))).toBe(expected);
  });

  it('never produces a negative zero', () => {
    const rounded = roundUsd(new Dec('-0.004'));
    expect(rounded.isNegative()).toBe(false);
    expect(formatUsd(rounded)).toBe('0.00');
  });

  it.each([
    ['2', '3', '0.6667'],
    ['1', '3', '0.3333'],
    ['0', '7', '0.0000'],
    ['1', '8', '0.1250'],
    ['3', '80000', '0.0000'],
    ['3', '20000', '0.0002'],
    ['5', '20000', '0.0002'],
  ])('rounds the share %s/%s to %s', (part, whole, expected) => {
    expect(roundRatio(new Dec(part).div(whole)).toFixed(4)).toBe(expected);
  });

  it('refuses to round what is not a number', () => {
    expect(() => roundHalfEven(new Dec(1).div(0), 2)).toThrow(RangeError);
  });
});

describe('a JPY pledge of 3,000,000 paid in three instalments of 1,000,000 at three rates', () => {
  // 1,000,000 / 98.765 = 10125.0443 (98.765 x 10125 = 999,995.625, remainder 4.375 / 98.765).
  it('converts the January instalment at 98.765 to 10125.04 USD', () => {
    expect(usdOf('1000000', 'JPY', '98.765')).toBe('10125.04');
  });

  // 1,000,000 / 151.2 = 6613.7566 (151.2 x 6613 = 999,885.6, remainder 114.4 / 151.2).
  it('converts the April instalment at 151.2 to 6613.76 USD', () => {
    expect(usdOf('1000000', 'JPY', '151.2')).toBe('6613.76');
  });

  // 1,000,000 / 152.85 = 6542.3618 (152.85 x 6542 = 999,944.7, remainder 55.3 / 152.85).
  it('converts the July instalment at 152.85 to 6542.36 USD', () => {
    expect(usdOf('1000000', 'JPY', '152.85')).toBe('6542.36');
  });

  it('receives 23281.16 USD in all, against 30375.13 USD recognised at the January rate', () => {
    const received = ['98.765', '151.2', '152.85']
      .map((rate) => toUsd(parseAmount('1000000', 'JPY'), parseRate(rate)))
      .reduce((sum, usd) => sum.plus(usd), new Dec(0));
    expect(formatUsd(received)).toBe('23281.16');
    expect(usdOf('3000000', 'JPY', '98.765')).toBe('30375.13');
  });
});

describe('payments in three-decimal and two-decimal currencies', () => {
  // 0.3071 x 40.19 = 12.342349; (12.345 - 12.342349) / 0.3071 = 0.00863, so 40.19863.
  it('converts 12.345 KWD at 0.3071 to 40.20 USD', () => {
    expect(usdOf('12.345', 'KWD', '0.3071')).toBe('40.20');
  });

  // 0.9234 x 1353.69 = 1249.997346; the remaining 0.002654 / 0.9234 is below half a cent.
  it('converts 1250.00 EUR at 0.9234 to 1353.69 USD', () => {
    expect(usdOf('1250.00', 'EUR', '0.9234')).toBe('1353.69');
  });

  it('keeps a USD amount at rate 1 as it is', () => {
    expect(usdOf('12.50', 'USD', '1')).toBe('12.50');
  });
});

describe('conversions that land exactly on half a cent', () => {
  it.each([
    ['1', '8', '0.12'],
    ['3', '8', '0.38'],
    ['5', '8', '0.62'],
    ['7', '8', '0.88'],
  ])('%s JPY at %s (an exact half cent) gives %s USD', (amount, rate, usd) => {
    expect(usdOf(amount, 'JPY', rate)).toBe(usd);
  });

  it('decides the tie with its own precision even for a Decimal built elsewhere', () => {
    // The global constructor keeps 20 digits; the quotient needs 27, and gets them.
    const amount = new Decimal('999999999999999.99');
    const rate = new Decimal('0.0000000001');
    expect(formatUsd(toUsd(amount, rate))).toBe('9999999999999999900000000.00');
  });

  it('refuses a zero or negative rate', () => {
    expect(() => toUsd(new Dec(5), new Dec(0))).toThrow(RangeError);
    expect(() => toUsd(new Dec(5), new Dec(-1))).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it.each([
    ['1250', 'USD', '1250.00'],
    ['300000', 'JPY', '300000'],
    ['12.345', 'KWD', '12.345'],
    ['12.3', 'KWD', '12.300'],
    ['1e24', 'EUR', '1000000000000000000000000.00'],
  ])('writes %s %s as %s', (value, currency, text) => {
    expect(formatAmount(new Dec(value), currency)).toBe(text);
  });

  it('writes USD with exactly 2 decimals, negatives included', () => {
    expect(formatUsd(new Dec('-12.5'))).toBe('-12.50');
    expect(formatUsd(new Dec('-0'))).toBe('0.00');
  });

  it('refuses to round: a value with too many decimals is a caller that forgot roundUsd', () => {
    expect(() => formatUsd(new Dec('0.125'))).toThrow(RangeError);
    expect(() => formatAmount(new Dec('12.345'), 'USD')).toThrow(RangeError);
    expect(() => formatAmount(new Dec('1.5'), 'JPY')).toThrow(RangeError);
  });
});

describe('the Decimal constructor', () => {
  it('leaves the global decimal.js configuration untouched', () => {
    expect(Decimal.precision).toBe(20);
    expect(Decimal.rounding).toBe(Decimal.ROUND_HALF_UP);
    expect(Dec.precision).toBe(40);
    expect(Dec.rounding).toBe(Decimal.ROUND_HALF_EVEN);
  });

  it('never writes exponent notation into JSON', () => {
    expect(JSON.stringify({ a: new Dec('1e21'), b: new Dec('1e-10') })).toBe(
      '{"a":"1000000000000000000000","b":"0.0000000001"}',
    );
  });
});

// Generators build the texts from integers, so that the expected values below come from BigInt
// arithmetic that shares nothing with decimal.js.
function decimalText(units: bigint, scale: number): string {
  if (scale === 0) {
    return units.toString();
  }
  const factor = 10n ** BigInt(scale);
  return `${(units / factor).toString()}.${(units % factor).toString().padStart(scale, '0')}`;
}

const currencyArb = fc.constantFrom(...CURRENCY_CODES);

// A canonical amount: exactly the currency's decimals, 1 to 15 integer digits, not zero.
const amountArb = currencyArb.chain((currency) => {
  const scale = minorUnits(currency);
  return fc
    .bigInt(1n, 10n ** BigInt(15 + scale) - 1n)
    .map((units) => ({ currency, text: decimalText(units, scale) }));
});

const rateArb = fc
  .integer({ min: 0, max: 10 })
  .chain((scale) =>
    fc.bigInt(1n, 10n ** BigInt(15 + scale) - 1n).map((units) => decimalText(units, scale)),
  );

function splitDecimal(text: string): { digits: bigint; scale: number } {
  const [whole, fraction = ''] = text.split('.');
  return { digits: BigInt(`${whole}${fraction}`), scale: fraction.length };
}

// amount / rate in cents, rounded half-even with integers only.
function exactUsd(amountText: string, rateText: string): string {
  const amount = splitDecimal(amountText);
  const rate = splitDecimal(rateText);
  const numerator = amount.digits * 10n ** BigInt(rate.scale) * 100n;
  const denominator = rate.digits * 10n ** BigInt(amount.scale);
  let cents = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && cents % 2n === 1n)) {
    cents += 1n;
  }
  return decimalText(cents, 2);
}

describe('properties', () => {
  it('toUsd equals amount / rate rounded half-even in exact integer arithmetic', () => {
    fc.assert(
      fc.property(amountArb, rateArb, ({ currency, text }, rate) => {
        expect(usdOf(text, currency, rate)).toBe(exactUsd(text, rate));
      }),
    );
  });

  it('toUsd never has more than 2 decimals', () => {
    fc.assert(
      fc.property(amountArb, rateArb, ({ currency, text }, rate) => {
        const usd = toUsd(parseAmount(text, currency), parseRate(rate));
        expect(usd.decimalPlaces()).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('formatAmount and parseAmount round-trip every amount in its currency', () => {
    fc.assert(
      fc.property(amountArb, ({ currency, text }) => {
        const value = parseAmount(text, currency);
        expect(formatAmount(value, currency)).toBe(text);
        expect(parseAmount(formatAmount(value, currency), currency).equals(value)).toBe(true);
      }),
    );
  });

  it('accepts a text exactly when it matches the pattern, is not zero and fits the currency', () => {
    const textArb = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.stringMatching(/^[-+ ]?\d{0,17}(\.\d{0,4})?(e\d)?$/),
    );
    fc.assert(
      fc.property(textArb, currencyArb, (text, currency) => {
        const fraction = text.split('.')[1] ?? '';
        const valid =
          /^[0-9]{1,15}(\.[0-9]+)?$/.test(text) &&
          /[1-9]/.test(text) &&
          fraction.length <= minorUnits(currency);
        expect(amountRuleOf(text, currency) === null).toBe(valid);
      }),
    );
  });

  it('half-even is unbiased: the errors on the 100 half cents of any dollar cancel out', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 10n ** 13n), fc.boolean(), (dollars, negative) => {
        let errorSum = new Dec(0);
        for (let cents = 0n; cents < 100n; cents += 1n) {
          const sign = negative ? '-' : '';
          const value = new Dec(
            `${sign}${dollars.toString()}.${cents.toString().padStart(2, '0')}5`,
          );
          const error = roundUsd(value).minus(value);
          expect(error.abs().toFixed()).toBe('0.005');
          errorSum = errorSum.plus(error);
        }
        expect(errorSum.isZero()).toBe(true);
      }),
    );
  });

  it('roundUsd moves a value by at most half a cent and is idempotent', () => {
    const valueArb = fc
      .tuple(fc.bigInt(-(10n ** 20n), 10n ** 20n), fc.integer({ min: 0, max: 8 }))
      .map(([units, scale]) => new Dec(units.toString()).div(new Dec(10).pow(scale)));
    fc.assert(
      fc.property(valueArb, (value) => {
        const rounded = roundUsd(value);
        expect(rounded.minus(value).abs().lessThanOrEqualTo('0.005')).toBe(true);
        expect(roundUsd(rounded).equals(rounded)).toBe(true);
      }),
    );
  });
});
