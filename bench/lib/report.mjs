/** A number for a table: fixed decimals with thousands separators, '—' when not measured. */
export function fmt(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Milliseconds with the decimals their size deserves. */
export function ms(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return fmt(value, value < 10 ? 2 : value < 100 ? 1 : 0);
}

const mb = (bytes) => (bytes ? `${fmt(bytes / 1024 / 1024)} MB` : '—');

/** Columns padded to their widest cell; text left-aligned, figures right-aligned. */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const numeric = headers.map((_, i) => rows.every((row) => /^[-—\d.,×%]|^$/.test(String(row[i]))));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (numeric[i] && i > 0 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function paymentsText(payments) {
  const rows = payments.rows.map((r) => [
    r.connections,
    r.target,
    fmt(r.rps),
    ms(r.p50),
    ms(r.p99),
    ms(r.appCpuMsPerReq),
    ms(r.pgCpuMsPerReq),
    r.errors,
  ]);
  const ratios = payments.ratios.map((r) => [
    r.connections,
    fmt(r.rpsVsRaw, 2),
    fmt(r.p99VsRaw, 2),
    fmt(r.cpuVsRaw, 2),
    fmt(r.rpsVsPgbench, 2),
    fmt(r.p99VsPgbench, 2),
  ]);
  const parity = payments.parity
    .map((p) =>
      p.identical
        ? `${p.kind}: ${p.productStatements} statements, identical`
        : `${p.kind}: DIFFERENT at statement ${p.position + 1}\n    product: ${p.product.slice(0, 160)}\n    raw:     ${p.raw.slice(0, 160)}`,
    )
    .join('; ');
  return [
    table(
      [
        'conns',
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        'app CPU ms/req',
        'PG backend CPU ms/req',
        'errors',
      ],
      rows,
    ),
    '',
    table(
      [
        'conns',
        'product/raw req/s',
        'product/raw p99',
        'product/raw CPU',
        'product/pgbench req/s',
        'product/pgbench p99',
      ],
      ratios,
    ),
    '',
    `SQL parity, product vs raw baseline (one payment of each kind traced): ${parity}`,
    `RSS of the API: ${mb(payments.rss.productIdle)} idle after start, ${mb(payments.rss.productPeak)} peak under load ` +
      `(raw baseline: ${mb(payments.rss.rawIdle)} idle, ${mb(payments.rss.rawPeak)} peak)`,
  ].join('\n');
}

function receiptsText(receipts) {
  return [
    table(
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'app CPU ms/req', 'PG backend CPU ms/req', 'errors'],
      receipts.rows.map((r) => [
        r.target,
        fmt(r.rps),
        ms(r.p50),
        ms(r.p99),
        ms(r.appCpuMsPerReq),
        ms(r.pgCpuMsPerReq),
        r.errors,
      ]),
    ),
    `product/raw req/s: ${fmt(receipts.rpsVsRaw, 2)}`,
  ].join('\n');
}

function reportsText(reports) {
  const rows = [];
  for (const size of reports.sizes)
    for (const r of size.rows)
      rows.push([fmt(size.counts.lines), r.report, r.mode, ms(r.p50), ms(r.p95), r.samples]);
  const seeded = reports.sizes
    .map(
      (s) =>
        `${fmt(s.counts.lines)} lines / ${fmt(s.counts.entries)} entries / ${fmt(s.counts.payments)} payments / ` +
        `${fmt(s.counts.day_balances)} day-balance rows ` +
        `(seeded in ${fmt(s.seedSeconds, 1)} s; pinned at asOfSeq ${s.pin.seq}, asOf ${s.pin.asOf})`,
    )
    .join('\n  ');
  const growth = reports.growth.map((g) => [
    g.report,
    ms(g.smallP95),
    ms(g.largeP95),
    fmt(g.ratio, 2),
  ]);
  const shape =
    reports.shape === 'denser'
      ? 'both sizes span the same years (BENCH_HISTORY=denser)'
      : 'the smaller history is the first years of the larger (BENCH_HISTORY=longer)';
  return [
    `history, ${shape}:\n  ${seeded}`,
    table(['lines', 'report', 'point', 'p50 ms', 'p95 ms', 'samples'], rows),
    '',
    table(['report (current)', 'p95 small ms', 'p95 large ms', 'growth ×'], growth),
  ].join('\n');
}

function allocationText(allocation) {
  return [
    `${allocation.requests} travel requests (${allocation.funded} funded by the preview, budget ${allocation.budgetUsd} USD), ` +
      `journal of ${fmt(allocation.journalLines)} lines`,
    `preview: p50 ${ms(allocation.p50)} ms, p95 ${ms(allocation.p95)} ms over ${allocation.samples} runs; ` +
      `one commit: ${ms(allocation.commitMs)} ms`,
  ].join('\n');
}

function startupText(startup) {
  return table(
    ['case', 'ready ms (median)', 'each round', 'RSS at ready'],
    startup.rows.map((r) => [
      r.label,
      fmt(r.readyMs),
      r.all.map((v) => fmt(v)).join(' / '),
      mb(r.rss),
    ]),
  );
}

function profileText(profiles) {
  const out = [];
  for (const p of profiles) {
    out.push(
      `${p.workload} / ${p.target}: ${ms(p.cpuMsPerRequest)} ms CPU per request under the profiler ` +
        `(${fmt(p.requests)} requests at ${p.connections} connections, ${fmt(p.busyMs)} ms busy)`,
    );
    out.push(
      table(
        ['  self time by package or file', 'ms', 'share'],
        p.categories.map((c) => [`  ${c.name}`, fmt(c.ms), `${fmt(c.share * 100, 1)}%`]),
      ),
    );
    out.push(
      table(
        ['  self time by function', 'ms', 'share'],
        p.functions.map((f) => [`  ${f.name}`, fmt(f.ms), `${fmt(f.share * 100, 1)}%`]),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** The whole report: header, one block per section that ran, the target lines, notes. */
export function renderReport(results) {
  const { meta } = results;
  const out = [
    '',
    '='.repeat(100),
    `UNFSSC ledger benchmark — ${meta.startedAt}${meta.quick ? '  (BENCH_QUICK smoke run: not for reading figures)' : ''}`,
    `machine: ${meta.cores} cores, ${meta.memory}; node ${meta.node}; PostgreSQL ${meta.postgres}; load average ` +
      `${meta.loadStart} at start, ${meta.loadEnd ?? '—'} at end`,
    `runs: ${meta.rounds} round(s) of ${meta.durationS} s, A/B interleaved, medians; pool ${meta.poolSize} connections ` +
      `per API process; took ${fmt(meta.elapsedS)} s`,
  ];
  const block = (title, text) => out.push('', `## ${title}`, text);
  if (results.payments)
    block(
      'Payments: POST /v1/payments, half unpledged USD, half against EUR pledges, one Idempotency-Key each',
      paymentsText(results.payments),
    );
  if (results.receipts)
    block(
      `Receipt verification: GET /v1/public/receipts/{code}, ${results.receipts.connections} connections`,
      receiptsText(results.receipts),
    );
  if (results.profile)
    block('CPU profile (opt-in section, not part of the figures)', profileText(results.profile));
  if (results.reports)
    block('Reports: sequential requests from one client on loopback', reportsText(results.reports));
  if (results.allocation)
    block(
      'Allocation: POST /v1/conferences/{code}/allocation-runs (preview)',
      allocationText(results.allocation),
    );
  if (results.startup)
    block('Start: process start to GET /health/ready 200', startupText(results.startup));
  out.push('', '## Targets (a FAIL does not fail the command)');
  for (const t of results.targets) {
    const verdict = t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL';
    const limit = `${t.op === '>=' ? '≥' : '≤'} ${fmt(t.limit, t.digits)}`;
    out.push(`${verdict}  ${t.label}: ${fmt(t.value, t.digits)} (target ${limit})`);
  }
  if (results.notes.length > 0) out.push('', '## Notes', ...results.notes.map((n) => `- ${n}`));
  if (results.errors.length > 0)
    out.push('', '## Errors', ...results.errors.map((e) => `- ${e.section}: ${e.message}`));
  out.push('='.repeat(100), '');
  return out.join('\n');
}
