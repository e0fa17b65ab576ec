import { Logger } from '@nestjs/common';
import type { ClientBase } from 'pg';
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
 * Far longer than the API ever pauses between two statements of one transaction (at most a few
 * milliseconds: signing a receipt), far shorter than tolerable for every payment queued behind
 * the locks such a transaction holds.
 */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

const poolLogger = new Logger('DatabasePool');

/**
 * pg emits 'error' on a pooled connection that fails while idle (the server restarted, or ended
 * the session); with no listener that event would end the process. The pool drops the
 * connection and opens a new one when a request needs it, so a warning is all it takes. TypeORM
 * has a handler of its own, but it writes to TypeORM's logger, which the API leaves off.
 */
function logPoolError(error: unknown): void {
  const { message, code } = error as { message?: string; code?: string };
  poolLogger.warn(
    { err: { message, code } },
    'an idle database connection failed and was dropped from the pool',
  );
}

/**
 * pg-pool takes its 'error' listener off a connection as it lends it, and TypeORM puts its own on
 * a microtask later. When the server ends a new session in the same read as the session's first
 * ReadyForQuery (a termination or a shutdown just as a connection opens), the error is emitted in
 * that gap and, with no listener, ends the process: the outage test caught it. This listener,
 * for the connection's whole life, closes the gap. It needs to do nothing: the connection is
 * marked unusable, the statement sent on it fails (answered 503) and the pool drops it.
 */
function keepErrorListener(client: ClientBase): void {
  client.on('error', () => undefined);
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
    poolErrorHandler: logPoolError,
    extra: target.embedded
      ? { max: 1, idleTimeoutMillis: 0 }
      : {
          // Each of these is chosen for what the API does while the server is away or slow;
          // docs/decisions/0016-database-outages.md gives the reasons and the measurements.
          max: config.databasePoolSize,
          idleTimeoutMillis: 30_000,
          onConnect: keepErrorListener,
          // Bounds both opening a connection and waiting for a busy pool to lend one, so that a
          // request answers 503 within it instead of queueing for as long as the server is away.
          connectionTimeoutMillis: config.databaseConnectTimeoutMs,
          // A server that vanishes without closing its sockets (a host or network failure)
          // is noticed by TCP keepalive on idle pooled connections, not hours later.
          keepAlive: true,
          keepAliveInitialDelayMillis: 10_000,
          // The server cancels a statement (57014, answered 503) past this, lock waits
          // included; no separate lock_timeout, so that waiting in line for the ledger head
          // under load is never refused earlier than any other slow statement.
          statement_timeout: config.statementTimeoutMs,
          // A session idle inside a transaction (its process stalled, or cut off from the
          // server) is ended by the server, releasing the row locks every payment queues on.
          idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
          // The client's own limit, a second after the server's, for when no answer can come.
          query_timeout: config.statementTimeoutMs + 1_000,
        },
  };
}
