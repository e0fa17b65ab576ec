import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters of the rate limits (src/auth/rate-limits.ts): hits per bucket (`public:<address>`,
 * `auth:<address>`) and minute. UNLOGGED: counts are worth nothing after a crash and are written
 * on every public request, so they skip the WAL. No entity maps the table; only explicit SQL uses it.
 */
export class RateLimits1764320000401 implements MigrationInterface {
  name = 'RateLimits1764320000401';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNLOGGED TABLE "rate_limit_hits" ("bucket" text NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "hits" integer NOT NULL, CONSTRAINT "pk_rate_limit_hits" PRIMARY KEY ("bucket", "window_start"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit_hits"`);
  }
}
