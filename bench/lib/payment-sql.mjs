/**
 * The statements the product sends for `POST /v1/payments` and for the public receipt check, in
 * the order it sends them, copied from a trace of the product (bench/sql-trace.cjs records one on
 * every run and the bench compares it with the raw server's, so a change in the product shows up
 * as a parity warning instead of a silently unfair baseline). Whitespace is normalised; PostgreSQL
 * ignores it.
 */
export const PAYMENT_SQL = {
  // TypeORM's `findOne({ where: { prefix } })` in ApiKeysService.authenticate, outside the transaction.
  apiKey:
    'SELECT "ApiKey"."id" AS "ApiKey_id", "ApiKey"."name" AS "ApiKey_name", "ApiKey"."role" AS "ApiKey_role", "ApiKey"."donor_id" AS "ApiKey_donor_id", "ApiKey"."prefix" AS "ApiKey_prefix", "ApiKey"."secret_hash" AS "ApiKey_secret_hash", "ApiKey"."created_at" AS "ApiKey_created_at", "ApiKey"."revoked_at" AS "ApiKey_revoked_at" FROM "api_keys" "ApiKey" WHERE (("ApiKey"."prefix" = $1)) LIMIT 1',
  begin: 'START TRANSACTION',
  claimKey:
    'INSERT INTO idempotency_keys (api_key_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT (api_key_id, key) DO NOTHING RETURNING key',
  earlierOutcome:
    'SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE api_key_id = $1 AND key = $2',
  donorName: 'SELECT name FROM donors WHERE id = $1',
  lockPledge:
    'SELECT id, donor_id, currency, amount::text, earmark, status, pledged_on::text, confirmed_on::text, reference, instalments, confirm_rate::text, confirm_rate_effective_on::text, carrying_usd::text, paid_amount::text, written_off_amount::text, relieved_usd::text, last_event_on::text, created_at FROM pledges WHERE id = $1 FOR UPDATE',
  rateFor:
    'SELECT r.rate::text AS rate, r.effective_on::text AS effective_on FROM rates r WHERE r.currency = $1 AND r.effective_on <= $2 ORDER BY r.effective_on DESC LIMIT 1 FOR KEY SHARE',
  receiptCounter:
    'INSERT INTO receipt_counters (year, last_seq) VALUES ($1, 1) ON CONFLICT (year) DO UPDATE SET last_seq = receipt_counters.last_seq + 1 RETURNING last_seq',
  insertReceipt:
    "INSERT INTO receipts (number, year, seq, payment_id, donor_id, verification_code, payload, signature, key_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'issued')",
  lockHead: 'SELECT seq::text AS seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE',
  insertEntry:
    'INSERT INTO journal_entries (seq, effective_on, kind, source_type, source_id, reverses_seq, recorded_at, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
  insertLines:
    'INSERT INTO journal_lines (entry_seq, line_no, account, side, amount_usd, earmark, currency, amount_original, rate, rate_effective_on, donor_id, pledge_id) SELECT $1, ordinality, account, side, amount_usd, earmark, currency, amount_original, rate, rate_effective_on, donor_id, pledge_id FROM unnest($2::char(4)[], $3::text[], $4::numeric[], $5::text[], $6::char(3)[], $7::numeric[], $8::numeric[], $9::date[], $10::uuid[], $11::uuid[]) WITH ORDINALITY AS l(account, side, amount_usd, earmark, currency, amount_original, rate, rate_effective_on, donor_id, pledge_id)',
  updateHead: 'UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1',
  insertPayment:
    'INSERT INTO payments (id, donor_id, pledge_id, currency, amount, received_on, earmark, bank_reference, rate, rate_effective_on, amount_usd, relieved_usd, fx_gain_loss_usd, psc_rate, psc_usd, journal_entry_seq, receipt_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)',
  savePledge:
    'UPDATE pledges SET status = $2, confirmed_on = $3, confirm_rate = $4, confirm_rate_effective_on = $5, carrying_usd = $6, paid_amount = $7, written_off_amount = $8, relieved_usd = $9, last_event_on = $10, closed_on = COALESCE($11, closed_on), closed_reason = COALESCE($12, closed_reason) WHERE id = $1',
  // TypeORM's `manager.insert(AuditEvent, ...)` in AuditService.record.
  insertAudit:
    'INSERT INTO "audit_events"("id", "occurred_at", "api_key_id", "role", "action", "resource_type", "resource_id", "request_id", "idempotency_key") VALUES (DEFAULT, DEFAULT, $1, $2, $3, $4, $5, $6, $7) RETURNING "seq", "id", "occurred_at"',
  storeOutcome:
    'UPDATE idempotency_keys SET status_code = $3, response_body = $4 WHERE api_key_id = $1 AND key = $2',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  receiptByCode:
    'SELECT number, donor_id, payload, signature, key_id, status, cancelled_at FROM receipts WHERE verification_code = $1',
  ping: 'SELECT 1',
};

/** Collapses whitespace so that statements written on several lines compare equal. */
export function normalizeSql(text) {
  return text.replace(/\s+/g, ' ').trim();
}
