import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintained figures for the contributions report. When an entry about a pledge or a payment
 * commits, a deferred trigger (it runs at commit, when the payment or pledge row it describes is
 * written too) records what the entry changes per donor, currency and effective day, and adds it
 * to the day totals. The report sums day totals (cost grows with donors × currencies × days, not
 * with history) and subtracts the facts of entries after a pinned `asOfSeq`.
 */
export class ContributionFacts1764320000301 implements MigrationInterface {
  name = 'ContributionFacts1764320000301';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "contribution_facts" ("id" BIGSERIAL NOT NULL, "entry_seq" bigint NOT NULL, "donor_id" uuid NOT NULL, "currency" character(3) NOT NULL, "effective_on" date NOT NULL, "announced" numeric NOT NULL, "confirmed" numeric NOT NULL, "paid" numeric NOT NULL, "unpledged" numeric NOT NULL, "written_off" numeric NOT NULL, "confirmed_usd" numeric(18,2) NOT NULL, "received_usd" numeric(18,2) NOT NULL, CONSTRAINT "PK_9e872f63241d30fb62978fdaffe" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_contribution_facts_entry" ON "contribution_facts"  ("entry_seq") `,
    );
    await queryRunner.query(
      `CREATE TABLE "contribution_day_totals" ("donor_id" uuid NOT NULL, "currency" character(3) NOT NULL, "effective_on" date NOT NULL, "facts" integer NOT NULL, "announced" numeric NOT NULL, "confirmed" numeric NOT NULL, "paid" numeric NOT NULL, "unpledged" numeric NOT NULL, "written_off" numeric NOT NULL, "confirmed_usd" numeric(18,2) NOT NULL, "received_usd" numeric(18,2) NOT NULL, CONSTRAINT "PK_b40a95a6d20e79e237ac2202c7c" PRIMARY KEY ("donor_id", "currency", "effective_on"))`,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION add_contribution_fact(
        seq bigint, donor uuid, cur char(3), day date, announced_delta numeric, confirmed_delta numeric, paid_delta numeric,
        unpledged_delta numeric, written_off_delta numeric, confirmed_usd_delta numeric, received_usd_delta numeric
      ) RETURNS void LANGUAGE sql AS $$
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
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION contribution_facts_of_entry(entry journal_entries) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        p record;
        pay record;
        sign numeric;
      BEGIN
        IF entry.source_type = 'pledge' THEN
          SELECT donor_id, currency, amount, carrying_usd, written_off_amount, pledged_on INTO p FROM pledges WHERE id = entry.source_id;
          IF entry.kind = 'pledge_announced' THEN
            PERFORM add_contribution_fact(entry.seq, p.donor_id, p.currency, entry.effective_on, p.amount, 0, 0, 0, 0, 0, 0);
          ELSIF entry.kind = 'pledge_confirmed' THEN
            -- A pledge created already confirmed has no announcement of its own: it counts as
            -- announced from its pledge date until its confirmation (SPEC 6).
            IF NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.source_type = 'pledge' AND e.source_id = entry.source_id AND e.kind = 'pledge_announced') THEN
              PERFORM add_contribution_fact(entry.seq, p.donor_id, p.currency, p.pledged_on, p.amount, 0, 0, 0, 0, 0, 0);
            END IF;
            PERFORM add_contribution_fact(entry.seq, p.donor_id, p.currency, entry.effective_on, -p.amount, p.amount, 0, 0, 0, p.carrying_usd, 0);
          ELSIF entry.kind = 'pledge_cancelled' THEN
            PERFORM add_contribution_fact(entry.seq, p.donor_id, p.currency, entry.effective_on, -p.amount, 0, 0, 0, 0, 0, 0);
          ELSIF entry.kind = 'pledge_written_off' THEN
            PERFORM add_contribution_fact(entry.seq, p.donor_id, p.currency, entry.effective_on, 0, 0, 0, 0, p.written_off_amount, 0, 0);
          END IF;
        ELSIF entry.source_type = 'payment' AND entry.kind IN ('payment_received', 'payment_reversed') THEN
          SELECT donor_id, currency, amount, amount_usd, pledge_id INTO pay FROM payments WHERE id = entry.source_id;
          sign := CASE entry.kind WHEN 'payment_received' THEN 1 ELSE -1 END;
          PERFORM add_contribution_fact(
            entry.seq, pay.donor_id, pay.currency, entry.effective_on, 0, 0,
            CASE WHEN pay.pledge_id IS NOT NULL THEN sign * pay.amount ELSE 0 END,
            CASE WHEN pay.pledge_id IS NULL THEN sign * pay.amount ELSE 0 END,
            0, 0, sign * pay.amount_usd);
        END IF;
      END
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION record_contribution_facts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM contribution_facts_of_entry(NEW);
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER journal_entries_contribution_facts AFTER INSERT ON journal_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.source_type IN ('pledge', 'payment'))
      EXECUTE FUNCTION record_contribution_facts()`);
    await queryRunner.query(
      `SELECT contribution_facts_of_entry(e) FROM journal_entries e WHERE e.source_type IN ('pledge', 'payment') ORDER BY e.seq`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER journal_entries_contribution_facts ON journal_entries`);
    await queryRunner.query(`DROP FUNCTION record_contribution_facts()`);
    await queryRunner.query(`DROP FUNCTION contribution_facts_of_entry(journal_entries)`);
    await queryRunner.query(
      `DROP FUNCTION add_contribution_fact(bigint, uuid, char, date, numeric, numeric, numeric, numeric, numeric, numeric, numeric)`,
    );
    await queryRunner.query(`DROP TABLE "contribution_day_totals"`);
    await queryRunner.query(`DROP INDEX "public"."ix_contribution_facts_entry"`);
    await queryRunner.query(`DROP TABLE "contribution_facts"`);
  }
}
