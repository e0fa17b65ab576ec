import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger's trigger functions name their tables without a schema. pg_restore runs with an
 * empty search_path, so a data-only restore would fail inside them; pinning each function's
 * search_path makes them independent of the session that fires them.
 */
const FUNCTIONS = [
  'forbid_mutation()',
  'guard_receipt_change()',
  'guard_pledge_terms()',
  'guard_rate_in_use()',
  'check_entry_balanced()',
  'guard_locked_conference()',
  'add_day_balances()',
  'add_contribution_fact(bigint, uuid, char, date, numeric, numeric, numeric, numeric, numeric, numeric, numeric)',
  'contribution_facts_of_entry(journal_entries)',
  'record_contribution_facts()',
];

export class TriggerSearchPath1764320000302 implements MigrationInterface {
  name = 'TriggerSearchPath1764320000302';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS)
      await queryRunner.query(`ALTER FUNCTION ${fn} SET search_path = public, pg_catalog`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const fn of FUNCTIONS) await queryRunner.query(`ALTER FUNCTION ${fn} RESET search_path`);
  }
}
