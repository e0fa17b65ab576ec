/**
 * The statements the product sends for `POST /v1/payments` and for the public receipt check, in
 * the order it sends them. The hot-path statements are imported from the built product itself
 * (`dist/`), so the raw server and pgbench cannot drift from it; only the transaction's own
 * statements are written here. bench/sql-trace.cjs records one payment of each kind on every run
 * and the bench compares the product's trace with the raw server's (`SQL parity … identical`).
 * Whitespace is normalised; PostgreSQL ignores it.
 */
import { FIND_KEY_SQL } from '#src/auth/rate-limits.js';
import { CLAIM_KEY_SQL, EARLIER_OUTCOME_SQL } from '#src/common/http/idempotency.service.js';
import { PAYMENT_SQL as PRODUCT_PAYMENT_SQL } from '#src/payments/payment.sql.js';
import { PUBLIC_RECEIPT_SQL } from '#src/receipts/receipts.service.js';

export const PAYMENT_SQL = {
  /** Named statements ({ text, names }): ApiKeysService.authenticate, outside the transaction. */
  findKey: FIND_KEY_SQL,
  begin: 'START TRANSACTION',
  // IdempotencyService.claim (on one line: pgbench scripts take a statement per line).
  claimKey: normalizeSql(CLAIM_KEY_SQL),
  earlierOutcome: EARLIER_OUTCOME_SQL,
  /** Named statements: PaymentsService.create (src/payments/payment.sql.ts). */
  lookup: PRODUCT_PAYMENT_SQL.lookup,
  reserve: PRODUCT_PAYMENT_SQL.reserve,
  write: PRODUCT_PAYMENT_SQL.write,
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  /** Named statement: ReceiptsService.verifyPublic, the rate limit's hit counted with the read. */
  publicReceipt: PUBLIC_RECEIPT_SQL,
  ping: 'SELECT 1',
};

/** Collapses whitespace so that statements written on several lines compare equal. */
export function normalizeSql(text) {
  return text.replace(/\s+/g, ' ').trim();
}
