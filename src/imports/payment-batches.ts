import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  IDEMPOTENCY_KEY_REUSED_MESSAGE,
  requestFingerprint,
  SYSTEM_IDEMPOTENCY_SCOPE,
} from '#src/common/http/idempotency.service.js';
import { Dec, type Decimal } from '#src/common/money/money.js';
import type { AppConfig } from '#src/config/config.js';
import { bindNamed, namedSql } from '#src/database/named-sql.js';
import type { CsvShape, ImportLine } from '#src/imports/import-csv.js';
import { asRefusal, type LineOutcome, withRetry } from '#src/imports/import-lines.js';
import { type JournalEntryView } from '#src/ledger/journal-hash.js';
import { type LedgerHead, nextEntry } from '#src/ledger/journal.service.js';
import type { CreatePaymentDto, PaymentResponse } from '#src/payments/payment.dto.js';
import {
  type PaymentLookupRow,
  paymentView,
  pledgeAfter,
  preparePayment,
  type PreparedPayment,
  receiptFacts,
} from '#src/payments/payment-rules.js';
import { lookupJoins } from '#src/payments/payment.sql.js';
import { type PledgeState } from '#src/pledges/pledges.repository.js';
import {
  type IssuedReceipt,
  receiptYear,
  ReceiptsService,
} from '#src/receipts/receipts.service.js';

/**
 * The bulk import of payments, a batch of lines per transaction (decision 0014, "Batches"): the
 * same rules as `POST /v1/payments` (`preparePayment`, the one place they live), the same rows
 * and values, the same idempotency keys, but the receipt counter and journal head are locked once
 * per batch instead of once per payment, and each kind of row is written by one statement for the
 * whole batch. Lines run in file order, each seeing the pledges as the lines before it left them,
 * so the outcome is the one a line-by-line import would give. A line refused by a rule is reported
 * and leaves nothing behind (its idempotency claim is withdrawn in the same transaction).
 */
const SCOPE = SYSTEM_IDEMPOTENCY_SCOPE;

const CLAIM = namedSql<'scope' | 'keys' | 'fingerprints'>(`
  INSERT INTO idempotency_keys (api_key_id, key, request_hash)
  SELECT :scope::uuid, c.key, c.request_hash FROM unnest(:keys::text[], :fingerprints::text[]) AS c (key, request_hash)
  ON CONFLICT (api_key_id, key) DO NOTHING RETURNING key`);

const EARLIER = namedSql<'scope' | 'keys'>(`
  SELECT key, request_hash, response_body FROM idempotency_keys
   WHERE api_key_id = :scope::uuid AND key = ANY (:keys::text[])`);

const WITHDRAW = namedSql<'scope' | 'keys'>(`
  DELETE FROM idempotency_keys WHERE api_key_id = :scope::uuid AND key = ANY (:keys::text[])`);

/** PAYMENT_SQL.lookup for every line at once, in line order. */
const LOOKUP = namedSql<'ns' | 'donorIds' | 'currencies' | 'receivedOns' | 'pledgeIds'>(`
  SELECT i.n, d.name AS donor_name, r.rate::text AS rate, r.effective_on::text AS rate_effective_on, p.*
    FROM unnest(:ns::int[], :donorIds::uuid[], :currencies::text[], :receivedOns::date[], :pledgeIds::uuid[])
         AS i (n, donor_id, currency, received_on, pledge_id)
    ${lookupJoins({
      donorId: 'i.donor_id',
      currency: 'i.currency',
      receivedOn: 'i.received_on',
      pledgeId: 'i.pledge_id',
    })}
   ORDER BY i.n`);

/** PAYMENT_SQL.reserve for a batch: `counts` numbers of each year, and the journal head. */
const RESERVE = namedSql<'years' | 'counts'>(`
  WITH counter AS (
    INSERT INTO receipt_counters (year, last_seq)
    SELECT year, count FROM unnest(:years::int[], :counts::int[]) AS c (year, count)
    ON CONFLICT (year) DO UPDATE SET last_seq = receipt_counters.last_seq + excluded.last_seq
    RETURNING year, last_seq
  )
  SELECT h.seq::text AS seq, h.hash, (SELECT json_object_agg(year, last_seq) FROM counter) AS last_seqs
    FROM ledger_head h
   WHERE h.id = 1
     FOR UPDATE OF h`);

/** PAYMENT_SQL.write for a batch: every row of every payment, a statement of CTEs. */
const WRITE = namedSql(`
  WITH entries AS (
    INSERT INTO journal_entries (seq, effective_on, kind, source_type, source_id, reverses_seq, recorded_at, previous_hash, hash)
    SELECT seq, effective_on, 'payment_received', 'payment', source_id, NULL, recorded_at, previous_hash, hash
      FROM unnest(:seqs::bigint[], :effectiveOns::date[], :sourceIds::uuid[], :recordedAts::timestamptz[],
                  :previousHashes::text[], :hashes::text[])
           AS e (seq, effective_on, source_id, recorded_at, previous_hash, hash)
  ),
  lines AS (
    INSERT INTO journal_lines (entry_seq, line_no, account, side, amount_usd, earmark, currency, amount_original, rate,
                               rate_effective_on, donor_id, pledge_id)
    SELECT * FROM unnest(:lineSeqs::bigint[], :lineNos::int[], :accounts::char(4)[], :sides::text[], :amountsUsd::numeric[],
                         :earmarks::text[], :currencies::char(3)[], :amountsOriginal::numeric[], :rates::numeric[],
                         :rateEffectiveOns::date[], :lineDonorIds::uuid[], :linePledgeIds::uuid[])
  ),
  head AS (
    UPDATE ledger_head SET seq = :headSeq, hash = :headHash WHERE id = 1
  ),
  receipt AS (
    INSERT INTO receipts (number, year, seq, payment_id, donor_id, verification_code, payload, signature, key_id, status)
    SELECT number, year, seq, payment_id, donor_id, verification_code, payload::jsonb, signature, key_id, 'issued'
      FROM unnest(:receiptNumbers::text[], :receiptYears::int[], :receiptSeqs::int[], :paymentIds::uuid[], :donorIds::uuid[],
                  :verificationCodes::text[], :receiptPayloads::text[], :signatures::text[], :keyIds::text[])
           AS r (number, year, seq, payment_id, donor_id, verification_code, payload, signature, key_id)
  ),
  payment AS (
    INSERT INTO payments (id, donor_id, pledge_id, currency, amount, received_on, earmark, bank_reference, rate,
                          rate_effective_on, amount_usd, relieved_usd, fx_gain_loss_usd, psc_rate, psc_usd,
                          journal_entry_seq, receipt_number)
    SELECT * FROM unnest(:paymentIds::uuid[], :donorIds::uuid[], :pledgeIds::uuid[], :paymentCurrencies::char(3)[],
                         :amounts::numeric[], :effectiveOns::date[], :paymentEarmarks::text[], :bankReferences::text[],
                         :paymentRates::numeric[], :paymentRateEffectiveOns::date[], :amountsUsdPaid::numeric[],
                         :relievedUsds::numeric[], :fxGainLossUsds::numeric[], :pscRates::numeric[], :pscUsds::numeric[],
                         :seqs::bigint[], :receiptNumbers::text[])
  ),
  pledge AS (
    UPDATE pledges p SET status = u.status, paid_amount = u.paid_amount, relieved_usd = u.relieved_usd,
                         last_event_on = u.last_event_on
      FROM unnest(:pledgeUpdateIds::uuid[], :pledgeStatuses::text[], :pledgePaidAmounts::numeric[],
                  :pledgeRelievedUsds::numeric[], :pledgeLastEventOns::date[])
           AS u (id, status, paid_amount, relieved_usd, last_event_on)
     WHERE p.id = u.id
  ),
  audit AS (
    INSERT INTO audit_events (api_key_id, role, action, resource_type, resource_id, request_id, idempotency_key)
    SELECT NULL, 'system', 'payment.created', 'payment', resource_id, :requestId, idempotency_key
      FROM unnest(:auditResourceIds::text[], :keys::text[]) AS a (resource_id, idempotency_key)
  )
  UPDATE idempotency_keys k SET status_code = 201, response_body = o.body
    FROM unnest(:keys::text[], :responseBodies::text[]) AS o (key, body)
   WHERE k.api_key_id = :scope::uuid AND k.key = o.key`);

/** A line ready to be numbered: its rules passed. */
interface Accepted {
  index: number;
  line: ImportLine<CreatePaymentDto>;
  prepared: PreparedPayment;
}

/**
 * The accepted lines in file order, and each pledge they pay in the state its last payment in
 * the batch left (in the order the batch first paid them).
 */
interface Checked {
  accepted: Accepted[];
  pledges: Map<string, PledgeState>;
}

export class PaymentBatchWriter {
  private readonly pscRate: Decimal;

  constructor(
    private readonly dataSource: DataSource,
    private readonly receipts: ReceiptsService,
    config: AppConfig,
  ) {
    this.pscRate = new Dec(config.pscRate);
  }

  /**
   * Imports the lines in one transaction and answers each one's outcome, in order. A throw means
   * the batch could not be written at all (nothing of it was).
   */
  async write(
    lines: readonly ImportLine<CreatePaymentDto>[],
    shape: CsvShape<CreatePaymentDto>,
    requestId: string,
  ): Promise<LineOutcome[]> {
    return this.dataSource.transaction(async (manager) => {
      const outcomes: LineOutcome[] = new Array<LineOutcome>(lines.length);
      const fingerprints = lines.map((line) => requestFingerprint('POST', shape.path, line.body));
      const claimed = await this.claim(manager, lines, fingerprints, outcomes);
      const checked = await this.check(manager, lines, claimed, outcomes);
      if (checked.accepted.length > 0) await this.post(manager, checked, requestId, outcomes);
      return outcomes;
    });
  }

  /** Claims every key; a key already used answers its line as a replay (or a reuse). */
  private async claim(
    manager: EntityManager,
    lines: readonly ImportLine<CreatePaymentDto>[],
    fingerprints: string[],
    outcomes: LineOutcome[],
  ): Promise<number[]> {
    const keys = lines.map((line) => line.idempotencyKey);
    const inserted = new Set(
      (
        (await manager.query(
          CLAIM.text,
          bindNamed(CLAIM, { scope: SCOPE, keys, fingerprints }),
        )) as { key: string }[]
      ).map((row) => row.key),
    );
    const earlierKeys = keys.filter((key) => !inserted.has(key));
    if (earlierKeys.length > 0) {
      const earlier = new Map(
        (
          (await manager.query(
            EARLIER.text,
            bindNamed(EARLIER, { scope: SCOPE, keys: earlierKeys }),
          )) as { key: string; request_hash: string; response_body: string }[]
        ).map((row) => [row.key, row]),
      );
      lines.forEach((line, index) => {
        const row = earlier.get(line.idempotencyKey);
        if (!row) return;
        outcomes[index] =
          row.request_hash === fingerprints[index]
            ? replayed(line, JSON.parse(row.response_body) as PaymentResponse)
            : {
                line: line.line,
                idempotencyKey: line.idempotencyKey,
                outcome: 'failed',
                code: ErrorCode.IDEMPOTENCY_KEY_REUSED,
                message: IDEMPOTENCY_KEY_REUSED_MESSAGE,
              };
      });
    }
    return lines.flatMap((_, index) => (outcomes[index] === undefined ? [index] : []));
  }

  /** Applies the rules to each claimed line in file order; withdraws the claims of refusals. */
  private async check(
    manager: EntityManager,
    lines: readonly ImportLine<CreatePaymentDto>[],
    claimed: number[],
    outcomes: LineOutcome[],
  ): Promise<Checked> {
    const pledgesNow = new Map<string, PledgeState>();
    const accepted: Accepted[] = [];
    if (claimed.length === 0) return { accepted, pledges: pledgesNow };
    const inputs = claimed.map((index) => lines[index].input);
    const found = (await manager.query(
      LOOKUP.text,
      bindNamed(LOOKUP, {
        ns: claimed,
        donorIds: inputs.map((input) => input.donorId),
        currencies: inputs.map((input) => input.currency),
        receivedOns: inputs.map((input) => input.receivedOn),
        pledgeIds: inputs.map((input) => input.pledgeId ?? null),
      }),
    )) as (PaymentLookupRow & { n: number })[];
    const refused: string[] = [];
    found.forEach((row, position) => {
      const index = claimed[position];
      const line = lines[index];
      try {
        const pledgeId = line.input.pledgeId;
        const now = pledgeId ? (pledgesNow.get(pledgeId) ?? null) : null;
        const prepared = preparePayment(line.input, row, now, this.pscRate, randomUUID());
        const after = pledgeAfter(prepared);
        if (after) pledgesNow.set(after.id, after);
        accepted.push({ index, line, prepared });
      } catch (error) {
        const refusal = asRefusal(error);
        if (refusal === null) throw error;
        outcomes[index] = {
          line: line.line,
          idempotencyKey: line.idempotencyKey,
          outcome: 'failed',
          ...refusal,
        };
        refused.push(line.idempotencyKey);
      }
    });
    if (refused.length > 0)
      await manager.query(WITHDRAW.text, bindNamed(WITHDRAW, { scope: SCOPE, keys: refused }));
    return { accepted, pledges: pledgesNow };
  }

  /** Numbers, chains, signs and writes the accepted lines: the locks are held from here. */
  private async post(
    manager: EntityManager,
    { accepted, pledges }: Checked,
    requestId: string,
    outcomes: LineOutcome[],
  ): Promise<void> {
    const perYear = new Map<number, number>();
    for (const { line } of accepted) {
      const year = receiptYear(line.input.receivedOn);
      perYear.set(year, (perYear.get(year) ?? 0) + 1);
    }
    const [reserved] = (await manager.query(
      RESERVE.text,
      bindNamed(RESERVE, { years: [...perYear.keys()], counts: [...perYear.values()] }),
    )) as (LedgerHead & { last_seqs: Record<string, number> })[];
    const nextSeq = new Map(
      [...perYear].map(([year, count]) => [year, reserved.last_seqs[year] - count + 1]),
    );
    let head: LedgerHead = reserved;
    const written = accepted.map((item) => {
      const year = receiptYear(item.line.input.receivedOn);
      const seq = nextSeq.get(year)!;
      nextSeq.set(year, seq + 1);
      const receipt = this.receipts.issue(receiptFacts(item.line.input, item.prepared), seq);
      const entry = nextEntry(head, item.prepared.draft);
      head = { seq: String(entry.seq), hash: entry.hash };
      const view = paymentView(
        item.prepared,
        item.line.input,
        this.pscRate,
        receipt.payload.number,
        entry.seq,
      );
      return { item, receipt, entry, view };
    });
    await manager.query(
      WRITE.text,
      bindNamed(WRITE, writeValues(written, [...pledges.values()], head, requestId)),
    );
    for (const { item, view } of written) {
      outcomes[item.index] = {
        line: item.line.line,
        idempotencyKey: item.line.idempotencyKey,
        outcome: 'imported',
        id: view.id,
        receiptNumber: view.receiptNumber,
      };
    }
  }
}

function replayed(line: ImportLine<CreatePaymentDto>, body: PaymentResponse): LineOutcome {
  return {
    line: line.line,
    idempotencyKey: line.idempotencyKey,
    outcome: 'replayed',
    id: body.id,
    receiptNumber: body.receiptNumber,
  };
}

interface Written {
  item: Accepted;
  receipt: IssuedReceipt;
  entry: JournalEntryView;
  view: PaymentResponse;
}

/**
 * WRITE's parameters: one array per column, in line order; a pledge paid twice in the batch is
 * written once, in the state its last payment left (`pledgeStates`, from `check`).
 */
function writeValues(
  written: Written[],
  pledgeStates: PledgeState[],
  head: LedgerHead,
  requestId: string,
) {
  const of = <R>(pick: (row: Written) => R): R[] => written.map(pick);
  const lines = written.flatMap(({ entry }) =>
    entry.lines.map((line, index) => ({ seq: entry.seq, no: index + 1, line })),
  );
  const lineOf = <R>(pick: (row: (typeof lines)[number]) => R): R[] => lines.map(pick);
  return {
    seqs: of((w) => w.entry.seq),
    effectiveOns: of((w) => w.entry.effectiveOn),
    sourceIds: of((w) => w.entry.sourceId),
    recordedAts: of((w) => w.entry.recordedAt),
    previousHashes: of((w) => w.entry.previousHash),
    hashes: of((w) => w.entry.hash),
    lineSeqs: lineOf((l) => l.seq),
    lineNos: lineOf((l) => l.no),
    accounts: lineOf((l) => l.line.account),
    sides: lineOf((l) => l.line.side),
    amountsUsd: lineOf((l) => l.line.amountUsd),
    earmarks: lineOf((l) => l.line.earmark),
    currencies: lineOf((l) => l.line.currency),
    amountsOriginal: lineOf((l) => l.line.amountOriginal),
    rates: lineOf((l) => l.line.rate),
    rateEffectiveOns: lineOf((l) => l.line.rateEffectiveOn),
    lineDonorIds: lineOf((l) => l.line.donorId),
    linePledgeIds: lineOf((l) => l.line.pledgeId),
    headSeq: Number(head.seq),
    headHash: head.hash,
    receiptNumbers: of((w) => w.receipt.values.receiptNumber),
    receiptYears: of((w) => w.receipt.values.receiptYear),
    receiptSeqs: of((w) => w.receipt.values.receiptSeq),
    paymentIds: of((w) => w.view.id),
    auditResourceIds: of((w) => w.view.id),
    donorIds: of((w) => w.view.donorId),
    verificationCodes: of((w) => w.receipt.values.verificationCode),
    receiptPayloads: of((w) => w.receipt.values.receiptPayload),
    signatures: of((w) => w.receipt.values.signature),
    keyIds: of((w) => w.receipt.values.keyId),
    pledgeIds: of((w) => w.view.pledgeId),
    paymentCurrencies: of((w) => w.view.currency),
    amounts: of((w) => w.view.amount),
    paymentEarmarks: of((w) => w.view.earmark),
    bankReferences: of((w) => w.view.bankReference),
    paymentRates: of((w) => w.view.rate),
    paymentRateEffectiveOns: of((w) => w.view.rateEffectiveOn),
    amountsUsdPaid: of((w) => w.view.amountUsd),
    relievedUsds: of((w) => w.view.relievedUsd),
    fxGainLossUsds: of((w) => w.view.fxGainLossUsd),
    pscRates: of((w) => w.view.pscRate),
    pscUsds: of((w) => w.view.pscUsd),
    pledgeUpdateIds: pledgeStates.map((p) => p.id),
    pledgeStatuses: pledgeStates.map((p) => p.status),
    pledgePaidAmounts: pledgeStates.map((p) => p.paidAmount.toFixed()),
    pledgeRelievedUsds: pledgeStates.map((p) => p.relievedUsd.toFixed()),
    pledgeLastEventOns: pledgeStates.map((p) => p.lastEventOn),
    requestId,
    keys: of((w) => w.item.line.idempotencyKey),
    responseBodies: of((w) => JSON.stringify(w.view)),
    scope: SCOPE,
  };
}

/**
 * Imports the lines a batch at a time, in file order, and reports each line as its batch
 * commits. A batch that cannot be written stops the run (the lines after it are not attempted),
 * as a line that cannot be written stops a line-by-line run; conflicts PostgreSQL resolves by
 * aborting a transaction (serialization failure, deadlock) are retried.
 */
export async function importPaymentBatches(
  lines: readonly ImportLine<CreatePaymentDto>[],
  shape: CsvShape<CreatePaymentDto>,
  writer: PaymentBatchWriter,
  options: { batchSize: number; requestId: string; onLine?: (outcome: LineOutcome) => void },
): Promise<{ outcomes: (LineOutcome | undefined)[]; fatal: { error: unknown } | null }> {
  const outcomes: (LineOutcome | undefined)[] = new Array<LineOutcome | undefined>(
    lines.length,
  ).fill(undefined);
  for (let start = 0; start < lines.length; start += options.batchSize) {
    const batch = lines.slice(start, start + options.batchSize);
    try {
      const written = await withRetry(() => writer.write(batch, shape, options.requestId));
      written.forEach((outcome, offset) => {
        outcomes[start + offset] = outcome;
        options.onLine?.(outcome);
      });
    } catch (error) {
      return { outcomes, fatal: { error } };
    }
  }
  return { outcomes, fatal: null };
}
