import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * A freshly initialised PGlite data directory takes seconds to create; a copy takes a fraction
 * of one. The template is made once per machine and PGlite version, and copied per test suite.
 */
export const TEMPLATE_DIR = join(tmpdir(), 'unfssc-pglite-template-0.5.14');

export async function ensurePgliteTemplate(): Promise<string> {
  if (existsSync(join(TEMPLATE_DIR, 'PG_VERSION'))) return TEMPLATE_DIR;
  const staging = `${TEMPLATE_DIR}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const db = new PGlite(staging);
  await db.waitReady;
  await db.close();
  rmSync(TEMPLATE_DIR, { recursive: true, force: true });
  renameSync(staging, TEMPLATE_DIR);
  return TEMPLATE_DIR;
}

/** Copies the template into `dataDir/pgdata`, where the embedded database looks for it. */
export function copyPgliteTemplate(dataDir: string): void {
  cpSync(TEMPLATE_DIR, join(dataDir, 'pgdata'), { recursive: true });
}

/** Prepares what every HTTP suite copies: an initialised embedded database directory. */
export default async function globalSetup(): Promise<void> {
  if (!process.env.TEST_DATABASE_URL) await ensurePgliteTemplate();
}
