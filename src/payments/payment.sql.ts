import { AUDIT_EVENT_CTE, auditValues } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import {
  type HttpOutcome,
  type OutcomeSlot,
  outcomeValues,
  STORE_OUTCOME_SQL,
} from '#src/common/http/idempotency.service.js';
import { namedSql } from '#src/database/named-sql.js';
import type { JournalEntryView } from '#src/ledger/journal-hash.js';
import type { PaymentResponse } from '#src/payments/payment.dto.js';
import { ENTRY_CTES, entryValues } from '#src/ledger/journal.service.js';
import { pledgeAfter, pledgeValues, type PreparedPayment } from '#src/payments/payment-rules.js';
import { PLEDGE_COLUMNS } from '#src/pledges/pledges.repository.js';
import {
  type IssuedReceipt,
  NEXT_RECEIPT_SEQ_CTE,
  RECEIPT_CTE,
} from '#src/receipts/receipts.service.js';

/**
 * The statements of `POST /v1/payments` after the idempotency claim: three round trips, of which
 * only the last two hold the locks that every payment waits for (the receipt counter of the
 * year and the journal head). The raw baseline of the benchmark sends these same texts.
 *
 * 1. LOOKUP reads the donor, the rate (`FOR KEY SHARE`: it cannot change before commit) and
 *    the pledge (`FOR UPDATE`: every event of a pledge passes through this lock). The service
 *    then checks them in the order SPEC 7 fixes.
 * 2. RESERVE takes the next receipt number and the journal head, locking both until commit.
 * 3. WRITE stores the journal entry and its lines, the new head, the signed receipt, the
 *    payment, the pledge's new state, the audit event and the answer kept for replays.
 */
/**
 * The joins that read a payment's donor (`d`), rate (`r`, `FOR KEY SHARE`) and pledge (`p`,
 * `FOR UPDATE`), given SQL expressions for the payment's fields: the API's LOOKUP passes its
 * parameters, the bulk import's batch lookup the columns of its `unnest`. One text, so the locks
 * and the rate rule cannot drift apart.
 */
export function lookupJoins(payment: {
  donorId: string;
  currency: string;
  receivedOn: string;
  pledgeId: string;
}): string {
  return `
    LEFT JOIN donors d ON d.id = ${payment.donorId}
    LEFT JOIN LATERAL (
      SELECT rate, effective_on FROM rates
       WHERE currency = ${payment.currency} AND effective_on <= ${payment.receivedOn}
       ORDER BY effective_on DESC LIMIT 1 FOR KEY SHARE
    ) r ON true
    LEFT JOIN LATERAL (
      SELECT ${PLEDGE_COLUMNS} FROM pledges WHERE id = ${payment.pledgeId} FOR UPDATE
    ) p ON true`;
}

export const PAYMENT_SQL = {
  lookup: namedSql<'donorId' | 'currency' | 'receivedOn' | 'pledgeId'>(`
    SELECT d.name AS donor_name, r.rate::text AS rate, r.effective_on::text AS rate_effective_on, p.*
      FROM (VALUES (1)) AS one (x)
      ${lookupJoins({
        donorId: ':donorId::uuid',
        currency: ':currency',
        receivedOn: ':receivedOn::date',
        pledgeId: ':pledgeId::uuid',
      })}`),

  reserve: namedSql<'receiptYear'>(`
    WITH ${NEXT_RECEIPT_SEQ_CTE}
    SELECT h.seq::text AS seq, h.hash, counter.last_seq AS receipt_seq
      FROM ledger_head h CROSS JOIN counter
     WHERE h.id = 1
       FOR UPDATE OF h`),

  write: namedSql(`
    WITH ${ENTRY_CTES},
    ${RECEIPT_CTE},
    payment AS (
      INSERT INTO payments (id, donor_id, pledge_id, currency, amount, received_on, earmark, bank_reference, rate,
                            rate_effective_on, amount_usd, relieved_usd, fx_gain_loss_usd, psc_rate, psc_usd,
                            journal_entry_seq, receipt_number)
      VALUES (:paymentId::uuid, :donorId::uuid, :pledgeId::uuid, :currency, :amount::numeric, :receivedOn::date, :earmark,
              :bankReference, :rate::numeric, :rateEffectiveOn::date, :amountUsd::numeric, :relievedUsd::numeric,
              :fxGainLossUsd::numeric, :pscRate::numeric, :pscUsd::numeric, :seq, :receiptNumber)
    ),
    pledge AS (
      UPDATE pledges SET status = :pledgeStatus, paid_amount = :pledgePaidAmount::numeric,
                         relieved_usd = :pledgeRelievedUsd::numeric, last_event_on = :pledgeLastEventOn::date
       WHERE id = :pledgeId::uuid
    ),
    ${AUDIT_EVENT_CTE}
    ${STORE_OUTCOME_SQL}`),
};

/** The payment row's values in PAYMENT_SQL.write (its entry and receipt bring seq and number). */
export function paymentValues(view: PaymentResponse) {
  return {
    paymentId: view.id,
    donorId: view.donorId,
    pledgeId: view.pledgeId,
    currency: view.currency,
    amount: view.amount,
    receivedOn: view.receivedOn,
    earmark: view.earmark,
    bankReference: view.bankReference,
    rate: view.rate,
    rateEffectiveOn: view.rateEffectiveOn,
    amountUsd: view.amountUsd,
    relievedUsd: view.relievedUsd,
    fxGainLossUsd: view.fxGainLossUsd,
    pscRate: view.pscRate,
    pscUsd: view.pscUsd,
  };
}

/**
 * Every value of PAYMENT_SQL.write: the numbered entry, the signed receipt, the payment as
 * answered (`outcome.body`), the pledge as the payment leaves it, the audit event of `actor`
 * and the answer kept in `slot` for replays. Pure: the API and the bench's raw baseline send
 * the same values.
 */
export function paymentWriteValues(parts: {
  prepared: PreparedPayment;
  entry: JournalEntryView;
  receipt: Pick<IssuedReceipt, 'values'>;
  actor: Actor;
  slot: OutcomeSlot | null;
  outcome: HttpOutcome<PaymentResponse>;
}) {
  const { prepared, entry, receipt, actor, slot, outcome } = parts;
  return {
    ...entryValues(entry),
    ...receipt.values,
    ...paymentValues(outcome.body),
    ...pledgeValues(pledgeAfter(prepared)),
    ...auditValues(actor, {
      action: 'payment.created',
      resourceType: 'payment',
      resourceId: prepared.id,
    }),
    ...outcomeValues(slot, outcome),
  };
}
