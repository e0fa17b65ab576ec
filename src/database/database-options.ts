import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '#src/config/config.js';
import { ENTITIES } from '#src/database/entities.js';
import { SnakeNamingStrategy } from '#src/database/snake-naming.strategy.js';
import { MIGRATIONS } from '#migrations/index.js';

export interface DatabaseTarget {
  url: string;
  /** PGlite answers one connection at a time; a real server gets a pool. */
  embedded: boolean;
}

/**
 * One definition of the connection for the API, the CLI and the TypeORM migration tool, so
 * that all three see the same entities, migrations and naming. Schema changes only ever come
 * from migrations: `synchronize` stays off.
 */
export function buildDataSourceOptions(
  config: AppConfig,
  target: DatabaseTarget,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: target.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    applicationName: 'unfssc-ledger',
    connectTimeoutMS: 5_000,
    extra: target.embedded
      ? { max: 1, idleTimeoutMillis: 0 }
      : {
          max: config.databasePoolSize,
          idleTimeoutMillis: 30_000,
          // Fail fast rather than queue forever while the database is away: the API answers 503.
          connectionTimeoutMillis: 5_000,
          statement_timeout: config.statementTimeoutMs,
          query_timeout: config.statementTimeoutMs + 1_000,
        },
  };
}
