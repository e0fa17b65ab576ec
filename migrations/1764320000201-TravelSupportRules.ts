import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Travel support facts are append-only like the journal; a conference's parameters freeze once a
 * run has been committed (the database refuses the change even if a code path forgot to check);
 * and the Nairobi conference of resolution 64/1 is seeded with its real dates. Its money
 * parameters, nomination deadline and delegate maximums are left empty: they must be entered by
 * the fund's administrators, not invented here.
 */
export class TravelSupportRules1764320000201 implements MigrationInterface {
  name = 'TravelSupportRules1764320000201';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'travel_requests',
      'travel_delegates',
      'allocation_runs',
      'allocations',
      'allocation_releases',
    ]) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION forbid_mutation()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()`,
      );
    }
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION guard_locked_conference() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on conferences is refused' USING ERRCODE = 'P0001';
        END IF;
        IF OLD.locked_at IS NOT NULL AND (to_jsonb(NEW) - 'locked_at') IS DISTINCT FROM (to_jsonb(OLD) - 'locked_at') THEN
          RAISE EXCEPTION 'conference % is locked: a run has been committed', OLD.code USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(
      `CREATE TRIGGER conferences_guard BEFORE UPDATE OR DELETE ON conferences FOR EACH ROW EXECUTE FUNCTION guard_locked_conference()`,
    );
    await queryRunner.query(`
      INSERT INTO conferences (code, name, city, starts_on, ends_on, use_unearmarked, ldc_grace_years)
      VALUES ('NAIROBI-2009', 'High-level United Nations Conference on South-South Cooperation', 'Nairobi',
              '2009-12-01', '2009-12-03', false, 0)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER conferences_guard ON conferences`);
    await queryRunner.query(`DROP FUNCTION guard_locked_conference()`);
    for (const table of [
      'travel_requests',
      'travel_delegates',
      'allocation_runs',
      'allocations',
      'allocation_releases',
    ]) {
      await queryRunner.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await queryRunner.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    }
  }
}
