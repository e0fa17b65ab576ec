import { Transform } from 'class-transformer';
import {
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { isIsoDate } from '#src/common/dates.js';
import { isKnownCurrency } from '#src/common/money/currency.js';
import { AMOUNT_PATTERN, amountViolation, rateViolation } from '#src/common/money/money.js';

/** Custom class-validator rules for the API's own formats: dates, money, currencies, earmarks. */

function rule(
  name: string,
  check: (value: unknown, args: ValidationArguments) => string | null,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) => {
    let lastMessage = 'is invalid';
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const message = check(value, args);
          if (message !== null) lastMessage = message;
          return message === null;
        },
        defaultMessage: () => lastMessage,
      },
    });
  };
}

export const IsIsoDate = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isIsoDate',
    (value) => (isIsoDate(value) ? null : 'must be a calendar date written YYYY-MM-DD'),
    options,
  );

export const IsCurrencyCode = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isCurrencyCode',
    (value) =>
      typeof value === 'string' && isKnownCurrency(value)
        ? null
        : 'must be an ISO 4217 currency code such as USD',
    options,
  );

/**
 * A positive amount as a decimal string, with no more decimals than the currency named by the
 * sibling property allows. A JSON number is refused: its binary value may already differ from
 * what the donor wrote.
 */
export const IsAmountString = (
  currencyProperty = 'currency',
  options?: ValidationOptions,
): PropertyDecorator =>
  rule(
    'isAmountString',
    (value, args) => {
      if (typeof value !== 'string')
        return 'must be a decimal string such as "1250.00" (not a JSON number)';
      const currency = (args.object as Record<string, unknown>)[currencyProperty];
      if (typeof currency === 'string' && isKnownCurrency(currency))
        return amountViolation(value, currency);
      return AMOUNT_PATTERN.test(value) ? null : 'must match ^\\d{1,15}(\\.\\d+)?$';
    },
    options,
  );

/** An amount in US dollars (two decimals at most). */
export const IsUsdAmountString = (
  options: { allowZero?: boolean } & ValidationOptions = {},
): PropertyDecorator =>
  rule(
    'isUsdAmountString',
    (value) => {
      if (typeof value !== 'string')
        return 'must be a decimal string such as "1250.00" (not a JSON number)';
      if (options.allowZero && /^0+(\.0{1,2})?$/.test(value)) return null;
      return amountViolation(value, 'USD');
    },
    options,
  );

export const IsRateString = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isRateString',
    (value) =>
      typeof value !== 'string'
        ? 'must be a decimal string such as "0.6712" (not a JSON number)'
        : rateViolation(value),
    options,
  );

export const EARMARK_PATTERN = /^(unearmarked|participation:[A-Z0-9][A-Z0-9-]{0,39})$/;

export const IsEarmark = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isEarmark',
    (value) =>
      typeof value === 'string' && EARMARK_PATTERN.test(value)
        ? null
        : 'must be "unearmarked" or "participation:<conference code>"',
    options,
  );

/**
 * The earmark of a payment: required without a pledge, optional with one (it is then the
 * pledge's). Checked with the rest of the body so that one 400 names every offending field.
 */
export const IsPaymentEarmark = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isPaymentEarmark',
    (value, args) => {
      if (value === undefined) {
        return (args.object as Record<string, unknown>).pledgeId === undefined
          ? 'is required for a payment without a pledge'
          : null;
      }
      return typeof value === 'string' && EARMARK_PATTERN.test(value)
        ? null
        : 'must be "unearmarked" or "participation:<conference code>"';
    },
    options,
  );

/** `confirmedOn` of a new pledge: required when it is created confirmed, absent when announced. */
export const IsConfirmedOnOfNewPledge = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isConfirmedOnOfNewPledge',
    (value, args) => {
      const status = (args.object as Record<string, unknown>).status;
      if (value === undefined)
        return status === 'confirmed' ? 'is required when status is confirmed' : null;
      if (status === 'announced')
        return 'must be omitted for an announced pledge; confirm it later';
      return isIsoDate(value) ? null : 'must be a calendar date written YYYY-MM-DD';
    },
    options,
  );

/** Trims text before validation, so that stored text is always trimmed (SPEC 13). */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const UTC_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?Z$/;

/** A calendar date, or a UTC timestamp ending in `Z` (SPEC 13: timestamps are UTC). */
export const IsDateOrUtcTimestamp = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isDateOrUtcTimestamp',
    (value) => {
      if (isIsoDate(value)) return null;
      const match = typeof value === 'string' ? UTC_TIMESTAMP.exec(value) : null;
      return match && isIsoDate(match[1])
        ? null
        : 'must be a date YYYY-MM-DD or a UTC timestamp such as 2026-11-28T09:30:00Z';
    },
    options,
  );
