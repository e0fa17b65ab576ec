import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataDirLock } from '#src/database/data-dir-lock.js';

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on a loopback socket so that TypeORM and
 * `pg` talk to it exactly as to a real server. PGlite runs one query at a time; its socket
 * server accepts one connection, so the pool that uses it must hold a single client.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly lock: DataDirLock,
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  static async start(dataDir: string, purpose: string): Promise<EmbeddedPostgres> {
    const lock = DataDirLock.acquire(dataDir, purpose);
    try {
      const db = new PGlite(join(dataDir, 'pgdata'));
      await db.waitReady;
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
      await server.start();
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      return new EmbeddedPostgres(lock, db, server, url);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      await this.server.stop();
      await this.db.close();
    } finally {
      this.lock.release();
    }
  }
}
