import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintained balances per account, earmark and effective day, so that reports read a few rows
 * per day instead of every journal line ever written. A statement-level trigger adds each
 * statement's lines in one upsert, inside the posting's own transaction, so the balances can
 * never disagree with the lines they sum. Existing lines are summed once here.
 */
export class DayBalances1764320000300 implements MigrationInterface {
  name = 'DayBalances1764320000300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "account_day_balances" ("account" character(4) NOT NULL, "earmark" text NOT NULL, "effective_on" date NOT NULL, "debit_usd" numeric(18,2) NOT NULL, "credit_usd" numeric(18,2) NOT NULL, CONSTRAINT "PK_21e308c9815fce4ac2277369d31" PRIMARY KEY ("account", "earmark", "effective_on"))`,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION add_day_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO account_day_balances (account, earmark, effective_on, debit_usd, credit_usd)
        SELECT l.account, l.earmark, e.effective_on,
               COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0),
               COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit'), 0)
          FROM new_lines l JOIN journal_entries e ON e.seq = l.entry_seq
         GROUP BY l.account, l.earmark, e.effective_on
        ON CONFLICT (account, earmark, effective_on) DO UPDATE
          SET debit_usd = account_day_balances.debit_usd + EXCLUDED.debit_usd,
              credit_usd = account_day_balances.credit_usd + EXCLUDED.credit_usd;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER journal_lines_day_balances AFTER INSERT ON journal_lines
      REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION add_day_balances()`);
    await queryRunner.query(`
      INSERT INTO account_day_balances (account, earmark, effective_on, debit_usd, credit_usd)
      SELECT l.account, l.earmark, e.effective_on,
             COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0),
             COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit'), 0)
        FROM journal_lines l JOIN journal_entries e ON e.seq = l.entry_seq
       GROUP BY l.account, l.earmark, e.effective_on`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER journal_lines_day_balances ON journal_lines`);
    await queryRunner.query(`DROP FUNCTION add_day_balances()`);
    await queryRunner.query(`DROP TABLE "account_day_balances"`);
  }
}
