// Years of history for the reports benchmark, written with set-based SQL straight into the
// tables (the API would take hours for a million lines). The history is built in blocks of 20
// entries: a pledge announced (memo) and confirmed (Dr 1200 / Cr 4100), nine payments against it
// and eight unpledged payments (cash, relief or revenue, PSC: four lines each), and one allocation
// commit (Dr 5100 / Cr 2100): 72 lines a block, over 8 earmarks, 5 currencies and 300 donors.
// Effective dates run from 2012 to a month ago, spread over the final history so that a smaller
// history is its first years (`longer`), or over the whole span at each size so that a larger one
// is the same years busier, its later blocks backdated (`denser`). Every entry balances within
// its earmark and the pledges and payments rows match their entries. The hash chain is linked
// but not computed from the entries' content, so GET /v1/ledger/verify would reject it; no
// report reads it.

import { DAY_BALANCE_BLOCK } from '#src/ledger/journal.entity.js';

export const ENTRIES_PER_BLOCK = 20;
export const LINES_PER_BLOCK = 72;
const DONORS = 300;
const EARMARKS = [
  'unearmarked',
  'participation:NAIROBI-2009',
  'participation:CONF-0',
  'participation:CONF-1',
  'participation:CONF-2',
  'participation:CONF-3',
  'participation:CONF-4',
  'participation:BUENOS-AIRES-2019',
];
const FIRST_DAY = '2012-01-01';

export function blocksFor(lines) {
  return Math.max(1, Math.round(lines / LINES_PER_BLOCK));
}

/** Days from FIRST_DAY to a month before `today`: the span the final history is spread over. */
export function spanDays(today) {
  const end = new Date(`${today}T00:00:00Z`).getTime() - 30 * 86_400_000;
  return Math.floor((end - new Date(`${FIRST_DAY}T00:00:00Z`).getTime()) / 86_400_000);
}

const earmarkArray = `ARRAY[${EARMARKS.map((e) => `'${e}'`).join(', ')}]`;
/**
 * The effective date of entry `seq` as SQL: entries from `plan.from` on are spread evenly over
 * `plan.span` days, `plan.total` of them.
 */
const dateOf = (seq, plan) =>
  `DATE '${FIRST_DAY}' + ((${seq} - ${plan.from}) * ${plan.span}::bigint / ${plan.total}::bigint)::int`;
const hashOf = (seq) => `md5('h1-' || (${seq})) || md5('h2-' || (${seq}))`;

/**
 * One row per entry of seqs [first, last], with what its lines and rows need. The numbers are the
 * bench's own integers, written into the statement (a CREATE TABLE AS takes no parameters).
 */
const entryPlan = (plan) => `
  CREATE TEMP TABLE seed_entries ON COMMIT DROP AS
  WITH s AS (
    SELECT g AS seq, (g - 1) / ${ENTRIES_PER_BLOCK} AS b, (g - 1) % ${ENTRIES_PER_BLOCK} AS k,
           ${dateOf('g', plan)} AS on_date, ${dateOf('g + 1', plan)} AS next_date, ${dateOf('g + 18', plan)} AS last_date
      FROM generate_series(${plan.first}::bigint, ${plan.last}::bigint) AS g
  ), p AS (
    SELECT s.*,
           CASE WHEN s.k = 0 THEN 'announce' WHEN s.k = 1 THEN 'confirm' WHEN s.k = 19 THEN 'allocation'
                WHEN s.k % 2 = 0 THEN 'pledged' ELSE 'unpledged' END AS class,
           (ARRAY['EUR', 'JPY', 'GBP', 'USD', 'NOK'])[1 + s.b % 5] AS pcur,
           (ARRAY[0.92, 150, 0.79, 1, 10.5])[1 + s.b % 5]::numeric AS prate,
           md5('bench-pledge-' || s.b)::uuid AS pledge_id,
           md5('seed-donor-' || (s.b % ${DONORS}))::uuid AS pledge_donor,
           (${earmarkArray})[1 + s.b % ${EARMARKS.length}] AS pledge_earmark,
           (500 + ((s.seq * 7) % 97) * 25)::numeric AS u
      FROM s
  )
  SELECT p.seq, p.b, p.k, p.on_date, p.next_date, p.last_date, p.class, p.pcur, p.prate, p.pledge_id, p.pledge_donor, p.pledge_earmark,
         round(1000 * p.prate, CASE WHEN p.pcur = 'JPY' THEN 0 ELSE 2 END) AS pamount,
         CASE p.class WHEN 'unpledged' THEN (${earmarkArray})[1 + p.seq % ${EARMARKS.length}]
                      WHEN 'allocation' THEN 'participation:CONF-' || (p.b % 5)
                      ELSE p.pledge_earmark END AS earmark,
         CASE p.class WHEN 'unpledged' THEN md5('seed-donor-' || (p.seq % ${DONORS}))::uuid
                      WHEN 'allocation' THEN NULL ELSE p.pledge_donor END AS donor,
         CASE p.class WHEN 'confirm' THEN 10000.00 WHEN 'pledged' THEN 1000.00 WHEN 'unpledged' THEN p.u
                      WHEN 'allocation' THEN 1300.00 * (1 + p.b % 3) END AS main_usd,
         CASE p.class WHEN 'pledged' THEN 80.00 WHEN 'unpledged' THEN p.u * 0.08 END AS psc_usd
    FROM p`;

const ENTRIES = `
  INSERT INTO journal_entries (seq, effective_on, kind, source_type, source_id, reverses_seq, recorded_at, previous_hash, hash)
  SELECT e.seq, e.on_date,
         CASE e.class WHEN 'announce' THEN 'pledge_announced' WHEN 'confirm' THEN 'pledge_confirmed'
                      WHEN 'allocation' THEN 'allocation_committed' ELSE 'payment_received' END,
         CASE e.class WHEN 'announce' THEN 'pledge' WHEN 'confirm' THEN 'pledge' WHEN 'allocation' THEN 'allocation_run'
                      ELSE 'payment' END,
         CASE e.class WHEN 'announce' THEN e.pledge_id WHEN 'confirm' THEN e.pledge_id
                      WHEN 'allocation' THEN md5('bench-run-' || e.b)::uuid ELSE md5('bench-payment-' || e.seq)::uuid END,
         NULL, e.on_date + time '12:00',
         CASE WHEN e.seq = 1 THEN repeat('0', 64) ELSE ${hashOf('e.seq - 1')} END, ${hashOf('e.seq')}
    FROM seed_entries e`;

// Which accounts each kind of entry books, in line order.
const LINES = `
  INSERT INTO journal_lines (entry_seq, line_no, account, side, amount_usd, earmark, currency, amount_original, rate,
                             rate_effective_on, donor_id, pledge_id)
  SELECT e.seq, v.no, v.account, v.side,
         CASE WHEN v.psc THEN e.psc_usd ELSE e.main_usd END,
         e.earmark,
         CASE WHEN v.psc OR e.class IN ('unpledged', 'allocation') THEN 'USD' ELSE e.pcur END,
         CASE WHEN v.psc THEN e.psc_usd WHEN e.class IN ('unpledged', 'allocation') THEN e.main_usd
              WHEN e.class = 'confirm' THEN e.pamount * 10 ELSE e.pamount END,
         CASE WHEN v.psc OR e.class IN ('unpledged', 'allocation') THEN 1 ELSE e.prate END,
         e.on_date, e.donor,
         CASE WHEN e.class IN ('confirm', 'pledged') THEN e.pledge_id END
    FROM seed_entries e
    JOIN (VALUES ('confirm', 1, '1200', 'debit', false), ('confirm', 2, '4100', 'credit', false),
                 ('pledged', 1, '1100', 'debit', false), ('pledged', 2, '1200', 'credit', false),
                 ('pledged', 3, '5200', 'debit', true), ('pledged', 4, '2200', 'credit', true),
                 ('unpledged', 1, '1100', 'debit', false), ('unpledged', 2, '4100', 'credit', false),
                 ('unpledged', 3, '5200', 'debit', true), ('unpledged', 4, '2200', 'credit', true),
                 ('allocation', 1, '5100', 'debit', false), ('allocation', 2, '2100', 'credit', false))
         AS v(class, no, account, side, psc) ON v.class = e.class`;

const PAYMENTS = `
  INSERT INTO payments (id, donor_id, pledge_id, currency, amount, received_on, earmark, bank_reference, rate, rate_effective_on,
                        amount_usd, relieved_usd, fx_gain_loss_usd, psc_rate, psc_usd, journal_entry_seq, receipt_number, created_at)
  SELECT md5('bench-payment-' || e.seq)::uuid, e.donor, CASE WHEN e.class = 'pledged' THEN e.pledge_id END,
         CASE WHEN e.class = 'pledged' THEN e.pcur ELSE 'USD' END,
         CASE WHEN e.class = 'pledged' THEN e.pamount ELSE e.main_usd END,
         e.on_date, e.earmark, NULL, CASE WHEN e.class = 'pledged' THEN e.prate ELSE 1 END, e.on_date,
         e.main_usd, CASE WHEN e.class = 'pledged' THEN e.main_usd ELSE 0 END, 0, 0.08, e.psc_usd,
         e.seq, 'SEED-' || e.seq, e.on_date + time '12:00'
    FROM seed_entries e WHERE e.class IN ('pledged', 'unpledged')`;

// Nine of a pledge's ten instalments are paid, so every seeded pledge is partially paid.
const PLEDGES = `
  INSERT INTO pledges (id, donor_id, currency, amount, earmark, status, pledged_on, confirmed_on, reference, instalments,
                       confirm_rate, confirm_rate_effective_on, carrying_usd, paid_amount, written_off_amount, relieved_usd,
                       last_event_on, created_at)
  SELECT e.pledge_id, e.pledge_donor, e.pcur, e.pamount * 10, e.pledge_earmark, 'partially_paid', e.on_date,
         e.next_date, NULL, '[]'::jsonb, e.prate, e.next_date, 10000.00, e.pamount * 9, 0, 9000.00,
         e.last_date, e.on_date + time '12:00'
    FROM seed_entries e WHERE e.class = 'announce'`;

const DAY_BALANCES = `
  INSERT INTO account_day_balances (account, earmark, effective_on, seq_block, debit_usd, credit_usd)
  SELECT l.account, l.earmark, e.effective_on, l.entry_seq / ${DAY_BALANCE_BLOCK},
         COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0),
         COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit'), 0)
    FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
   GROUP BY l.account, l.earmark, e.effective_on, l.entry_seq / ${DAY_BALANCE_BLOCK}`;

/**
 * Appends blocks [fromBlock, toBlock) of the history to a migrated database whose journal holds
 * exactly blocks [0, fromBlock), in one transaction bounded by `timeoutS`. The base rows are
 * written here; what the product derives from them (day balances, contribution facts, whatever
 * it maintains next) is left to its own triggers, which fire as for any insert, the deferred
 * ones at commit. With `direct`, triggers are skipped (session_replication_role = replica) and
 * only the day balances are rebuilt, with the DayBalanceBlocks migration's statement: about five
 * times faster, and valid only while day balances are all the product maintains (the reports
 * section checks the reports against the journal and says so when they disagree).
 */
export async function seedHistory(
  client,
  { fromBlock, toBlock, totalBlocks, today, shape, direct, timeoutS },
) {
  const first = fromBlock * ENTRIES_PER_BLOCK + 1;
  const last = toBlock * ENTRIES_PER_BLOCK;
  const { rows } = await client.query('SELECT seq::text AS seq FROM ledger_head WHERE id = 1');
  if (Number(rows[0].seq) !== first - 1)
    throw new Error(`seedHistory: the journal head is ${rows[0].seq}, expected ${first - 1}`);
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.round(timeoutS * 1000)}`);
    if (direct) await client.query('SET LOCAL session_replication_role = replica');
    await client.query(
      `INSERT INTO donors (id, name, type, created_at)
       SELECT md5('seed-donor-' || n)::uuid, 'Seeded donor ' || lpad(n::text, 3, '0'), 'ngo', timestamptz '${FIRST_DAY}'
         FROM generate_series(0, ${DONORS - 1}) AS n ON CONFLICT (id) DO NOTHING`,
    );
    await client.query(
      entryPlan({
        first,
        last,
        span: spanDays(today),
        ...(shape === 'denser'
          ? { from: first, total: last - first + 1 }
          : { from: 1, total: totalBlocks * ENTRIES_PER_BLOCK }),
      }),
    );
    for (const statement of [ENTRIES, LINES, PLEDGES, PAYMENTS]) await client.query(statement);
    await client.query(
      `UPDATE ledger_head SET seq = $1, hash = ${hashOf('$1::bigint')} WHERE id = 1`,
      [last],
    );
    if (direct) {
      await client.query('DELETE FROM account_day_balances');
      await client.query(DAY_BALANCES);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await client.query(
    // Every table a report reads, the maintained totals too: a bulk seed leaves their visibility
    // maps unset and their statistics stale, which autovacuum would fix some minutes later.
    `VACUUM (ANALYZE) journal_entries, journal_lines, payments, pledges, donors, account_day_balances,
       account_balances, contribution_facts, contribution_day_totals, contribution_totals`,
  );
  const counts = await client.query(
    `SELECT (SELECT count(*) FROM journal_entries) AS entries, (SELECT count(*) FROM journal_lines) AS lines,
            (SELECT count(*) FROM payments) AS payments, (SELECT count(*) FROM account_day_balances) AS day_balances`,
  );
  return Object.fromEntries(
    Object.entries(counts.rows[0]).map(([key, value]) => [key, Number(value)]),
  );
}
