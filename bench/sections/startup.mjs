import { rssBytes } from '../lib/processes.mjs';
import { startProduct } from '../lib/servers.mjs';
import { median, rotated } from '../lib/stats.mjs';
import { fmt } from '../lib/report.mjs';

/**
 * Time from spawning `node dist/src/main.js` to the first 200 from GET /health/ready, for four
 * cases: PostgreSQL with the schema in place (a restart) and empty (first start, migrations), the
 * embedded database with its data directory in place and empty (first start creates it). The
 * cases take turns within each round, in an order rotated each round.
 */
export async function runStartup(ctx) {
  const { config, log } = ctx;
  const migrated = await ctx.databases.create('startup');
  const pgDataDir = ctx.tempDir('startup-pg');
  const embeddedDir = ctx.tempDir('startup-embedded');
  log('start: preparing a migrated database and an embedded data directory');
  await (
    await startProduct({ databaseUrl: migrated.url, dataDir: pgDataDir, poolSize: config.poolSize })
  ).handle.stop();
  await (await startProduct({ dataDir: embeddedDir })).handle.stop();

  let fresh = 0;
  const cases = [
    {
      label: 'PostgreSQL, schema in place (restart)',
      limit: 3000,
      start: () =>
        startProduct({ databaseUrl: migrated.url, dataDir: pgDataDir, poolSize: config.poolSize }),
    },
    {
      label: 'PostgreSQL, empty database (first start, migrations)',
      limit: 3000,
      start: async () => {
        const db = await ctx.databases.create(`startup_empty_${fresh++}`);
        const running = await startProduct({
          databaseUrl: db.url,
          dataDir: pgDataDir,
          poolSize: config.poolSize,
        });
        return { ...running, cleanup: () => ctx.databases.drop(db.name) };
      },
    },
    {
      label: 'embedded, data directory in place (restart)',
      limit: 8000,
      start: () => startProduct({ dataDir: embeddedDir }),
    },
    {
      label: 'embedded, empty data directory (first start)',
      limit: 8000,
      start: () => startProduct({ dataDir: ctx.tempDir(`startup-embedded-empty-${fresh++}`) }),
    },
  ];
  const measured = new Map(cases.map((c) => [c.label, { ready: [], rss: [] }]));
  for (let round = 0; round < config.startRounds; round += 1) {
    for (const c of rotated(cases, round)) {
      ctx.checkDeadline();
      const running = await c.start();
      measured.get(c.label).ready.push(running.readyMs);
      measured.get(c.label).rss.push(rssBytes(running.pid));
      await running.handle.stop();
      await running.cleanup?.();
      log(`start round ${round + 1}/${config.startRounds} ${c.label}: ${fmt(running.readyMs)} ms`);
    }
  }
  ctx.results.startup = {
    rows: cases.map((c) => ({
      label: c.label,
      readyMs: median(measured.get(c.label).ready),
      all: measured.get(c.label).ready,
      rss: median(measured.get(c.label).rss),
    })),
  };
  for (const [i, row] of ctx.results.startup.rows.entries())
    ctx.target(`ready, ${row.label} (ms)`, row.readyMs, '<=', cases[i].limit, 0);
  await ctx.databases.drop(migrated.name);
}
