import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Call, Json } from './child-api.js';

// What the reliability suites share around a load of payment posts: the donor, pledge and keys
// the load needs, the bodies it posts, and the checks that the ledger it leaves is whole.

export interface PaymentLoad {
  finance: string;
  auditor: string;
  donorId: string;
  /** The year of `receivedOn`, every payment's receipt year. */
  year: number;
  /** Half the payments settle part of the pledge, half are unpledged contributions. */
  paymentBody(key: string, n: number): Json;
}

/**
 * Creates a finance and an auditor key, a donor and a confirmed USD pledge far larger than any
 * load can pay. Every payment is received on `receivedOn` and names its idempotency key as its
 * bank reference, so the ledger tells which request each payment came from.
 */
export async function setUpPaymentLoad(
  call: Call,
  adminKey: string,
  receivedOn: string,
): Promise<PaymentLoad> {
  const year = Number(receivedOn.slice(0, 4));
  const createKey = async (role: string) => {
    const created = await call('POST', '/v1/api-keys', adminKey, { name: role, role });
    expect(created.status).toBe(201);
    return created.body.key as string;
  };
  const finance = await createKey('finance');
  const auditor = await createKey('auditor');
  const donor = await call('POST', '/v1/donors', finance, { name: 'Load donor', type: 'ngo' });
  expect(donor.status).toBe(201);
  const pledge = await call(
    'POST',
    '/v1/pledges',
    finance,
    {
      donorId: donor.body.id,
      currency: 'USD',
      amount: '100000000.00',
      earmark: 'unearmarked',
      status: 'confirmed',
      pledgedOn: `${year}-01-02`,
      confirmedOn: `${year}-01-03`,
    },
    { 'Idempotency-Key': randomUUID() },
  );
  expect(pledge.status).toBe(201);
  const donorId = donor.body.id as string;
  const pledgeId = pledge.body.id as string;
  return {
    finance,
    auditor,
    donorId,
    year,
    paymentBody: (key, n) =>
      n % 2 === 0
        ? { donorId, pledgeId, currency: 'USD', amount: '10.00', receivedOn, bankReference: key }
        : {
            donorId,
            currency: 'USD',
            amount: '25.50',
            receivedOn,
            earmark: 'unearmarked',
            bankReference: key,
          },
  };
}

export interface LedgerSnapshot {
  payments: number;
  /** Every payment as GET /v1/payments lists it, by id. */
  listed: Map<string, Json>;
  /** bankReference (= the idempotency key) → payment ids. */
  byReference: Map<string, string[]>;
}

/**
 * The ledger a load of payments of one donor in `load.year` left is whole: no partial entry (each
 * payment has exactly one balanced entry), the chain verifies and covers every entry numbered
 * 1..N, and the year's receipt numbers are exactly 1..N, one per payment. With `sql` (a direct
 * connection to a real PostgreSQL) the tables are checked too, for what the API does not show.
 */
export async function checkPaymentLedger(
  call: Call,
  load: Pick<PaymentLoad, 'finance' | 'auditor' | 'donorId' | 'year'>,
  sql: pg.Client | null,
): Promise<LedgerSnapshot> {
  const { finance, auditor, donorId, year } = load;
  // Every payment, paged through the API.
  const payments: Json[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const page = await call(
      'GET',
      `/v1/payments?donorId=${donorId}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      finance,
    );
    expect(page.status).toBe(200);
    payments.push(...(page.body.items as Json[]));
    cursor = page.body.nextCursor as string | null;
  }
  // Every journal entry, paged through the API.
  const entries: Json[] = [];
  for (let afterSeq: number | null = 0; afterSeq !== null;) {
    const page = await call('GET', `/v1/ledger/entries?afterSeq=${afterSeq}&limit=500`, auditor);
    expect(page.status).toBe(200);
    entries.push(...(page.body.entries as Json[]));
    afterSeq = page.body.nextAfterSeq as number | null;
  }

  // No partial entry: each payment entry has balanced lines, each payment exactly one entry.
  const paymentEntries = entries.filter((e) => e.kind === 'payment_received');
  const broken = paymentEntries.filter((e) => {
    const sum = (side: string) =>
      (e.lines as Json[])
        .filter((l) => l.side === side)
        .reduce((total, l) => total + Math.round(Number(l.amountUsd) * 100), 0);
    return e.lines.length === 0 || sum('debit') !== sum('credit');
  });
  expect(broken.map((e) => e.seq)).toEqual([]);
  expect(paymentEntries.map((e) => e.sourceId).sort()).toEqual(payments.map((p) => p.id).sort());
  const bySeq = new Map(entries.map((e) => [e.seq as number, e]));
  for (const p of payments)
    expect(bySeq.get(p.journalEntrySeq)).toMatchObject({
      kind: 'payment_received',
      sourceId: p.id,
    });

  // The chain verifies and covers every entry, numbered 1..N.
  const verify = await call('GET', '/v1/ledger/verify', auditor);
  expect(verify.status).toBe(200);
  expect(verify.body).toMatchObject({
    valid: true,
    firstBrokenSeq: null,
    entries: entries.length,
    headSeq: entries.length,
  });
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));

  // Receipt numbers for the year are exactly 1..N, one per payment, none beyond.
  const numbers = payments.map((p) => Number(/^UNFSSC-(\d{4})-(\d{6})$/.exec(p.receiptNumber)![2]));
  expect(payments.every((p) => String(p.receiptNumber).startsWith(`UNFSSC-${year}-`))).toBe(true);
  expect(numbers.sort((x, y) => x - y)).toEqual(payments.map((_, i) => i + 1));
  const next = `UNFSSC-${year}-${String(payments.length + 1).padStart(6, '0')}`;
  expect((await call('GET', `/v1/receipts/${next}`, finance)).status).toBe(404);

  if (sql) await checkPaymentTables(sql, year, payments.length, entries.length);

  const byReference = new Map<string, string[]>();
  for (const p of payments) {
    const ids = byReference.get(p.bankReference as string) ?? [];
    ids.push(p.id as string);
    byReference.set(p.bankReference as string, ids);
  }
  return {
    payments: payments.length,
    listed: new Map(payments.map((p) => [p.id as string, p])),
    byReference,
  };
}

/** The same, straight from the tables, plus what the API does not show. */
async function checkPaymentTables(
  sql: pg.Client,
  year: number,
  payments: number,
  entries: number,
): Promise<void> {
  const { rows: orphans } = await sql.query(
    `SELECT 'entry without lines' AS problem, e.seq::text AS ref FROM journal_entries e
       WHERE e.kind = 'payment_received' AND NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.entry_seq = e.seq)
     UNION ALL SELECT 'lines without entry', l.entry_seq::text FROM journal_lines l
       WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.seq = l.entry_seq)
     UNION ALL SELECT 'payment without receipt', p.id::text FROM payments p
       WHERE NOT EXISTS (SELECT 1 FROM receipts r WHERE r.payment_id = p.id)
     UNION ALL SELECT 'receipt without payment', r.number FROM receipts r
       WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = r.payment_id)
     UNION ALL SELECT 'payment entry without payment', e.seq::text FROM journal_entries e
       WHERE e.kind = 'payment_received' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = e.source_id)
     UNION ALL SELECT 'payment without audit event', p.id::text FROM payments p
       WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.action = 'payment.created' AND a.resource_id = p.id::text)
     UNION ALL SELECT 'idempotency key without answer', k.key FROM idempotency_keys k
       WHERE k.status_code IS NULL`,
  );
  expect(orphans).toEqual([]);
  const { rows: counter } = await sql.query(
    `SELECT (SELECT last_seq FROM receipt_counters WHERE year = $1) AS last_seq,
            (SELECT count(*)::int FROM receipts WHERE year = $1) AS n,
            (SELECT max(seq) FROM receipts WHERE year = $1) AS hi,
            (SELECT seq::int FROM ledger_head) AS head`,
    [year],
  );
  expect(counter[0]).toEqual({ last_seq: payments, n: payments, hi: payments, head: entries });
  const { rows: pledge } = await sql.query(
    `SELECT p.paid_amount::numeric = coalesce((SELECT sum(amount) FROM payments x WHERE x.pledge_id = p.id), 0) AS consistent
       FROM pledges p`,
  );
  expect(pledge).toEqual([{ consistent: true }]);
}
