import { checkpoint } from '../lib/database.mjs';
import { measureHttp, measurePgbench } from '../lib/load.mjs';
import { paymentRequests, pgbenchWorkload } from '../lib/payment-workload.mjs';
import { median, ratio, rotated } from '../lib/stats.mjs';
import { fmt } from '../lib/report.mjs';
import { paymentEnvironment } from './payment-environment.mjs';

const TARGETS = ['product', 'raw', 'pgbench'];
const MB = 1024 * 1024;

/**
 * POST /v1/payments at each connection count against the product, the raw baseline and pgbench,
 * interleaved: every round runs all three back to back, in an order rotated each round, after a
 * CHECKPOINT, so that the machine's noise lands on all of them alike. Figures are medians over the
 * rounds; the ratios are medians of each round's own ratio (product and baseline measured
 * minutes apart would compare the machine's mood, not the code).
 */
export async function runPayments(ctx) {
  const { config, log } = ctx;
  const env = await paymentEnvironment(ctx);
  const pgbench = pgbenchWorkload(env.fixtures, {
    receivedOn: env.receivedOn,
    clients: Math.max(...config.connections),
    keyId: env.keyId,
  });
  const run = (target, connections, durationS, tag) => {
    if (target === 'pgbench')
      return measurePgbench({ url: env.db.url, clients: connections, durationS, ...pgbench });
    const requests = paymentRequests(env.fixtures, { tag, receivedOn: env.receivedOn });
    return measureHttp(env[target], { connections, durationS, requests, dbName: env.db.name });
  };

  if (config.warmupS > 0) {
    const connections = Math.round(median(config.connections));
    log(`payments: warm-up, ${config.warmupS} s each at ${connections} connections`);
    for (const target of TARGETS)
      await run(target, connections, config.warmupS, `warmup-${target}`);
  }
  const runs = [];
  for (const connections of config.connections) {
    for (let round = 0; round < config.rounds; round += 1) {
      for (const target of rotated(TARGETS, round)) {
        ctx.checkDeadline();
        await checkpoint(env.db.url);
        const result = await run(
          target,
          connections,
          config.durationS,
          `${target}-c${connections}-r${round}`,
        );
        runs.push({ connections, round, target, ...result });
        log(
          `payments c=${connections} round ${round + 1}/${config.rounds} ${target}: ${fmt(result.rps)} req/s, ` +
            `p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms` +
            (result.errors ? `, ${result.errors} errors` : ''),
        );
      }
    }
  }
  ctx.results.payments = summarise(runs, config, env);
  addTargets(ctx);
}

function summarise(runs, config, env) {
  const rows = [];
  const ratios = [];
  for (const connections of config.connections) {
    const of = (target) => runs.filter((r) => r.connections === connections && r.target === target);
    for (const target of TARGETS) {
      const mine = of(target);
      rows.push({
        connections,
        target,
        rounds: mine.length,
        rps: median(mine.map((r) => r.rps)),
        p50: median(mine.map((r) => r.p50)),
        p99: median(mine.map((r) => r.p99)),
        appCpuMsPerReq: median(mine.map((r) => r.appCpuMsPerReq)),
        pgCpuMsPerReq: median(mine.map((r) => r.pgCpuMsPerReq)),
        errors: mine.reduce((total, r) => total + r.errors, 0),
      });
    }
    const paired = (target, metric) =>
      median(
        of('product').map((p) =>
          ratio(p[metric], of(target).find((r) => r.round === p.round)?.[metric]),
        ),
      );
    ratios.push({
      connections,
      rpsVsRaw: paired('raw', 'rps'),
      p99VsRaw: paired('raw', 'p99'),
      rpsVsPgbench: paired('pgbench', 'rps'),
      p99VsPgbench: paired('pgbench', 'p99'),
      cpuVsRaw: paired('raw', 'appCpuMsPerReq'),
    });
  }
  const peak = (target) =>
    Math.max(0, ...runs.filter((r) => r.target === target).map((r) => r.rssPeak ?? 0)) || null;
  return {
    rows,
    ratios,
    parity: env.parity,
    rss: {
      productIdle: env.productIdleRss,
      productPeak: peak('product'),
      rawIdle: env.rawIdleRss,
      rawPeak: peak('raw'),
    },
  };
}

function addTargets(ctx) {
  const { ratios, rss, parity } = ctx.results.payments;
  const at = ratios.reduce((best, r) =>
    Math.abs(r.connections - 32) < Math.abs(best.connections - 32) ? r : best,
  );
  const where = `payments at ${at.connections} connections`;
  ctx.target(`${where}: product/raw req/s`, at.rpsVsRaw, '>=', 0.9);
  ctx.target(`${where}: product/raw p99`, at.p99VsRaw, '<=', 1.5);
  ctx.target(
    'RSS of the API under the payments load (PostgreSQL), MB',
    rss.productPeak / MB,
    '<=',
    250,
    0,
  );
  for (const kind of parity)
    if (!kind.identical)
      ctx.note(
        `SQL parity: the raw baseline no longer runs the product's statements for a ${kind.kind} payment ` +
          `(statement ${kind.position + 1}); update bench/lib/payment-sql.mjs and bench/raw-server.mjs.`,
      );
}
