import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { todayUtc } from '#src/common/dates.js';
import { checkpoint } from '../lib/database.mjs';
import { ApiClient } from '../lib/http-client.mjs';
import { createPaymentFixtures, pledgedBody, unpledgedBody } from '../lib/payment-workload.mjs';
import { runCli, startProduct } from '../lib/servers.mjs';
import { median } from '../lib/stats.mjs';

const HEADER = 'donorId,pledgeId,currency,amount,receivedOn,earmark,bankReference,idempotencyKey';
const SUMMARY = /^imported (\d+), replayed (\d+), failed (\d+) in (\d+\.\d) s \((\d+) lines\/s\)$/;

/**
 * Bulk import (issue 6, item 4): `node dist/src/cli.js import payments FILE` into PostgreSQL.
 * Each round writes a new file of BENCH_IMPORT_LINES payments of the payments section's mix (half
 * unpledged USD, half EUR against the 256 confirmed pledges, each line with its own key) and
 * imports it into the same scratch database after a CHECKPOINT. The figure is the command's own
 * summary: lines per second from the first line to the durable end of the run (decision 0014),
 * so start-up, migrations and the check of the file are not in it. Median of the rounds.
 */
export async function runImport(ctx) {
  const { config, log } = ctx;
  const db = await ctx.databases.create('import');
  const dataDir = ctx.tempDir('import-data');
  log('import: first start of the product on a scratch database (migrations), fixtures');
  const product = await startProduct({ databaseUrl: db.url, dataDir, poolSize: config.poolSize });
  let fixtures;
  try {
    fixtures = await createPaymentFixtures(
      new ApiClient(product.baseUrl, product.adminKey),
      config,
    );
  } finally {
    await product.handle.stop();
  }
  const receivedOn = todayUtc();
  const rounds = [];
  for (let round = 0; round < config.rounds; round += 1) {
    ctx.checkDeadline();
    const file = join(dataDir, `payments-${round}.csv`);
    writeFileSync(file, paymentsCsv(fixtures, config.importLines, receivedOn, `import-${round}`));
    await checkpoint(db.url);
    const run = await runCli(
      ['import', 'payments', file, '--concurrency', String(config.importConcurrency)],
      { databaseUrl: db.url, dataDir, poolSize: config.poolSize, timeoutMs: 15 * 60_000 },
    );
    const summary = SUMMARY.exec(run.output.trim().split('\n').at(-1) ?? '');
    if (run.code !== 0 || !summary || Number(summary[1]) !== config.importLines)
      throw new Error(`import round ${round + 1}: exit ${run.code}\n${run.output.slice(-2000)}`);
    const perSecond = config.importLines / Number(summary[4]);
    rounds.push(perSecond);
    log(`import round ${round + 1}/${config.rounds}: ${summary[0]}`);
  }
  ctx.results.import = { lines: config.importLines, rounds };
  ctx.target('bulk import of payments into PostgreSQL (payments/s)', median(rounds), '>=', 1000, 0);
  ctx.note(
    `import: ${config.importLines} payments a round, --concurrency ${config.importConcurrency}, pool ` +
      `${config.poolSize}; rounds ${rounds.map((r) => Math.round(r)).join(', ')} payments/s`,
  );
  await ctx.databases.drop(db.name);
}

function paymentsCsv(fixtures, count, receivedOn, tag) {
  const cells = (body, key) =>
    [
      body.donorId,
      body.pledgeId ?? '',
      body.currency,
      body.amount,
      body.receivedOn,
      body.earmark ?? '',
      '',
      key,
    ].join(',');
  const lines = [HEADER];
  for (let i = 0; i < count; i += 1) {
    const half = Math.floor(i / 2);
    const body =
      i % 2 === 0
        ? unpledgedBody(fixtures, half, receivedOn)
        : pledgedBody(fixtures, half, receivedOn);
    lines.push(cells(body, `${tag}-${i}`));
  }
  return `${lines.join('\n')}\n`;
}
