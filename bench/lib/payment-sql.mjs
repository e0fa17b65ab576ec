/**
 * The statements the product sends for `POST /v1/payments` and for the public receipt check, in
 * the order it sends them. The hot-path statements are imported from the built product itself
 * (`dist/`), so the raw server and pgbench cannot drift from it; the few the product writes
 * inline are copied here. bench/sql-trace.cjs records one payment of each kind on every run and
 * the bench compares the product's trace with the raw server's (`SQL parity … identical`).
 * Whitespace is normalised; PostgreSQL ignores it.
 */
import { FIND_KEY_SQL } from '#src/auth/rate-limits.js';
import { PAYMENT_SQL as PRODUCT_PAYMENT_SQL } from '#src/payments/payment.sql.js';
import { PUBLIC_RECEIPT_SQL } from '#src/receipts/receipts.service.js';

export const PAYMENT_SQL = {
  /** Named statements ({ text, names }): ApiKeysService.authenticate, outside the transaction. */
  findKey: FIND_KEY_SQL,
  begin: 'START TRANSACTION',
  // IdempotencyService.claim.
  claimKey:
    'INSERT INTO idempotency_keys (api_key_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT (api_key_id, key) DO NOTHING RETURNING key',
  earlierOutcome:
    'SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE api_key_id = $1 AND key = $2',
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
