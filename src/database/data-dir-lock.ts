import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An exclusive claim on the embedded data directory. PGlite itself does not stop a second
 * process from opening the same files, and two writers would corrupt them, so the first
 * process writes its pid into `ledger.lock` (as PostgreSQL does with `postmaster.pid`) and
 * any other process finds it and stops. A lock left by a process that died is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string, purpose: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'ledger.lock');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(
          fd,
          JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }),
        );
        closeSync(fd);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readHolder(path);
        if (holder && isAlive(holder.pid)) {
          throw new DataDirLockedError(dataDir, holder.pid, holder.purpose);
        }
        rmSync(path, { force: true });
      }
    }
    throw new DataDirLockedError(dataDir, null, 'unknown');
  }

  release(): void {
    const holder = readHolder(this.path);
    if (holder?.pid === process.pid) rmSync(this.path, { force: true });
  }
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
    readonly purpose: string,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by another process` +
        (pid === null ? '' : ` (pid ${pid}, ${purpose})`) +
        '. Only one process may open it: stop that process first, or set DATABASE_URL to a PostgreSQL server that several processes can share.',
    );
    this.name = 'DataDirLockedError';
  }
}

function readHolder(path: string): { pid: number; purpose: string } | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; purpose?: unknown };
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, purpose: String(parsed.purpose) }
      : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
