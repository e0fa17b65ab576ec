// `npm run bench`: builds the product, then measures it against same-run baselines and prints a
// table, the ratios and a PASS/FAIL line per target (a FAIL does not fail the command; a bench
// that could not measure does). Settings come from BENCH_* variables: see bench/README.md.
// Everything it starts (API processes, the raw baseline, pgbench, scratch databases, temporary
// directories) it stops or removes before it exits, on failure and on Ctrl-C too.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { setTimeout } from 'node:timers';
import { loadBenchConfig } from './lib/config.mjs';
import { ScratchDatabases, serverVersion } from './lib/database.mjs';
import { loadAverage, stopAll } from './lib/processes.mjs';
import { renderReport } from './lib/report.mjs';
import { ROOT, useSnapshot } from './lib/servers.mjs';
import { runAllocation } from './sections/allocation.mjs';
import { runImport } from './sections/import.mjs';
import { closePaymentEnvironment } from './sections/payment-environment.mjs';
import { runPayments } from './sections/payments.mjs';
import { runProfile } from './sections/profile.mjs';
import { runReceipts } from './sections/receipts.mjs';
import { closeReportsEnvironment, runReports } from './sections/reports.mjs';
import { runStartup } from './sections/startup.mjs';

const started = performance.now();
const config = loadBenchConfig();
const log = (message) =>
  process.stderr.write(
    `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`,
  );

class DeadlineExceeded extends Error {}

const tempRoot = mkdtempSync(join(os.tmpdir(), 'unfssc-bench-'));
const results = { targets: [], notes: [], errors: [] };
const ctx = {
  config,
  log,
  results,
  databases: new ScratchDatabases(config.adminUrl),
  tempDir(name) {
    const dir = join(tempRoot, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  },
  /** Sections call this before each measured step: past BENCH_MAX_MINUTES the run winds down. */
  checkDeadline() {
    if (performance.now() - started > config.maxMinutes * 60_000)
      throw new DeadlineExceeded(
        `time budget of ${config.maxMinutes} min (BENCH_MAX_MINUTES) used up`,
      );
  },
  /** Records a target line; `digits` is how many decimals its figures are printed with. */
  target(label, value, op, limit, digits = 2) {
    const measured = Number.isFinite(value) ? value : null;
    const pass = measured === null ? null : op === '>=' ? measured >= limit : measured <= limit;
    results.targets.push({ label, value: measured, op, limit, pass, digits });
  },
  note(text) {
    results.notes.push(text);
  },
  /** A measurement that ran but cannot be trusted: printed under Errors, and the command fails. */
  error(section, message) {
    results.errors.push({ section, message });
  },
};

// Sections in running order. Payments and receipts share one database and pair of servers,
// reports and allocation another (the allocation runs on the reports' large history); each shared
// environment is closed as soon as no later section needs it.
const SECTIONS = [
  { name: 'startup', run: runStartup },
  { name: 'payments', run: runPayments, uses: closePaymentEnvironment },
  { name: 'receipts', run: runReceipts, uses: closePaymentEnvironment },
  { name: 'profile', run: runProfile, uses: closePaymentEnvironment },
  { name: 'import', run: runImport },
  { name: 'reports', run: runReports, uses: closeReportsEnvironment },
  { name: 'allocation', run: runAllocation, uses: closeReportsEnvironment },
];

let cleaning = null;
function cleanUp() {
  cleaning ??= (async () => {
    await stopAll();
    await ctx.databases.dropAll();
    rmSync(tempRoot, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping everything the bench started`);
    cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
// An error escaping every await (a callback that throws) would end the process and orphan the
// servers it started: stop them first.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.once(event, (error) => {
    log(`${event}: ${error?.stack ?? error}`);
    cleanUp().finally(() => process.exit(1));
  });
}
// A last resort if something hangs past every bound: clean up and leave.
setTimeout(
  () => {
    log('watchdog: the bench overran its time budget by 10 minutes; stopping');
    cleanUp().finally(() => process.exit(2));
  },
  (config.maxMinutes + 10) * 60_000,
).unref();

function preflight() {
  if (!existsSync(join(ROOT, 'dist/src/main.js')))
    throw new Error('dist/src/main.js is missing: run `npx nest build` (npm run bench does)');
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('pgbench is not installed (Debian: apt-get install postgresql-client)');
  }
}

async function main() {
  preflight();
  useSnapshot(join(tempRoot, 'app'));
  results.meta = {
    startedAt: new Date().toISOString(),
    quick: config.quick,
    cores: os.cpus().length,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    node: process.version,
    postgres: await serverVersion(config.adminUrl),
    loadStart: loadAverage(),
    rounds: config.rounds,
    durationS: config.durationS,
    poolSize: config.poolSize,
  };
  log(`bench: sections ${config.sections.join(', ')}; load average ${results.meta.loadStart}`);
  const selected = SECTIONS.filter((section) => config.sections.includes(section.name));
  for (const [i, section] of selected.entries()) {
    try {
      ctx.checkDeadline();
      log(`== ${section.name}`);
      await section.run(ctx);
    } catch (error) {
      const message =
        error instanceof DeadlineExceeded
          ? `skipped: ${error.message}`
          : (error.stack ?? String(error));
      results.errors.push({ section: section.name, message });
      log(`${section.name} failed: ${message}`);
    }
    const close = section.uses;
    if (close && !selected.slice(i + 1).some((later) => later.uses === close))
      await close(ctx).catch((error) => log(`closing after ${section.name}: ${error.message}`));
  }
}

try {
  await main();
} catch (error) {
  results.errors.push({ section: 'bench', message: error.stack ?? String(error) });
} finally {
  await cleanUp();
}
results.meta ??= { startedAt: new Date().toISOString(), quick: config.quick };
results.meta.loadEnd = loadAverage();
results.meta.elapsedS = (performance.now() - started) / 1000;
process.stdout.write(renderReport(results));
process.exitCode = results.errors.length > 0 ? 1 : 0;
