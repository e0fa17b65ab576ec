// Proves the pinned reports across blocks of day balances (DAY_BALANCE_BLOCK entries each): a
// history of 2,600 entries — three blocks, dated mostly in order with every seventh entry
// backdated — written straight into the journal (through the product's triggers), then trial
// balance and fund status pinned at generated points (asOfSeq anywhere, including block edges,
// and any asOf) equal the sums worked straight from the journal lines.
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { Dec, type Decimal } from '#src/common/money/money.js';
import { DAY_BALANCE_BLOCK } from '#src/ledger/journal.entity.js';
import { driftedDayBalances } from './support/ledger-invariants.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ENTRIES = 2_600;
const FIRST_DAY = '2020-01-01';
const EARMARKS = ['unearmarked', 'participation:BLOCK-A', 'participation:BLOCK-B'];

describe('reports pinned across blocks of day balances', () => {
  let t: TestApp;
  let auditor: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
    const dataSource = t.running.app.get(DataSource);
    await dataSource.transaction(async (manager) => {
      const [head] = (await manager.query(
        'SELECT seq::int AS seq FROM ledger_head WHERE id = 1',
      )) as {
        seq: number;
      }[];
      expect(head.seq).toBe(0);
      // Entry n: Dr/Cr of one of four pairs (cash received, obligation, PSC, release) on one of
      // three earmarks; dated FIRST_DAY + n/2 days, every seventh backdated by a scrambled offset.
      await manager.query(
        `INSERT INTO journal_entries (seq, effective_on, kind, source_type, source_id, reverses_seq, recorded_at, previous_hash, hash)
         SELECT n, CASE WHEN n % 7 = 0 THEN DATE '${FIRST_DAY}' + ((n * 131) % (n / 2 + 1))::int
                        ELSE DATE '${FIRST_DAY}' + (n / 2)::int END,
                'allocation_committed', 'allocation_run', md5('block-test-' || n)::uuid, NULL, now(),
                md5('p' || n) || md5('q' || n), md5('h' || n) || md5('i' || n)
           FROM generate_series(1, ${ENTRIES}) AS n`,
      );
      await manager.query(
        `INSERT INTO journal_lines (entry_seq, line_no, account, side, amount_usd, earmark, currency, amount_original, rate,
                                    rate_effective_on, donor_id, pledge_id)
         SELECT n, v.no, (ARRAY[ARRAY['1100', '4100'], ARRAY['5100', '2100'], ARRAY['5200', '2200'], ARRAY['2100', '5100']])[1 + n % 4][v.no],
                v.side, ((n * 37) % 1000 + 1) * 1.25, (ARRAY['${EARMARKS.join("', '")}'])[1 + (n / 5) % 3],
                'USD', ((n * 37) % 1000 + 1) * 1.25, 1, DATE '${FIRST_DAY}', NULL, NULL
           FROM generate_series(1, ${ENTRIES}) AS n
           CROSS JOIN (VALUES (1, 'debit'), (2, 'credit')) AS v(no, side)`,
      );
      await manager.query(`UPDATE ledger_head SET seq = ${ENTRIES} WHERE id = 1`);
    });
  });

  afterAll(() => t?.close());

  it('spreads the history over three blocks and keeps every block-day balance equal to its lines', async () => {
    expect(ENTRIES).toBeGreaterThan(2 * DAY_BALANCE_BLOCK);
    const blocks = await t.sql<{ seq_block: string }>(
      'SELECT DISTINCT seq_block::text FROM account_day_balances ORDER BY 1',
    );
    expect(blocks.map((b) => b.seq_block)).toEqual(['0', '1', '2']);
    expect(await driftedDayBalances(t)).toEqual([]);
  });

  it('answers pinned trial balance and fund status equal to sums straight from the lines', async () => {
    const edges = [1, DAY_BALANCE_BLOCK - 1, DAY_BALANCE_BLOCK, DAY_BALANCE_BLOCK + 1];
    const seqArb = fc.oneof(
      fc.constantFrom(...edges, 2 * DAY_BALANCE_BLOCK - 1, 2 * DAY_BALANCE_BLOCK, ENTRIES),
      fc.integer({ min: 1, max: ENTRIES }),
    );
    const dayArb = fc
      .integer({ min: -5, max: ENTRIES / 2 + 5 })
      .map((offset) => addDays(FIRST_DAY, offset));
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(seqArb, dayArb, async (asOfSeq, asOf) => {
        const [balance, status, truth] = await Promise.all([
          report(`/v1/reports/trial-balance?asOf=${asOf}&asOfSeq=${asOfSeq}`),
          report(`/v1/reports/fund-status?asOf=${asOf}&asOfSeq=${asOfSeq}`),
          fromLines(asOf, asOfSeq),
        ]);
        for (const row of balance.rows as {
          account: string;
          debitUsd: string;
          creditUsd: string;
        }[]) {
          expect([row.account, row.debitUsd, row.creditUsd]).toEqual([
            row.account,
            cents(truth.byAccount.get(row.account)?.debit),
            cents(truth.byAccount.get(row.account)?.credit),
          ]);
        }
        for (const earmark of EARMARKS) {
          const row = (status.rows as Record<string, string>[]).find((r) => r.earmark === earmark);
          const expected = truth.byEarmark.get(earmark);
          expect([
            earmark,
            row?.receivedUsd ?? '0.00',
            row?.obligatedUsd ?? '0.00',
            row?.releasedUsd ?? '0.00',
          ]).toEqual([
            earmark,
            cents(expected?.received),
            cents(expected?.obligated),
            cents(expected?.released),
          ]);
        }
        checked += 1;
      }),
      { numRuns: 30 },
    );
    expect(checked).toBeGreaterThanOrEqual(30);
  });

  async function report(path: string): Promise<{ rows: unknown[] }> {
    const response = await t.http().get(path).set(auditor);
    expect(response.status).toBe(200);
    return response.body as { rows: unknown[] };
  }

  /** The oracle: every line with a sequence up to the pin, summed with the report's date rules. */
  async function fromLines(asOf: string, asOfSeq: number) {
    const rows = await t.sql<{
      account: string;
      earmark: string;
      debit_by_date: string;
      credit_by_date: string;
      debit_all: string;
    }>(
      `SELECT l.account, l.earmark,
              COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit' AND e.effective_on <= $1::date), 0)::text AS debit_by_date,
              COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit' AND e.effective_on <= $1::date), 0)::text AS credit_by_date,
              COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0)::text AS debit_all
         FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
        WHERE l.entry_seq <= $2
        GROUP BY l.account, l.earmark`,
      [asOf, asOfSeq],
    );
    const byAccount = new Map<string, { debit: Decimal; credit: Decimal }>();
    const byEarmark = new Map<
      string,
      { received: Decimal; obligated: Decimal; released: Decimal }
    >();
    for (const row of rows) {
      const account = byAccount.get(row.account) ?? { debit: new Dec(0), credit: new Dec(0) };
      account.debit = account.debit.plus(row.debit_by_date);
      account.credit = account.credit.plus(row.credit_by_date);
      byAccount.set(row.account, account);
      const earmark = byEarmark.get(row.earmark) ?? {
        received: new Dec(0),
        obligated: new Dec(0),
        released: new Dec(0),
      };
      if (row.account === '1100')
        earmark.received = earmark.received.plus(row.debit_by_date).minus(row.credit_by_date);
      if (row.account === '5100') {
        earmark.obligated = earmark.obligated.plus(row.debit_all);
        earmark.released = earmark.released.plus(row.credit_by_date);
      }
      byEarmark.set(row.earmark, earmark);
    }
    return { byAccount, byEarmark };
  }
});

function cents(value: Decimal | undefined): string {
  return (value ?? new Dec(0)).toFixed(2);
}

function addDays(day: string, offset: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
}
