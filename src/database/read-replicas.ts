import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '#src/common/errors/domain-error.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';

/** Which server answered a read: a streaming replica, or the primary. */
export type ReadServer = 'replica' | 'primary';

export interface ReplicaReadOptions<T> {
  /**
   * Whether a replica's result is the answer the primary would give. A result refused here is
   * read again on the primary: a journal page that reaches the replica's end, say, may end early.
   */
  acceptFromReplica?: (result: T) => boolean;
}

/**
 * SQLSTATEs and socket errors after which a replica's read is worth repeating on the primary:
 * the replica is unreachable, shutting down, or cancelled the snapshot for a conflict with
 * recovery (40001 on a standby, when replay needs rows the snapshot still sees). A statement
 * timeout is not among them: a report too slow for a replica would be as slow on the primary.
 */
const REPLICA_FAILURES = new Set(['40001', '57P01', '57P02', '57P03', '53300']);
const SOCKET_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * Runs an auditor-style read in one read-only REPEATABLE READ snapshot on a streaming replica
 * (DATABASE_REPLICA_URLS), or on the primary when there is none. The rules of
 * docs/decisions/0017-read-replicas.md live here, and a read only states that it may use a
 * replica. A replica may say yes, never no: a refusal it gives (a sequence past its head, a
 * conference it has not replayed yet) is asked again of the primary, and so is a read the
 * replica fails to answer. Everything not routed through here uses the primary, because the
 * data source's default mode for reads is the primary (database-options.ts).
 */
@Injectable()
export class ReadReplicas {
  private readonly logger = new Logger(ReadReplicas.name);
  private readonly replicated: boolean;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.replicated = config.databaseReplicaUrls.length > 0;
  }

  /** Raises whatever `work` raises, as the primary answers it. */
  async snapshot<T>(
    work: (manager: EntityManager, server: ReadServer) => Promise<T>,
    options: ReplicaReadOptions<T> = {},
  ): Promise<T> {
    if (!this.replicated) return this.readOn('primary', work);
    try {
      const result = await this.readOn('replica', work);
      if (options.acceptFromReplica?.(result) ?? true) return result;
    } catch (error) {
      // A refusal may only mean that the replica has not replayed what the request names.
      if (!(error instanceof DomainError)) {
        if (!isReplicaFailure(error)) throw error;
        this.logger.warn({ err: loggable(error) }, 'replica read failed; reading on the primary');
      }
    }
    return this.readOn('primary', work);
  }

  private async readOn<T>(
    server: ReadServer,
    work: (manager: EntityManager, server: ReadServer) => Promise<T>,
  ): Promise<T> {
    // TypeORM's replication modes are still named "master" and "slave" in version 1.1.
    const runner = this.dataSource.createQueryRunner(server === 'replica' ? 'slave' : 'master');
    try {
      return await runner.manager.transaction('REPEATABLE READ', async (manager) => {
        await manager.query('SET TRANSACTION READ ONLY');
        return work(manager, server);
      });
    } finally {
      await runner.release();
    }
  }
}

function isReplicaFailure(error: unknown): boolean {
  const candidate = error as {
    code?: unknown;
    driverError?: { code?: unknown };
    message?: unknown;
  };
  const code = candidate?.driverError?.code ?? candidate?.code;
  if (typeof code === 'string' && (REPLICA_FAILURES.has(code) || code.startsWith('08')))
    return true;
  if (typeof code === 'string' && SOCKET_FAILURES.has(code)) return true;
  const message = typeof candidate?.message === 'string' ? candidate.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection error/i.test(
    message,
  );
}

/** The kind, SQLSTATE and message of a failure; never a statement's parameters. */
function loggable(error: unknown): Record<string, unknown> {
  const candidate = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    driverError?: { code?: unknown };
  };
  return {
    type: candidate?.name,
    code: candidate?.driverError?.code ?? candidate?.code,
    message: candidate?.message,
  };
}
