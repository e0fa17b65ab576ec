import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The day balances of `lines` (the trigger's transition table, or all of journal_lines), as an
 * INSERT into account_day_balances: by block of 1,024 entries when `byBlock`, as this migration
 * keeps them, or without, as before it.
 */
function insertDaySums(lines: string, byBlock: boolean): string {
  const block = byBlock ? ', l.entry_seq / 1024' : '';
  return `INSERT INTO account_day_balances (account, earmark, effective_on${byBlock ? ', seq_block' : ''}, debit_usd, credit_usd)
        SELECT l.account, l.earmark, e.effective_on${block},
               COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0),
               COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit'), 0)
          FROM ${lines} l JOIN journal_entries e ON e.seq = l.entry_seq
         GROUP BY l.account, l.earmark, e.effective_on${block}`;
}

/** The trigger function, keeping the day balances by block or not, and the running totals. */
function dayBalancesTrigger(byBlock: boolean): string {
  return `
      CREATE OR REPLACE FUNCTION add_day_balances() RETURNS trigger LANGUAGE plpgsql
      SET search_path = public, pg_catalog AS $$
      BEGIN
        ${insertDaySums('new_lines', byBlock)}
        ON CONFLICT (account, earmark, effective_on${byBlock ? ', seq_block' : ''}) DO UPDATE
          SET debit_usd = account_day_balances.debit_usd + EXCLUDED.debit_usd,
              credit_usd = account_day_balances.credit_usd + EXCLUDED.credit_usd;
        INSERT INTO account_balances (account, earmark, debit_usd, credit_usd)
        SELECT l.account, l.earmark,
               COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'debit'), 0),
               COALESCE(sum(l.amount_usd) FILTER (WHERE l.side = 'credit'), 0)
          FROM new_lines l
         GROUP BY l.account, l.earmark
        ON CONFLICT (account, earmark) DO UPDATE
          SET debit_usd = account_balances.debit_usd + EXCLUDED.debit_usd,
              credit_usd = account_balances.credit_usd + EXCLUDED.credit_usd;
        RETURN NULL;
      END
      $$`;
}

/**
 * Day balances split by block of 1,024 entries (`entry_seq / 1024`), so that a report pinned to
 * an older `asOfSeq` subtracts the blocks written after its pin's instead of every line written
 * since: its cost now depends on the day balances after the pin and on at most 1,023 entries of
 * lines, not on the length of the history after it. The block size is written here, in the
 * trigger, and in DAY_BALANCE_BLOCK (src/ledger/journal.entity.ts), which the reports use; a
 * test compares pinned reports at points in several blocks with sums straight from the lines.
 * Existing balances are rebuilt from the lines in this migration's transaction.
 */
export class DayBalanceBlocks1764320000500 implements MigrationInterface {
  name = 'DayBalanceBlocks1764320000500';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "account_day_balances"`);
    await queryRunner.query(`ALTER TABLE "account_day_balances" ADD "seq_block" bigint NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "account_day_balances" DROP CONSTRAINT "PK_21e308c9815fce4ac2277369d31"`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_day_balances" ADD CONSTRAINT "PK_2d1439eb08fdf679f1cd80186b1" PRIMARY KEY ("account", "earmark", "effective_on", "seq_block")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_account_day_balances_block" ON "account_day_balances"  ("seq_block") `,
    );
    await queryRunner.query(dayBalancesTrigger(true));
    await queryRunner.query(insertDaySums('journal_lines', true));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "account_day_balances"`);
    await queryRunner.query(`DROP INDEX "public"."ix_account_day_balances_block"`);
    await queryRunner.query(
      `ALTER TABLE "account_day_balances" DROP CONSTRAINT "PK_2d1439eb08fdf679f1cd80186b1"`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_day_balances" ADD CONSTRAINT "PK_21e308c9815fce4ac2277369d31" PRIMARY KEY ("account", "earmark", "effective_on")`,
    );
    await queryRunner.query(`ALTER TABLE "account_day_balances" DROP COLUMN "seq_block"`);
    await queryRunner.query(dayBalancesTrigger(false));
    await queryRunner.query(insertDaySums('journal_lines', false));
  }
}
