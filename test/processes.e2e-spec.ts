// Proves what only separate processes can show: the embedded data directory is locked against
// a second process, the command line prints a working key as its last line, and the entities
// and migrations do not drift apart.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { EmbeddedPostgres } from '#src/database/embedded-postgres.js';
import { copyPgliteTemplate } from './global-setup.js';
import { startTestApp } from './support/test-app.js';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], env: Record<string, string>): Promise<Outcome> {
  const cleanEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    LOG_LEVEL: 'silent',
    ...env,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      env: cleanEnv,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function freshDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'unfssc-proc-'));
  if (!process.env.TEST_DATABASE_URL) copyPgliteTemplate(dataDir);
  return dataDir;
}

describe('separate processes', () => {
  describe('the embedded data directory', () => {
    let dataDir: string;
    let holder: EmbeddedPostgres;

    beforeAll(async () => {
      dataDir = freshDataDir();
      holder = await EmbeddedPostgres.start(dataDir, 'test holder');
    });
    afterAll(async () => {
      await holder?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('stops a second API process with a clear message', async () => {
      const outcome = await node(['dist/src/main.js'], { DATA_DIR: dataDir, PORT: '0' });
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(
        `The embedded database in ${dataDir} is in use by another process (pid ${process.pid}`,
      );
    });

    it('stops the command line with the same message while the server holds it', async () => {
      const outcome = await node(
        ['dist/src/cli.js', 'api-keys', 'create', '--role', 'admin', '--name', 'x'],
        { DATA_DIR: dataDir },
      );
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toMatch(/is in use by another process/);
    });
  });

  it('takes over a lock left by a process that died', async () => {
    const dataDir = freshDataDir();
    writeFileSync(
      join(dataDir, 'ledger.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, purpose: 'crashed' }),
    );
    const embedded = await EmbeddedPostgres.start(dataDir, 'test');
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a working admin key from the command line, printed as the last line', async () => {
    const dataDir = freshDataDir();
    const env = process.env.TEST_DATABASE_URL ? await scratchDatabase() : { DATA_DIR: dataDir };
    const outcome = await node(
      ['dist/src/cli.js', 'api-keys', 'create', '--role', 'admin', '--name', 'ops'],
      env,
    );
    expect(outcome.code).toBe(0);
    const key = outcome.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^unf_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

    const t = await startTestApp(env);
    try {
      const response = await t.http().get('/v1/api-keys').set('Authorization', `Bearer ${key}`);
      expect(response.status).toBe(200);
      expect(response.body.items.map((k: { name: string }) => k.name)).toContain('ops');
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('generates no migration from the entities (no drift)', async () => {
    const dataDir = freshDataDir();
    const embedded = process.env.TEST_DATABASE_URL
      ? null
      : await EmbeddedPostgres.start(dataDir, 'drift check');
    const env = embedded
      ? { DATABASE_URL: embedded.url, DATABASE_POOL_SIZE: '1' }
      : await scratchDatabase();
    try {
      const typeorm = ['node_modules/typeorm/cli.js', '-d', 'dist/src/database/data-source.js'];
      const migrated = await node([...typeorm, 'migration:run'], env);
      expect(migrated.code).toBe(0);
      const check = await node(
        [...typeorm, 'migration:generate', 'migrations/Drift', '--check'],
        env,
      );
      expect(check.stdout + check.stderr).toMatch(/No changes in database schema were found/);
      expect(check.code).toBe(0);
    } finally {
      await embedded?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const scratchNames: string[] = [];

afterAll(async () => {
  if (scratchNames.length === 0) return;
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  for (const name of scratchNames)
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
});

/** A new empty database on the TEST_DATABASE_URL server, dropped when the suite ends. */
async function scratchDatabase(): Promise<Record<string, string>> {
  const serverUrl = process.env.TEST_DATABASE_URL!;
  const name = `ledger_scratch_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  scratchNames.push(name);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { DATABASE_URL: url.toString() };
}
