import type { Decimal } from '#src/common/money/money.js';
import { todayUtc } from '#src/common/dates.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';

/** Raises DATE_IN_FUTURE: every event's date is given by the client and may not be after today (UTC). */
export function assertNotFuture(date: string, field: string): void {
  const today = todayUtc();
  if (date > today) {
    throw new DomainError(
      ErrorCode.DATE_IN_FUTURE,
      `${field} ${date} is after today (${today}, UTC)`,
      [{ field, message: `may not be after today (${today})` }],
    );
  }
}

/** Raises DATE_OUT_OF_ORDER when `date` precedes `earliest`, the date of the event it follows. */
export function assertDateNotAfter(
  earliest: string,
  date: string,
  field: string,
  what: string,
): void {
  if (date < earliest) {
    throw new DomainError(
      ErrorCode.DATE_OUT_OF_ORDER,
      `${field} ${date} is before ${what} (${earliest})`,
      [{ field, message: `may not be before ${what} (${earliest})` }],
    );
  }
}

/**
 * Raises AMOUNT_TOO_SMALL when an amount converts to 0.00 USD: a journal line of zero would
 * record nothing, and the ledger cannot carry a fraction of a cent.
 */
export function assertBookable(amountUsd: Decimal, field: string, rateDescription: string): void {
  if (amountUsd.isZero()) {
    throw new DomainError(
      ErrorCode.AMOUNT_TOO_SMALL,
      `The ${field} is worth less than 0.01 USD at ${rateDescription}`,
      [{ field, message: `is worth less than 0.01 USD at ${rateDescription}` }],
    );
  }
}
