import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Running totals beside the day balances: per account and earmark, and per donor and currency.
 * A current report reads these few rows and subtracts only the days after its `asOf` (none for
 * today, since no event may be dated in the future), so its cost no longer grows with the
 * length of the history. The same trigger functions keep both, in the posting's transaction.
 */
export class RunningTotals1764320000303 implements MigrationInterface {
  name = 'RunningTotals1764320000303';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "account_balances" ("account" character(4) NOT NULL, "earmark" text NOT NULL, "debit_usd" numeric(18,2) NOT NULL, "credit_usd" numeric(18,2) NOT NULL, CONSTRAINT "PK_87a59b2880c2943b38adc957768" PRIMARY KEY ("account", "earmark"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "contribution_totals" ("donor_id" uuid NOT NULL, "currency" character(3) NOT NULL, "facts" integer NOT NULL, "announced" numeric NOT NULL, "confirmed" numeric NOT NULL, "paid" numeric NOT NULL, "unpledged" numeric NOT NULL, "written_off" numeric NOT NULL, "confirmed_usd" numeric(18,2) NOT NULL, "received_usd" numeric(18,2) NOT NULL, CONSTRAINT "PK_bfbd5d481655b1c6c7f39e7dfc3" PRIMARY KEY ("donor_id", "currency"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_account_day_balances_day" ON "account_day_balances"  ("effective_on") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_contribution_day_totals_day" ON "contribution_day_totals"  ("effective_on") `,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION add_day_balances() RETURNS trigger LANGUAGE plpgsql
      SET search_path = public, pg_catalog AS $$
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
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION add_contribution_fact(
        seq bigint, donor uuid, cur char(3), day date, announced_delta numeric, confirmed_delta numeric, paid_delta numeric,
        unpledged_delta numeric, written_off_delta numeric, confirmed_usd_delta numeric, received_usd_delta numeric
      ) RETURNS void LANGUAGE sql SET search_path = public, pg_catalog AS $$
        INSERT INTO contribution_facts (entry_seq, donor_id, currency, effective_on, announced, confirmed, paid, unpledged,
                                        written_off, confirmed_usd, received_usd)
        VALUES (seq, donor, cur, day, announced_delta, confirmed_delta, paid_delta, unpledged_delta, written_off_delta,
                confirmed_usd_delta, received_usd_delta);
        INSERT INTO contribution_day_totals AS t (donor_id, currency, effective_on, facts, announced, confirmed, paid, unpledged,
                                                  written_off, confirmed_usd, received_usd)
        VALUES (donor, cur, day, 1, announced_delta, confirmed_delta, paid_delta, unpledged_delta, written_off_delta,
                confirmed_usd_delta, received_usd_delta)
        ON CONFLICT (donor_id, currency, effective_on) DO UPDATE SET
          facts = t.facts + 1,
          announced = t.announced + EXCLUDED.announced, confirmed = t.confirmed + EXCLUDED.confirmed,
          paid = t.paid + EXCLUDED.paid, unpledged = t.unpledged + EXCLUDED.unpledged,
          written_off = t.written_off + EXCLUDED.written_off, confirmed_usd = t.confirmed_usd + EXCLUDED.confirmed_usd,
          received_usd = t.received_usd + EXCLUDED.received_usd;
        INSERT INTO contribution_totals AS t (donor_id, currency, facts, announced, confirmed, paid, unpledged,
                                              written_off, confirmed_usd, received_usd)
        VALUES (donor, cur, 1, announced_delta, confirmed_delta, paid_delta, unpledged_delta, written_off_delta,
                confirmed_usd_delta, received_usd_delta)
        ON CONFLICT (donor_id, currency) DO UPDATE SET
          facts = t.facts + 1,
          announced = t.announced + EXCLUDED.announced, confirmed = t.confirmed + EXCLUDED.confirmed,
          paid = t.paid + EXCLUDED.paid, unpledged = t.unpledged + EXCLUDED.unpledged,
          written_off = t.written_off + EXCLUDED.written_off, confirmed_usd = t.confirmed_usd + EXCLUDED.confirmed_usd,
          received_usd = t.received_usd + EXCLUDED.received_usd;
      $$`);
    await queryRunner.query(`
      INSERT INTO account_balances (account, earmark, debit_usd, credit_usd)
      SELECT account, earmark, sum(debit_usd), sum(credit_usd) FROM account_day_balances GROUP BY account, earmark`);
    await queryRunner.query(`
      INSERT INTO contribution_totals (donor_id, currency, facts, announced, confirmed, paid, unpledged, written_off, confirmed_usd, received_usd)
      SELECT donor_id, currency, sum(facts), sum(announced), sum(confirmed), sum(paid), sum(unpledged), sum(written_off),
             sum(confirmed_usd), sum(received_usd)
        FROM contribution_day_totals GROUP BY donor_id, currency`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_contribution_day_totals_day"`);
    await queryRunner.query(`DROP INDEX "public"."ix_account_day_balances_day"`);
    await queryRunner.query(`DROP TABLE "contribution_totals"`);
    await queryRunner.query(`DROP TABLE "account_balances"`);
  }
}
