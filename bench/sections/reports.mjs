import { performance } from 'node:perf_hooks';
import { todayUtc } from '#src/common/dates.js';
import { withClient } from '../lib/database.mjs';
import { ApiClient } from '../lib/http-client.mjs';
import { blocksFor, seedHistory } from '../lib/journal-seed.mjs';
import { startProduct } from '../lib/servers.mjs';
import { percentile, ratio } from '../lib/stats.mjs';
import { fmt, ms } from '../lib/report.mjs';

const REPORTS = ['contributions', 'fund-status', 'trial-balance'];
const MIN_ITERATIONS = 5;

/**
 * The three ledger-wide reports at two sizes of history, current (today, head) and pinned to an
 * older point (an entry BENCH_PIN_PERCENT into the history, and its date). The history is grown in
 * place from the smaller size to the larger, and the product restarted on it: by default the larger
 * history is the same fund years later (BENCH_HISTORY=longer), or the same years busier (denser).
 * Requests go one at a time, the six kinds interleaved, so that every
 * kind meets the same noise; each kind's time is bounded by a sample count and a time budget.
 */
export async function runReports(ctx) {
  const { config, log } = ctx;
  const env = await reportsEnvironment(ctx);
  const totalBlocks = blocksFor(config.lines[1]);
  const sizes = [];
  let fromBlock = 0;
  for (const lines of config.lines) {
    ctx.checkDeadline();
    const toBlock = blocksFor(lines);
    log(`reports: seeding up to ${fmt(lines)} journal lines`);
    const started = performance.now();
    const counts = await withClient(env.db.url, (client) =>
      seedHistory(client, {
        fromBlock,
        toBlock,
        totalBlocks,
        today: env.today,
        shape: config.history,
        direct: config.seed === 'direct',
        timeoutS: config.seedMinutes * 60,
      }),
    );
    const seedSeconds = (performance.now() - started) / 1000;
    fromBlock = toBlock;
    const pin = await pinPoint(env.db.url, config.pinFraction);
    const product = await startProduct({
      databaseUrl: env.db.url,
      dataDir: env.dataDir,
      poolSize: config.poolSize,
    });
    try {
      const client = new ApiClient(product.baseUrl, env.auditorKey);
      for (const problem of await checkAgainstJournal(client, env.db.url, env.today, pin))
        ctx.error('reports', `${fmt(counts.lines)} lines: ${problem}`);
      const rows = await measure(client, pin, config);
      client.close();
      sizes.push({ counts, seedSeconds, pin, rows });
      for (const r of rows)
        log(
          `reports ${fmt(counts.lines)} lines ${r.report} ${r.mode}: p50 ${ms(r.p50)} ms, p95 ${ms(r.p95)} ms (${r.samples})`,
        );
    } finally {
      await product.handle.stop();
    }
  }
  const find = (size, report, mode) =>
    size.rows.find((r) => r.report === report && r.mode === mode);
  const growth = REPORTS.map((report) => {
    const small = find(sizes[0], report, 'current');
    const large = find(sizes[1], report, 'current');
    return { report, smallP95: small.p95, largeP95: large.p95, ratio: ratio(large.p95, small.p95) };
  });
  ctx.results.reports = { sizes, growth, shape: config.history };
  const large = fmt(sizes[1].counts.lines);
  for (const report of REPORTS)
    ctx.target(
      `${report} report, current, p95 at ${large} lines (ms)`,
      find(sizes[1], report, 'current').p95,
      '<=',
      50,
      1,
    );
  for (const g of growth)
    ctx.target(
      `${g.report} report, current, p95 growth ${fmt(sizes[0].counts.lines)} → ${large} lines`,
      g.ratio,
      '<=',
      1.5,
    );
  for (const report of REPORTS)
    ctx.target(
      `${report} report, pinned, p95 at ${large} lines (ms)`,
      find(sizes[1], report, 'pinned').p95,
      '<=',
      250,
      1,
    );
}

/**
 * A scratch database migrated by a first start of the product, with an auditor key to read the
 * reports and an admin key the allocation section uses on the same (then large) history.
 */
export async function reportsEnvironment(ctx) {
  if (ctx.reportsEnvironment) return ctx.reportsEnvironment;
  const db = await ctx.databases.create('reports');
  const dataDir = ctx.tempDir('reports-data');
  const product = await startProduct({
    databaseUrl: db.url,
    dataDir,
    poolSize: ctx.config.poolSize,
  });
  try {
    const admin = new ApiClient(product.baseUrl, product.adminKey);
    const auditor = await admin.expect(201, 'POST', '/v1/api-keys', {
      body: { name: 'bench auditor', role: 'auditor' },
    });
    admin.close();
    ctx.reportsEnvironment = {
      db,
      dataDir,
      adminKey: product.adminKey,
      auditorKey: auditor.key,
      today: todayUtc(),
    };
  } finally {
    await product.handle.stop();
  }
  return ctx.reportsEnvironment;
}

export async function closeReportsEnvironment(ctx) {
  const environment = ctx.reportsEnvironment;
  if (!environment) return;
  ctx.reportsEnvironment = null;
  await ctx.databases.drop(environment.db.name);
}

/**
 * The seed writes base rows only and leaves what the product maintains from them (day balances,
 * contribution facts, whatever comes next) to the product's triggers. A total that disagrees with
 * the journal means the product maintains something the seed bypassed (BENCH_SEED=direct, or a
 * table kept up by application code): the report's figures would then not be worth reading.
 */
async function checkAgainstJournal(client, url, today, pin) {
  const [contributions, fundStatus, trialBalance, pinnedBalance] = await Promise.all([
    ...REPORTS.map((report) => client.expect(200, 'GET', `/v1/reports/${report}`)),
    client.expect(200, 'GET', `/v1/reports/trial-balance?asOf=${pin.asOf}&asOfSeq=${pin.seq}`),
  ]);
  const truth = await withClient(url, async (db) => {
    const { rows } = await db.query(
      `SELECT (SELECT sum(l.amount_usd) FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
                WHERE l.side = 'debit' AND e.effective_on <= $1)::text AS debits,
              (SELECT sum(CASE l.side WHEN 'debit' THEN l.amount_usd ELSE -l.amount_usd END)
                 FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
                WHERE l.account = '1100' AND e.effective_on <= $1)::text AS cash,
              (SELECT sum(p.amount_usd) FROM payments p
                WHERE p.received_on <= $1 AND NOT EXISTS (SELECT 1 FROM payment_reversals r WHERE r.payment_id = p.id))::text
                AS received,
              (SELECT sum(l.amount_usd) FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
                WHERE l.side = 'debit' AND e.effective_on <= $2 AND l.entry_seq <= $3)::text AS pinned_debits`,
      [today, pin.asOf, pin.seq],
    );
    return rows[0];
  });
  const cents = (text) => Math.round(Number(text ?? 0) * 100);
  const fundReceived = fundStatus.rows.reduce((total, row) => total + cents(row.receivedUsd), 0);
  const problems = [];
  const compare = (what, reported, expected) => {
    if (reported !== expected)
      problems.push(
        `${what}: the report says ${fmt(reported / 100, 2)}, the journal ${fmt(expected / 100, 2)} ` +
          '(the seed bypassed something the product maintains; these figures are not valid)',
      );
  };
  compare('trial balance, total debits', cents(trialBalance.totals.debitUsd), cents(truth.debits));
  compare(
    `trial balance pinned at ${pin.asOf}/${pin.seq}, total debits`,
    cents(pinnedBalance.totals.debitUsd),
    cents(truth.pinned_debits),
  );
  compare('fund status, cash received', fundReceived, cents(truth.cash));
  compare(
    'contributions, received USD',
    cents(contributions.totals.receivedUsd),
    cents(truth.received),
  );
  return problems;
}

/** The entry `fraction` into the journal, and its effective date: an older report point. */
async function pinPoint(url, fraction) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT e.seq::text AS seq, e.effective_on::text AS as_of
         FROM journal_entries e WHERE e.seq = (SELECT floor(seq * $1::numeric)::bigint FROM ledger_head WHERE id = 1)`,
      [fraction],
    );
    return { seq: Number(rows[0].seq), asOf: rows[0].as_of };
  });
}

async function measure(client, pin, config) {
  const kinds = [];
  for (const report of REPORTS) {
    kinds.push({ report, mode: 'current', path: `/v1/reports/${report}`, times: [] });
    kinds.push({
      report,
      mode: 'pinned',
      path: `/v1/reports/${report}?asOf=${pin.asOf}&asOfSeq=${pin.seq}`,
      times: [],
    });
  }
  // Warm-up: plans cached, pages in memory, JIT warm, as for a server that has been running.
  for (const kind of kinds)
    for (let i = 0; i < 2; i += 1) await client.expect(200, 'GET', kind.path);
  const started = performance.now();
  const soft = started + config.reportSeconds * 1000;
  const hard = started + config.reportSeconds * 3000;
  for (let i = 0; i < config.reportSamples; i += 1) {
    const now = performance.now();
    if (now > hard || (i >= MIN_ITERATIONS && now > soft)) break;
    for (const kind of kinds) {
      const response = await client.request('GET', kind.path);
      if (response.status !== 200) throw new Error(`GET ${kind.path}: ${response.status}`);
      kind.times.push(response.ms);
    }
  }
  return kinds.map((kind) => ({
    report: kind.report,
    mode: kind.mode,
    p50: percentile(kind.times, 50),
    p95: percentile(kind.times, 95),
    samples: kind.times.length,
  }));
}
