import { withClient } from '../lib/database.mjs';
import { measureHttp } from '../lib/load.mjs';
import { paymentRequests } from '../lib/payment-workload.mjs';
import { median, ratio, rotated } from '../lib/stats.mjs';
import { fmt } from '../lib/report.mjs';
import { paymentEnvironment } from './payment-environment.mjs';

const TARGETS = ['product', 'raw'];

/**
 * Public receipt verification, GET /v1/public/receipts/{code}, against the product and the raw
 * server answering the same query, on the receipts the payments section left (or on a few
 * thousand made here when it did not run), codes taken round robin from a random thousand.
 */
export async function runReceipts(ctx) {
  const { config, log } = ctx;
  const env = await paymentEnvironment(ctx);
  let codes = await signedReceiptCodes(env);
  if (codes.length < 100) {
    log('receipts: making receipts first (the payments section did not run)');
    const requests = paymentRequests(env.fixtures, {
      tag: 'receipts-setup',
      receivedOn: env.receivedOn,
    });
    await measureHttp(env.raw, { connections: 8, durationS: 3, requests, dbName: env.db.name });
    codes = await signedReceiptCodes(env);
  }
  const run = (target, durationS) => {
    let next = 0;
    const requests = [
      {
        method: 'GET',
        path: '/v1/public/receipts/',
        setupRequest: (request) => ({
          ...request,
          path: `/v1/public/receipts/${codes[next++ % codes.length]}`,
        }),
      },
    ];
    return measureHttp(env[target], {
      connections: config.receiptConnections,
      durationS,
      requests,
      dbName: env.db.name,
    });
  };

  if (config.warmupS > 0) for (const target of TARGETS) await run(target, config.warmupS);
  const runs = [];
  for (let round = 0; round < config.rounds; round += 1) {
    for (const target of rotated(TARGETS, round)) {
      ctx.checkDeadline();
      const result = await run(target, config.durationS);
      runs.push({ round, target, ...result });
      log(
        `receipts round ${round + 1}/${config.rounds} ${target}: ${fmt(result.rps)} req/s, ` +
          `p99 ${fmt(result.p99, 1)} ms` +
          (result.errors ? `, ${result.errors} errors` : ''),
      );
    }
  }
  const of = (target) => runs.filter((r) => r.target === target);
  const rows = TARGETS.map((target) => ({
    target,
    rounds: of(target).length,
    rps: median(of(target).map((r) => r.rps)),
    p50: median(of(target).map((r) => r.p50)),
    p99: median(of(target).map((r) => r.p99)),
    appCpuMsPerReq: median(of(target).map((r) => r.appCpuMsPerReq)),
    pgCpuMsPerReq: median(of(target).map((r) => r.pgCpuMsPerReq)),
    errors: of(target).reduce((total, r) => total + r.errors, 0),
  }));
  const rpsVsRaw = median(
    of('product').map((p) => ratio(p.rps, of('raw').find((r) => r.round === p.round)?.rps)),
  );
  ctx.results.receipts = {
    rows,
    rpsVsRaw,
    connections: config.receiptConnections,
    codes: codes.length,
  };
  ctx.target('receipt verification: product/raw req/s', rpsVsRaw, '>=', 0.8);
}

/** Codes of receipts the servers signed (pgbench's receipts carry a placeholder signature). */
async function signedReceiptCodes(env) {
  return withClient(env.db.url, async (client) => {
    const { rows } = await client.query(
      `SELECT verification_code FROM receipts TABLESAMPLE SYSTEM (10)
        WHERE signature NOT LIKE 'AAAAAAAA%' LIMIT 1000`,
    );
    if (rows.length >= 100) return rows.map((row) => row.verification_code);
    const all = await client.query(
      `SELECT verification_code FROM receipts WHERE signature NOT LIKE 'AAAAAAAA%' ORDER BY random() LIMIT 1000`,
    );
    return all.rows.map((row) => row.verification_code);
  });
}
