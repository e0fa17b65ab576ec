import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { todayUtc } from '#src/common/dates.js';
import { withClient } from '../lib/database.mjs';
import { ApiClient, inParallel } from '../lib/http-client.mjs';
import { startProduct } from '../lib/servers.mjs';
import { percentile } from '../lib/stats.mjs';
import { ms } from '../lib/report.mjs';
import { reportsEnvironment } from './reports.mjs';

const CODE = 'BENCH-ALLOC';
// G-77 with China and the LDCs counts about 136 developing countries, fewer than the 150
// requests asked for; a grouping of every country, loaded here and named by DEVELOPING_GROUPING
// (the product's documented way to use another grouping), lets one conference take 150.
const GROUPING = 'bench-all';

/**
 * An allocation preview over 150 travel requests (one to three delegates each, about a third
 * nominated late), on the reports' large history when that section ran, with earmarked cash that
 * funds some requests and not others. Everything is created through the API; the preview is then
 * run repeatedly and timed from one client, and a commit once.
 */
export async function runAllocation(ctx) {
  const { config, log } = ctx;
  const env = await reportsEnvironment(ctx);
  await withClient(env.db.url, (client) =>
    client.query(
      `INSERT INTO grouping_memberships (grouping, alpha3, joined_on, left_on)
       SELECT $1, alpha3, DATE '1945-01-01', NULL FROM countries ON CONFLICT DO NOTHING`,
      [GROUPING],
    ),
  );
  const product = await startProduct({
    databaseUrl: env.db.url,
    dataDir: env.dataDir,
    poolSize: config.poolSize,
    env: { DEVELOPING_GROUPING: GROUPING },
  });
  try {
    const admin = new ApiClient(product.baseUrl, env.adminKey);
    const created = await admin.expect(201, 'POST', '/v1/api-keys', {
      body: { name: 'bench allocation', role: 'finance' },
    });
    const finance = admin.withKey(created.key);
    const today = todayUtc();
    log(
      `allocation: conference, cash and ${config.allocationRequests} travel requests through the API`,
    );
    await setUpConference(admin, finance, today, config.allocationRequests);
    ctx.checkDeadline();
    const path = `/v1/conferences/${CODE}/allocation-runs`;
    const preview = () =>
      finance.request('POST', path, { body: { mode: 'preview', effectiveOn: today } });
    const first = await preview();
    if (first.status !== 201 || first.body.lines.length !== config.allocationRequests)
      throw new Error(`preview: ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
    for (let i = 0; i < 2; i += 1) await preview();
    const times = await timed(preview, config.allocationSamples, config.reportSeconds);
    const commit = await finance.request('POST', path, {
      headers: { 'idempotency-key': `bench-commit-${randomUUID()}` },
      body: { mode: 'commit', effectiveOn: today },
    });
    if (commit.status !== 201) throw new Error(`commit: ${commit.status}`);
    const journalLines = await withClient(env.db.url, async (client) => {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM journal_lines');
      return rows[0].n;
    });
    ctx.results.allocation = {
      requests: config.allocationRequests,
      funded: first.body.lines.filter((line) => line.delegatesFunded > 0).length,
      budgetUsd: first.body.budgetUsd,
      journalLines,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      samples: times.length,
      commitMs: commit.ms,
    };
    log(
      `allocation preview: p50 ${ms(ctx.results.allocation.p50)} ms, p95 ${ms(ctx.results.allocation.p95)} ms`,
    );
    ctx.target(
      `allocation preview of ${config.allocationRequests} requests, p95 (ms)`,
      ctx.results.allocation.p95,
      '<=',
      50,
      1,
    );
    admin.close();
  } finally {
    await product.handle.stop();
  }
}

async function setUpConference(admin, finance, today, count) {
  const day = (offset) =>
    new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
  await admin.expect(201, 'POST', '/v1/conferences', {
    body: {
      code: CODE,
      name: 'Benchmark Conference on South-South Cooperation',
      city: 'Nairobi',
      startsOn: day(30),
      endsOn: day(32),
      nominationDeadline: day(-20),
      dsaRateUsd: '300.00',
      dsaNights: 4,
      terminalExpensesUsd: '100.00',
      maxDelegatesLdc: 3,
      maxDelegatesOther: 2,
      useUnearmarked: false,
      ldcGraceYears: 3,
    },
  });
  const donor = await finance.expect(201, 'POST', '/v1/donors', {
    body: { name: 'Bench travel donor', type: 'ngo' },
  });
  // About 220,000 USD available after PSC: enough for roughly half the delegates asked for.
  for (let i = 0; i < 4; i += 1)
    await finance.expect(201, 'POST', '/v1/payments', {
      headers: { 'idempotency-key': `bench-travel-cash-${i}-${randomUUID()}` },
      body: {
        donorId: donor.id,
        currency: 'USD',
        amount: '60000.00',
        receivedOn: day(-5),
        earmark: `participation:${CODE}`,
      },
    });
  const countries = await finance.expect(200, 'GET', `/v1/countries?on=${day(30)}&limit=500`);
  const eligible = countries.items.filter((c) => c.developing).map((c) => c.alpha3);
  if (eligible.length < count)
    throw new Error(`only ${eligible.length} eligible countries for ${count} requests`);
  await inParallel(count, 8, (i) =>
    finance.expect(201, 'POST', `/v1/conferences/${CODE}/travel-requests`, {
      body: {
        countryCode: eligible[i],
        nominatedOn: day(-40 + (i % 30)),
        nominationReference: `${eligible[i]}/MFA/${i}`,
        delegates: Array.from({ length: 1 + (i % 3) }, (_, j) => ({
          name: `Delegate ${j + 1} of ${eligible[i]}`,
          airfareUsd: `${800 + ((i * 37 + j * 211) % 1500)}.00`,
        })),
      },
    }),
  );
}

/** Runs `call` up to `samples` times (at least 5, within 3× the time budget); answers the times. */
async function timed(call, samples, seconds) {
  const times = [];
  const started = performance.now();
  for (let i = 0; i < samples; i += 1) {
    const now = performance.now();
    if (now > started + seconds * 3000 || (i >= 5 && now > started + seconds * 1000)) break;
    const response = await call();
    if (response.status !== 201) throw new Error(`preview: ${response.status}`);
    times.push(response.ms);
  }
  return times;
}
