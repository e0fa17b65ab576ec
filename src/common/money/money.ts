import { Decimal } from 'decimal.js';
import { minorUnits } from '#src/common/money/currency.js';

export type { Decimal } from 'decimal.js';

/**
 * The Decimal constructor for all money and rate arithmetic. It is a clone so that the library's
 * global configuration is never patched. 40 significant digits decide every half-cent tie of
 * `toUsd` exactly: an amount has at most 18 digits and a rate at most 25, so a quotient that is
 * not itself a tie lies at least 5e-28 (relative) away from one, far more than the 5e-40 that
 * rounding a quotient to 40 digits can move it. The exponent limits keep `toString`, and so
 * `toJSON`, in plain notation.
 */
export const Dec: typeof Decimal = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

/** SPEC section 3: amounts and rates travel as unsigned decimal strings, with no exponent. */
export const AMOUNT_PATTERN = /^\d{1,15}(\.\d+)?$/;
export const RATE_PATTERN = /^\d{1,15}(\.\d+)?$/;

export const USD_DECIMALS = 2;
export const RATE_DECIMALS = 10;
/** Report shares (SPEC section 11) are ratios with 4 decimals. */
export const RATIO_DECIMALS = 4;

/** Which rule an amount or rate text broke, so that callers can branch without parsing text. */
export type NumberRule = 'pattern' | 'zero' | 'decimals' | 'currency';

/** An amount text that SPEC section 3 does not accept; `message` reads after the field name. */
export class AmountError extends Error {
  override readonly name = 'AmountError';

  constructor(
    readonly rule: NumberRule,
    message: string,
  ) {
    super(message);
  }
}

/** A rate text that SPEC section 4 does not accept; `message` reads after the field name. */
export class RateError extends Error {
  override readonly name = 'RateError';

  constructor(
    readonly rule: Exclude<NumberRule, 'currency'>,
    message: string,
  ) {
    super(message);
  }
}

interface Violation<R extends NumberRule> {
  rule: R;
  message: string;
}

const PATTERN_MESSAGE =
  'must be a decimal string of 1 to 15 digits with an optional fraction, without sign, exponent or spaces';

// Decimals are counted on the text, not on the parsed value, because "10.000" for USD is a
// client sending more precision than the currency has; Decimal would forget the trailing zeros.
function fractionDigits(text: string): number {
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

function decimalsMessage(allowed: number, unit: string): string {
  const what = allowed === 0 ? 'no decimals' : `at most ${String(allowed)} decimals`;
  return `must have ${what} for ${unit}`;
}

function checkNumberText(
  text: unknown,
  pattern: RegExp,
  allowedDecimals: number,
  unit: string,
): Violation<'pattern' | 'zero' | 'decimals'> | null {
  if (typeof text !== 'string' || !pattern.test(text)) {
    return { rule: 'pattern', message: PATTERN_MESSAGE };
  }
  if (new Dec(text).isZero()) {
    return { rule: 'zero', message: 'must be greater than zero' };
  }
  if (fractionDigits(text) > allowedDecimals) {
    return { rule: 'decimals', message: decimalsMessage(allowedDecimals, unit) };
  }
  return null;
}

function checkAmount(text: unknown, currency: string): Violation<NumberRule> | null {
  let allowed: number;
  try {
    allowed = minorUnits(currency);
  } catch {
    return {
      rule: 'currency',
      message: `cannot be checked against unknown currency ${JSON.stringify(currency)}`,
    };
  }
  return checkNumberText(text, AMOUNT_PATTERN, allowed, currency);
}

/**
 * Why `text` is not a valid amount in `currency`, as a message for a validation error (e.g. "must
 * have at most 2 decimals for USD"), or null when it is valid. An unknown currency yields a
 * message too, since the decimals cannot be checked; validators that report the currency field
 * themselves may check `isKnownCurrency` first.
 */
export function amountViolation(text: unknown, currency: string): string | null {
  return checkAmount(text, currency)?.message ?? null;
}

/**
 * Parses an amount text of SPEC section 3. Throws AmountError (`pattern`, `zero`, `decimals`,
 * `currency`); an amount with too many decimals is rejected, never rounded.
 */
export function parseAmount(text: string, currency: string): Decimal {
  const violation = checkAmount(text, currency);
  if (violation) {
    throw new AmountError(violation.rule, violation.message);
  }
  return new Dec(text);
}

/** Why `text` is not a valid rate, as a message for a validation error, or null when it is valid. */
export function rateViolation(text: unknown): string | null {
  return checkNumberText(text, RATE_PATTERN, RATE_DECIMALS, 'a rate')?.message ?? null;
}

/** Parses a rate text (units of a currency per 1 USD). Throws RateError (`pattern`, `zero`, `decimals`). */
export function parseRate(text: string): Decimal {
  const violation = checkNumberText(text, RATE_PATTERN, RATE_DECIMALS, 'a rate');
  if (violation) {
    throw new RateError(violation.rule, violation.message);
  }
  return new Dec(text);
}

/**
 * THE rounding of the ledger: every rounded figure (USD values, PSC, reserve, report shares) goes
 * through here, so that no two places can round the same figure differently. SPEC section 3 fixes
 * half-even (banker's rounding) because it sends exact halves up and down equally often: over
 * thousands of postings the rounding errors cancel out instead of drifting upwards as with
 * half-up, so totals of rounded lines stay true to the totals of what was received.
 * Negative zero is normalised so that no figure ever prints as "-0.00".
 */
export function roundHalfEven(value: Decimal, places: number): Decimal {
  const rounded = new Dec(value).toDecimalPlaces(places, Dec.ROUND_HALF_EVEN);
  if (!rounded.isFinite()) {
    throw new RangeError(`Cannot round a non-finite value (${value.toString()})`);
  }
  return rounded.isZero() ? new Dec(0) : rounded;
}

/** A USD figure rounded to cents, half-even (SPEC section 3). */
export function roundUsd(value: Decimal): Decimal {
  return roundHalfEven(value, USD_DECIMALS);
}

/** A report share rounded half-even, to 4 decimals unless told otherwise (SPEC section 11). */
export function roundRatio(value: Decimal, places: number = RATIO_DECIMALS): Decimal {
  return roundHalfEven(value, places);
}

/** USD value of `amount` at `rate` (units per 1 USD): `amount / rate` rounded to cents, half-even. */
export function toUsd(amount: Decimal, rate: Decimal): Decimal {
  if (!rate.isFinite() || !rate.isPositive() || rate.isZero()) {
    throw new RangeError(`A rate must be positive, got ${rate.toString()}`);
  }
  return roundUsd(new Dec(amount).div(new Dec(rate)));
}

// Formatting never rounds: a value with more decimals than the unit allows means a caller forgot
// to round (or parsed without checking), and hiding that here would make formatting a second,
// silent rounding place.
function formatFixed(value: Decimal, places: number, unit: string): string {
  if (!value.isFinite()) {
    throw new RangeError(`Cannot format a non-finite value as ${unit}`);
  }
  if (value.decimalPlaces() > places) {
    throw new RangeError(
      `${value.toFixed()} has more than ${String(places)} decimals for ${unit}; round it first`,
    );
  }
  // Adding zero turns a negative zero into zero, so that "-0.00" is never written.
  return new Dec(value).plus(0).toFixed(places);
}

/** An amount as its JSON string, with exactly the currency's decimals ('1250.00', '300000', '12.345'). */
export function formatAmount(value: Decimal, currency: string): string {
  return formatFixed(value, minorUnits(currency), currency);
}

/** A USD figure as its JSON string, with exactly 2 decimals. */
export function formatUsd(value: Decimal): string {
  return formatFixed(value, USD_DECIMALS, 'USD');
}
