import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import request from 'supertest';
import { createApp, type RunningApp } from '#src/app.factory.js';
import { SYSTEM_ACTOR } from '#src/auth/actor.js';
import { ApiKeysService } from '#src/auth/api-keys.service.js';
import type { Role } from '#src/auth/role.js';
import { loadConfig } from '#src/config/config.js';
import { copyPgliteTemplate } from '../global-setup.js';
import { withClient } from './pg-cluster.js';

export interface TestApp {
  running: RunningApp;
  server: Server;
  /** The bootstrap admin key of this suite's fresh database ('' on a database given by the caller). */
  adminKey: string;
  http(): request.Agent;
  createKey(role: Role, donorId?: string): Promise<string>;
  /** Runs SQL directly against the suite's database, bypassing the API. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Starts the real application on a database of its own: a new database on the server in
 * TEST_DATABASE_URL when set, otherwise a fresh embedded PGlite copied from the template.
 * Suites never share data, so they cannot depend on each other's order. A caller that passes
 * DATABASE_URL or DATA_DIR in `env` gets that database instead, and keeps it.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const ownsDatabase = env.DATABASE_URL === undefined && env.DATA_DIR === undefined;
  const database = ownsDatabase
    ? await provisionDatabase()
    : { env: {}, drop: async () => undefined };
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env, ...database.env });
  const running = await createApp(config);
  await running.app.init();
  const server = running.app.getHttpServer() as Server;
  const apiKeys = running.app.get(ApiKeysService);
  const dataSource = running.app.get((await import('typeorm')).DataSource);
  return {
    running,
    server,
    adminKey: running.bootstrapKey?.key ?? '',
    http: () => request.agent(server),
    createKey: async (role, donorId) =>
      (await apiKeys.create({ name: `test ${role}`, role, donorId: donorId ?? null }, SYSTEM_ACTOR))
        .key,
    sql: (text, params) => dataSource.query(text, params),
    close: async () => {
      await running.close();
      await database.drop();
    },
  };
}

interface ProvisionedDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function provisionDatabase(): Promise<ProvisionedDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `ledger_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      // The data directory still holds the generated receipt signing key.
      env: { DATABASE_URL: url.toString(), DATA_DIR: mkdtempSync(join(tmpdir(), 'unfssc-test-')) },
      drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'unfssc-test-'));
  copyPgliteTemplate(dataDir);
  return {
    env: { DATA_DIR: dataDir },
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  await withClient(url, (client) => client.query(text));
}
