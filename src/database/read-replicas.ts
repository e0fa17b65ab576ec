import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '#src/common/errors/domain-error.js';
import { isDatabaseUnavailable } from '#src/common/errors/problem.filter.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { buildDataSourceOptions } from '#src/database/database-options.js';

/** Which server answered a read: a streaming replica, or the primary. */
export type ReadServer = 'replica' | 'primary';

interface ReplicaReadOptions<T> {
  /**
   * Whether a replica's result is the answer the primary would give. A result refused here is
   * read again on the primary: a journal page that reaches the replica's end, say, may end early.
   */
  acceptFromReplica?: (result: T) => boolean;
}

/** How long a replica that could not answer is left alone before a read tries it again. */
export const REPLICA_RETRY_MS = 5_000;

interface Replica {
  url: string;
  /** 1 for the first of DATABASE_REPLICA_URLS: how logs name it. */
  position: number;
  /** The data source being opened or open; null before the first read and after a failed open. */
  source: Promise<DataSource> | null;
  /** Reads skip the replica until then (ms since the epoch), after it failed to answer. */
  downUntil: number;
}

/**
 * Runs an auditor-style read in one read-only REPEATABLE READ snapshot on a streaming replica
 * (DATABASE_REPLICA_URLS), or on the primary when there is none. The rules of
 * docs/decisions/0017-read-replicas.md live here, and a read only states that it may use a
 * replica. A replica may say yes, never no: a refusal it gives (a sequence past its head, a
 * conference it has not replayed yet) is asked again of the primary, and so is a read the
 * replica fails to answer. Everything not routed through here uses the primary's data source.
 *
 * Each replica has a data source of its own, opened when the application starts and, if it
 * cannot be reached then, when a read next tries it: a replica that is down never stops the API
 * from starting, and one that comes back is used again. A replica that fails to answer is left
 * alone for REPLICA_RETRY_MS, so that reads do not each wait for it to time out.
 */
@Injectable()
export class ReadReplicas implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReadReplicas.name);
  private readonly replicas: Replica[];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.replicas = config.databaseReplicaUrls.map((url, index) => ({
      url,
      position: index + 1,
      source: null,
      downUntil: 0,
    }));
  }

  /** A data source on a replica: the primary's options and pool settings, a pool of its own. */
  protected openReplica(url: string): Promise<DataSource> {
    return new DataSource({
      ...buildDataSourceOptions(this.config, { url, embedded: false }),
      migrations: [],
    }).initialize();
  }

  /** Opens every replica's pool, without waiting: a replica that is down is tried again later. */
  onApplicationBootstrap(): void {
    for (const replica of this.replicas) void this.open(replica).catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(
      this.replicas.map(async (replica) => {
        const source = await replica.source?.catch(() => null);
        replica.source = null;
        if (source?.isInitialized) await source.destroy();
      }),
    );
  }

  /** Raises whatever `work` raises, as the primary answers it. */
  async snapshot<T>(
    work: (manager: EntityManager, server: ReadServer) => Promise<T>,
    options: ReplicaReadOptions<T> = {},
  ): Promise<T> {
    const replica = this.pickReplica();
    if (replica) {
      try {
        const result = await readOn(await this.open(replica), 'replica', work);
        if (options.acceptFromReplica?.(result) ?? true) return result;
      } catch (error) {
        // A refusal may only mean that the replica has not replayed what the request names; a
        // replica that could not be opened has been set aside and logged already.
        if (!(error instanceof DomainError) && !(error instanceof ReplicaUnavailable)) {
          if (!isReplicaFailure(error)) throw error;
          replica.downUntil = Date.now() + REPLICA_RETRY_MS;
          this.logger.warn(
            { err: loggable(error), replica: replica.position },
            'replica read failed; reading on the primary',
          );
        }
      }
    }
    return readOn(this.dataSource, 'primary', work);
  }

  /** One of the replicas not left alone after a failure, at random; null when there is none. */
  private pickReplica(): Replica | null {
    const now = Date.now();
    const ready = this.replicas.filter((replica) => replica.downUntil <= now);
    return ready.length === 0 ? null : ready[Math.floor(Math.random() * ready.length)];
  }

  /**
   * The replica's data source, opened on first use. A failure to open it (down, unknown host,
   * refused credentials) sets the replica aside for REPLICA_RETRY_MS, is logged by position
   * (a URL may hold a password), and is raised as ReplicaUnavailable.
   */
  private open(replica: Replica): Promise<DataSource> {
    replica.source ??= this.openReplica(replica.url).catch((error: unknown) => {
      replica.source = null;
      replica.downUntil = Date.now() + REPLICA_RETRY_MS;
      this.logger.warn(
        { err: loggable(error), replica: replica.position },
        'replica could not be opened; its reads go to the primary until it can',
      );
      throw new ReplicaUnavailable(error);
    });
    return replica.source;
  }
}

/** A replica's data source could not be opened (down, unknown host, refused credentials). */
class ReplicaUnavailable extends Error {
  constructor(cause: unknown) {
    super('the replica could not be reached', { cause });
  }
}

async function readOn<T>(
  source: DataSource,
  server: ReadServer,
  work: (manager: EntityManager, server: ReadServer) => Promise<T>,
): Promise<T> {
  const runner = source.createQueryRunner();
  try {
    return await runner.manager.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return work(manager, server);
    });
  } finally {
    await runner.release();
  }
}

/**
 * Failures after which a replica's read is worth repeating on the primary: the replica cannot be
 * reached or is shutting down (what the API answers 503 for, and any connection exception), or
 * it cancelled the snapshot for a conflict with recovery (40001 on a standby, when replay needs
 * rows the snapshot still sees). A statement timeout is not among them: a report too slow for a
 * replica would be as slow on the primary.
 */
function isReplicaFailure(error: unknown): boolean {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = candidate?.driverError?.code ?? candidate?.code;
  if (code === '57014') return false;
  if (code === '40001' || (typeof code === 'string' && code.startsWith('08'))) return true;
  return isDatabaseUnavailable(error);
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
