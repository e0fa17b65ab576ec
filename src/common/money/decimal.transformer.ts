import type { ValueTransformer } from 'typeorm';
import { Dec, type Decimal } from '#src/common/money/money.js';

// PostgreSQL `numeric` reaches us as a string, which holds every digit; the transformer keeps it
// that way both directions. A JavaScript number is refused outright rather than converted,
// because by the time it exists its binary rounding has already happened.

function toDatabase(value: unknown): unknown {
  if (value === null || value === undefined) {
    return value;
  }
  if (Dec.isDecimal(value) || typeof value === 'string') {
    // toFixed() without an argument writes every digit in plain notation, which numeric accepts.
    return new Dec(value).toFixed();
  }
  throw new TypeError(`A numeric column takes a Decimal or a string, got ${typeof value}`);
}

function fromDatabase(value: unknown): Decimal | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value !== 'string') {
    throw new TypeError(`A numeric column must be read as a string, got ${typeof value}`);
  }
  return new Dec(value);
}

/** Maps `numeric` columns to Decimal and back; null stays null. Use as `transformer: decimalTransformer`. */
export const decimalTransformer: ValueTransformer = {
  to: toDatabase,
  from: fromDatabase,
};
