import type { DataSource } from 'typeorm';

/** Advisory lock id held while migrations run, so that processes starting together take turns. */
const MIGRATION_LOCK_ID = 7_400_000;

/**
 * Applies pending migrations. On a shared server several API processes may start at once: the
 * session-level advisory lock lets one migrate while the others wait, then find nothing to do.
 * The embedded database has one connection and one process, so it needs no lock.
 */
export async function runMigrations(dataSource: DataSource, embedded: boolean): Promise<void> {
  if (embedded) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
