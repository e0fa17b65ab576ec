import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL cluster of the suite's own, started from the server's binaries on a free port, so
 * that a test may stop, restart or replicate it without touching the shared server other suites
 * use. The binaries refuse to run as root: when the tests run as root, the cluster runs as the
 * `postgres` system user.
 */
export interface PgCluster {
  readonly port: number;
  /** A connection URL for `database` (default `postgres`) as the superuser `postgres`. */
  url(database?: string): string;
  start(): void;
  /** `pg_ctl stop -m immediate`: no checkpoint, as a crash would leave it. */
  stopImmediate(): void;
  /** Starts a streaming replica of this cluster (pg_basebackup -R), itself a PgCluster. */
  startReplica(): Promise<PgCluster>;
  destroy(): void;
}

/** The directory of the installed server's binaries, or null when there is none. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

const runAsRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): string {
  const dir = postgresBinDir();
  if (!dir) throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql');
  const command = join(dir, bin);
  return runAsRoot
    ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ownedDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  if (runAsRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Runs `work` on a new connection to `url`, closed once `work` settles. */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function cluster(dataDir: string, port: number, owned: string[]): PgCluster {
  const self: PgCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      run('pg_ctl', [
        '-D',
        dataDir,
        '-l',
        join(dataDir, 'server.log'),
        '-o',
        `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`,
        '-w',
        '-t',
        '60',
        'start',
      ]);
    },
    stopImmediate() {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    },
    async startReplica() {
      const replicaDir = ownedDirectory('unfssc-replica-');
      run('pg_basebackup', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-D',
        replicaDir,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
      ]);
      const replica = cluster(replicaDir, await freePort(), [replicaDir]);
      replica.start();
      return replica;
    },
    destroy() {
      try {
        self.stopImmediate();
      } catch {
        // already stopped
      }
      for (const dir of owned) rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/**
 * Creates and starts a new cluster (initdb, trust authentication on loopback, replication
 * allowed). Returns null when the machine has no server binaries, so a suite can say why it
 * skips instead of failing to collect.
 */
export async function startPgCluster(): Promise<PgCluster | null> {
  if (!postgresBinDir()) return null;
  const dataDir = ownedDirectory('unfssc-pg-');
  run('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  const pg = cluster(dataDir, port, [dataDir]);
  pg.start();
  return pg;
}
