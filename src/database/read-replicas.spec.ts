// Proves the routing rules of docs/decisions/0017-read-replicas.md without a server: which server
// a read goes to, when the primary is asked again, that every snapshot is read-only, that a
// replica that cannot be opened neither stops the API nor slows every read, and that the primary's
// data source declares no replicas.
import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '#src/common/errors/domain-error.js';
import { loadConfig } from '#src/config/config.js';
import { buildDataSourceOptions } from '#src/database/database-options.js';
import { ReadReplicas, REPLICA_RETRY_MS, type ReadServer } from '#src/database/read-replicas.js';

const PRIMARY = 'postgres://ledger@db-primary/ledger';
const REPLICA = 'postgres://ledger@db-replica/ledger';

interface Runner {
  server: ReadServer;
  isolation: string;
  statements: string[];
  released: boolean;
}

/** A data source that records each query runner's server, isolation level and statements. */
function fakeDataSource(server: ReadServer, runners: Runner[]) {
  const dataSource = {
    isInitialized: true,
    destroyed: false,
    async destroy() {
      this.destroyed = true;
    },
    createQueryRunner() {
      const runner: Runner = { server, isolation: '', statements: [], released: false };
      runners.push(runner);
      const manager = {
        query: async (text: string) => {
          runner.statements.push(text);
          return [];
        },
        transaction: async (isolation: string, work: (m: unknown) => Promise<unknown>) => {
          runner.isolation = isolation;
          return work(manager);
        },
      };
      return {
        manager,
        release: async () => {
          runner.released = true;
        },
      };
    },
  };
  return dataSource;
}

/**
 * ReadReplicas on a fake primary and fake replicas; `openFails` lists the failures to open a
 * replica, one per attempt, before it opens.
 */
function router(replicaUrls: string, openFails: unknown[] = []) {
  const runners: Runner[] = [];
  const opened: string[] = [];
  const replicaSources: ReturnType<typeof fakeDataSource>[] = [];
  const config = loadConfig({ DATABASE_URL: PRIMARY, DATABASE_REPLICA_URLS: replicaUrls });
  const openReplica = async (url: string) => {
    opened.push(url);
    const failure = openFails.shift();
    if (failure !== undefined) throw failure;
    const source = fakeDataSource('replica', runners);
    replicaSources.push(source);
    return source as unknown as DataSource;
  };
  class FakeReplicas extends ReadReplicas {
    protected override openReplica(url: string): Promise<DataSource> {
      return openReplica(url);
    }
  }
  const replicas = new FakeReplicas(
    fakeDataSource('primary', runners) as unknown as DataSource,
    config,
  );
  return { replicas, runners, opened, replicaSources };
}

/** A read that answers with the server it ran on, or fails there as told. */
function readFailingOn(failures: Partial<Record<ReadServer, unknown>>) {
  return async (_manager: EntityManager, server: ReadServer): Promise<ReadServer> => {
    if (failures[server] !== undefined) throw failures[server];
    return server;
  };
}

const socketError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
const queryError = (code: string) =>
  Object.assign(new Error('query failed'), { driverError: { code } });

beforeAll(() => Logger.overrideLogger(false));

describe('ReadReplicas without DATABASE_REPLICA_URLS', () => {
  it('reads on the primary, in one read-only REPEATABLE READ snapshot', async () => {
    const { replicas, runners, opened } = router('');
    replicas.onApplicationBootstrap();
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('primary');
    expect(runners).toEqual([
      {
        server: 'primary',
        isolation: 'REPEATABLE READ',
        statements: ['SET TRANSACTION READ ONLY'],
        released: true,
      },
    ]);
    expect(opened).toEqual([]);
  });

  it('raises the primary refusal as it is', async () => {
    const { replicas } = router('');
    const refusal = DomainError.notFound('Conference', 'NOWHERE-2026');
    await expect(replicas.snapshot(readFailingOn({ primary: refusal }))).rejects.toBe(refusal);
  });
});

describe('ReadReplicas with a replica', () => {
  it('answers from the replica alone when it answers', async () => {
    const { replicas, runners } = router(REPLICA);
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('replica');
    expect(runners.map((r) => [r.server, r.isolation, r.statements, r.released])).toEqual([
      ['replica', 'REPEATABLE READ', ['SET TRANSACTION READ ONLY'], true],
    ]);
  });

  it('asks the primary again when the replica refuses: it may not have replayed enough', async () => {
    const { replicas, runners } = router(REPLICA);
    const behind = DomainError.validation([{ field: 'asOfSeq', message: 'after the head' }]);
    await expect(replicas.snapshot(readFailingOn({ replica: behind }))).resolves.toBe('primary');
    expect(runners.map((r) => r.server)).toEqual(['replica', 'primary']);
  });

  it('raises the primary refusal when both refuse', async () => {
    const { replicas } = router(REPLICA);
    const replicaRefusal = DomainError.notFound('Conference', 'NOWHERE-2026');
    const primaryRefusal = DomainError.notFound('Conference', 'NOWHERE-2026');
    await expect(
      replicas.snapshot(readFailingOn({ replica: replicaRefusal, primary: primaryRefusal })),
    ).rejects.toBe(primaryRefusal);
  });

  it.each([
    ['the replica refuses connections', socketError('ECONNREFUSED')],
    [
      'the pool times out opening a connection',
      new Error('timeout exceeded when trying to connect'),
    ],
    ['the replica shuts down', queryError('57P01')],
    ['a conflict with recovery cancels the snapshot', queryError('40001')],
    ['the connection breaks', queryError('08006')],
  ])('reads on the primary when %s', async (_case, failure) => {
    const { replicas, runners } = router(REPLICA);
    await expect(replicas.snapshot(readFailingOn({ replica: failure }))).resolves.toBe('primary');
    expect(runners.map((r) => r.server)).toEqual(['replica', 'primary']);
  });

  it.each([
    ['a statement timeout: as slow on the primary', queryError('57014')],
    ['a fault of the query itself', queryError('42703')],
    ['a bug', new TypeError('x is undefined')],
  ])('does not repeat %s on the primary', async (_case, failure) => {
    const { replicas, runners } = router(REPLICA);
    await expect(replicas.snapshot(readFailingOn({ replica: failure }))).rejects.toBe(failure);
    expect(runners.map((r) => r.server)).toEqual(['replica']);
  });

  it('reads on the primary when the replica answer is not accepted', async () => {
    const { replicas, runners } = router(REPLICA);
    const read = replicas.snapshot(readFailingOn({}), {
      acceptFromReplica: (server) => server !== 'replica',
    });
    await expect(read).resolves.toBe('primary');
    expect(runners.map((r) => r.server)).toEqual(['replica', 'primary']);
  });
});

describe('ReadReplicas with a replica that cannot be opened', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['refuses connections', socketError('ECONNREFUSED')],
    [
      'refuses the credentials',
      Object.assign(new Error('password authentication failed'), { code: '28P01' }),
    ],
  ])('starts, and reads on the primary while the replica %s', async (_case, failure) => {
    const { replicas, runners, opened } = router(REPLICA, [failure]);
    replicas.onApplicationBootstrap();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('primary');
    expect(runners.map((r) => r.server)).toEqual(['primary']);
    expect(opened).toEqual([REPLICA]);
  });

  it('leaves a failed replica alone for REPLICA_RETRY_MS, then uses it again once it opens', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { replicas, runners, opened } = router(REPLICA, [socketError('ECONNREFUSED')]);
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('primary');
    now += REPLICA_RETRY_MS - 1;
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('primary');
    expect(opened).toHaveLength(1);
    now += 1;
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('replica');
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('replica');
    expect(opened).toHaveLength(2);
    expect(runners.map((r) => r.server)).toEqual(['primary', 'primary', 'replica', 'replica']);
  });

  it('leaves a replica that failed a read alone too, and reads the other replica', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const { replicas, runners } = router(`${REPLICA},${REPLICA}2`);
    const failure = queryError('57P01');
    let failed = false;
    const read = async (_manager: EntityManager, server: ReadServer) => {
      if (server === 'replica' && !failed) {
        failed = true;
        throw failure;
      }
      return server;
    };
    await expect(replicas.snapshot(read)).resolves.toBe('primary');
    await expect(replicas.snapshot(read)).resolves.toBe('replica');
    expect(runners.map((r) => r.server)).toEqual(['replica', 'primary', 'replica']);
  });

  it('closes the replicas it opened when the application stops', async () => {
    const { replicas, replicaSources } = router(REPLICA);
    await replicas.snapshot(readFailingOn({}));
    await replicas.onModuleDestroy();
    expect(replicaSources.map((source) => source.destroyed)).toEqual([true]);
  });
});

describe('buildDataSourceOptions', () => {
  it('declares no replication: only ReadReplicas opens replicas, so nothing else reads one', () => {
    const config = loadConfig({ DATABASE_URL: PRIMARY, DATABASE_REPLICA_URLS: REPLICA });
    expect(buildDataSourceOptions(config, { url: PRIMARY, embedded: false })).not.toHaveProperty(
      'replication',
    );
  });
});
