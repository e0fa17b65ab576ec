import { randomBytes } from 'node:crypto';
import { URL } from 'node:url';
import process from 'node:process';
import pg from 'pg';

/**
 * Scratch databases on the PostgreSQL server of BENCH_DATABASE_URL. Each run creates its own,
 * named after the process, and drops them at the end, even after a failure.
 */
export class ScratchDatabases {
  constructor(adminUrl) {
    this.adminUrl = adminUrl;
    this.created = [];
    this.prefix = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  }

  async create(purpose) {
    const name = `${this.prefix}_${purpose}`;
    await this.admin(`CREATE DATABASE ${name}`);
    this.created.push(name);
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return { name, url: url.toString() };
  }

  async drop(name) {
    await this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    this.created = this.created.filter((created) => created !== name);
  }

  async dropAll() {
    for (const name of [...this.created]) await this.drop(name).catch(() => undefined);
  }

  async admin(sql) {
    await withClient(this.adminUrl, (client) => client.query(sql));
  }
}

/** Runs `work` with one connected client and always closes it. */
export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url, application_name: 'unfssc-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Flushes dirty pages before a measured run, so that a checkpoint started by the previous run's
 * writes does not land in the next one's figures; both sides of a comparison get the same start.
 */
export async function checkpoint(url) {
  await withClient(url, (client) => client.query('CHECKPOINT'));
}

export async function serverVersion(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query('SHOW server_version');
    return rows[0].server_version;
  });
}

/** Host, port, user and database of a postgres:// URL, as pgbench takes them. */
export function connectionParts(url) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port || '5432',
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password || ''),
    database: decodeURIComponent(parsed.pathname.slice(1) || 'postgres'),
  };
}
