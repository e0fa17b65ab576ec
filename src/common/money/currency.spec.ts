// Proves that the currency table holds the ISO 4217 currencies with the minor units SPEC section 3
// fixes, and refuses every code that is not a currency a donor can pay in.
import { CURRENCY_CODES, isKnownCurrency, minorUnits } from '#src/common/money/currency.js';

describe('the currency table', () => {
  it('holds the circulating ISO 4217 currencies, each once, in code order', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThanOrEqual(150);
    expect(CURRENCY_CODES.length).toBeLessThanOrEqual(180);
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    expect([...CURRENCY_CODES].sort()).toEqual(CURRENCY_CODES);
    for (const code of CURRENCY_CODES) {
      expect(code).toMatch(/^[A-Z]{3}$/);
    }
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(CURRENCY_CODES)).toBe(true);
  });

  it.each(['USD', 'EUR', 'GBP', 'CHF', 'CNY', 'INR', 'BRL', 'ZAR', 'XOF', 'XAF', 'XCD', 'XDR'])(
    'knows %s',
    (code) => {
      expect(isKnownCurrency(code)).toBe(true);
    },
  );

  it('knows the codes introduced since 2021 (VED, SLE, ZWG, XCG)', () => {
    for (const code of ['VED', 'SLE', 'ZWG', 'XCG']) {
      expect(isKnownCurrency(code)).toBe(true);
    }
  });
});

describe('minor units', () => {
  it.each([
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['JOD', 3],
    ['KWD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['USD', 2],
    ['EUR', 2],
  ])('%s has %i decimals, as SPEC section 3 fixes', (code, units) => {
    expect(minorUnits(code)).toBe(units);
  });

  // ISO gives these 0 or 3 decimals; the SPEC's "others 2" is the product contract and wins.
  it.each(['CLP', 'ISK', 'UGX', 'VND', 'XAF', 'XOF', 'IQD', 'LYD'])(
    '%s has 2 decimals, because the SPEC names only seven exceptions',
    (code) => {
      expect(minorUnits(code)).toBe(2);
    },
  );

  it('gives every other currency 2 decimals', () => {
    const exceptions = new Set(['JPY', 'KRW', 'BHD', 'JOD', 'KWD', 'OMR', 'TND']);
    const others = CURRENCY_CODES.filter((code) => !exceptions.has(code));
    expect(others.length).toBe(CURRENCY_CODES.length - exceptions.size);
    expect(new Set(others.map(minorUnits))).toEqual(new Set([2]));
  });
});

describe('codes that are not accepted', () => {
  it.each([
    ['lower case', 'usd'],
    ['empty', ''],
    ['padded', ' USD'],
    ['no currency', 'XXX'],
    ['testing code', 'XTS'],
    ['gold', 'XAU'],
    ['fund code', 'USN'],
    ['withdrawn kuna', 'HRK'],
    ['withdrawn Zimbabwe dollar', 'ZWL'],
    ['prototype key', 'constructor'],
    ['prototype key', '__proto__'],
  ])('refuses %s (%j)', (_why, code) => {
    expect(isKnownCurrency(code)).toBe(false);
    expect(() => minorUnits(code)).toThrow(RangeError);
  });
});
