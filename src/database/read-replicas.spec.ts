// Proves the routing rules of docs/decisions/0017-read-replicas.md without a server: which server
// a read goes to, when the primary is asked again, that every snapshot is read-only, and that the
// data source's options send nothing to a replica unless asked.
import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '#src/common/errors/domain-error.js';
import { loadConfig } from '#src/config/config.js';
import { buildDataSourceOptions } from '#src/database/database-options.js';
import { ReadReplicas, type ReadServer } from '#src/database/read-replicas.js';

const PRIMARY = 'postgres://ledger@db-primary/ledger';
const REPLICA = 'postgres://ledger@db-replica/ledger';

/** A data source that records each query runner's mode, isolation level and statements. */
function fakeDataSource() {
  const runners: { mode: string; isolation: string; statements: string[]; released: boolean }[] =
    [];
  const dataSource = {
    createQueryRunner(mode: string) {
      const runner = { mode, isolation: '', statements: [] as string[], released: false };
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
  return { dataSource: dataSource as unknown as DataSource, runners };
}

function router(replicaUrls: string) {
  const fake = fakeDataSource();
  const config = loadConfig({ DATABASE_URL: PRIMARY, DATABASE_REPLICA_URLS: replicaUrls });
  return { replicas: new ReadReplicas(fake.dataSource, config), runners: fake.runners };
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
    const fake = fakeDataSource();
    const replicas = new ReadReplicas(fake.dataSource, loadConfig({ DATABASE_URL: PRIMARY }));
    await expect(replicas.snapshot(readFailingOn({}))).resolves.toBe('primary');
    expect(fake.runners).toEqual([
      {
        mode: 'master',
        isolation: 'REPEATABLE READ',
        statements: ['SET TRANSACTION READ ONLY'],
        released: true,
      },
    ]);
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
    expect(runners.map((r) => [r.mode, r.statements, r.released])).toEqual([
      ['slave', ['SET TRANSACTION READ ONLY'], true],
    ]);
  });

  it('asks the primary again when the replica refuses: it may not have replayed enough', async () => {
    const { replicas, runners } = router(REPLICA);
    const behind = DomainError.validation([{ field: 'asOfSeq', message: 'after the head' }]);
    await expect(replicas.snapshot(readFailingOn({ replica: behind }))).resolves.toBe('primary');
    expect(runners.map((r) => r.mode)).toEqual(['slave', 'master']);
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
    expect(runners.map((r) => r.mode)).toEqual(['slave', 'master']);
  });

  it.each([
    ['a statement timeout: as slow on the primary', queryError('57014')],
    ['a fault of the query itself', queryError('42703')],
    ['a bug', new TypeError('x is undefined')],
  ])('does not repeat %s on the primary', async (_case, failure) => {
    const { replicas, runners } = router(REPLICA);
    await expect(replicas.snapshot(readFailingOn({ replica: failure }))).rejects.toBe(failure);
    expect(runners.map((r) => r.mode)).toEqual(['slave']);
  });

  it('reads on the primary when the replica answer is not accepted', async () => {
    const { replicas, runners } = router(REPLICA);
    const read = replicas.snapshot(readFailingOn({}), {
      acceptFromReplica: (server) => server !== 'replica',
    });
    await expect(read).resolves.toBe('primary');
    expect(runners.map((r) => r.mode)).toEqual(['slave', 'master']);
  });
});

describe('buildDataSourceOptions and replicas', () => {
  const config = loadConfig({ DATABASE_URL: PRIMARY, DATABASE_REPLICA_URLS: REPLICA });

  it('declares the replicas, and keeps reads that do not ask for one on the primary', () => {
    const options = buildDataSourceOptions(config, {
      url: PRIMARY,
      embedded: false,
      replicaUrls: [REPLICA, `${REPLICA}2`],
    });
    expect(options).toMatchObject({
      replication: {
        master: { url: PRIMARY },
        slaves: [{ url: REPLICA }, { url: `${REPLICA}2` }],
        defaultMode: 'master',
      },
    });
  });

  it('declares no replication for the command line or the embedded database', () => {
    expect(buildDataSourceOptions(config, { url: PRIMARY, embedded: false })).not.toHaveProperty(
      'replication',
    );
    expect(
      buildDataSourceOptions(config, { url: PRIMARY, embedded: true, replicaUrls: [REPLICA] }),
    ).not.toHaveProperty('replication');
  });
});
