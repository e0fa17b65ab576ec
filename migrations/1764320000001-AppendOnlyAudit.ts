import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Facts are appended, never edited: the database itself refuses UPDATE, DELETE and TRUNCATE
 * on the audit trail, so not even a bug or a hand-run statement can rewrite history.
 * `forbid_mutation()` is shared by every append-only table that later migrations add.
 */
export class AppendOnlyAudit1764320000001 implements MigrationInterface {
  name = 'AppendOnlyAudit1764320000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION forbid_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is refused: the table is append-only', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'P0001', HINT = 'Record a correction as a new fact instead.';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION forbid_mutation()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER audit_events_no_truncate ON audit_events`);
    await queryRunner.query(`DROP TRIGGER audit_events_append_only ON audit_events`);
  }
}
