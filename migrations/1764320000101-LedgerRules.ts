import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rules of the ledger that the database itself enforces, so that no code path, bug or
 * hand-run statement can break them:
 * - journal entries, journal lines, payments and reversals are append-only;
 * - a receipt's signed content never changes; only its status moves, once, to cancelled;
 * - a pledge's terms (donor, currency, amount, earmark, dates, instalments) never change;
 * - a rate used by any posted line can no longer be changed or deleted;
 * - every journal entry balances in USD within each earmark, checked at commit.
 */
export class LedgerRules1764320000101 implements MigrationInterface {
  name = 'LedgerRules1764320000101';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['journal_entries', 'journal_lines', 'payments', 'payment_reversals']) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION forbid_mutation()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()`,
      );
    }

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION guard_receipt_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on receipts is refused: receipts are never removed' USING ERRCODE = 'P0001';
        END IF;
        IF (NEW.number, NEW.year, NEW.seq, NEW.payment_id, NEW.donor_id, NEW.verification_code, NEW.payload, NEW.signature, NEW.key_id)
           IS DISTINCT FROM
           (OLD.number, OLD.year, OLD.seq, OLD.payment_id, OLD.donor_id, OLD.verification_code, OLD.payload, OLD.signature, OLD.key_id) THEN
          RAISE EXCEPTION 'UPDATE of a receipt''s signed fields is refused' USING ERRCODE = 'P0001';
        END IF;
        IF NOT (OLD.status = 'issued' AND NEW.status = 'cancelled') THEN
          RAISE EXCEPTION 'a receipt''s status may only move from issued to cancelled' USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(
      `CREATE TRIGGER receipts_guard BEFORE UPDATE OR DELETE ON receipts FOR EACH ROW EXECUTE FUNCTION guard_receipt_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER receipts_no_truncate BEFORE TRUNCATE ON receipts FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()`,
    );

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION guard_pledge_terms() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on pledges is refused: cancel or write off instead' USING ERRCODE = 'P0001';
        END IF;
        IF (NEW.id, NEW.donor_id, NEW.currency, NEW.amount, NEW.earmark, NEW.pledged_on, NEW.reference, NEW.instalments, NEW.created_at)
           IS DISTINCT FROM
           (OLD.id, OLD.donor_id, OLD.currency, OLD.amount, OLD.earmark, OLD.pledged_on, OLD.reference, OLD.instalments, OLD.created_at) THEN
          RAISE EXCEPTION 'the terms of a pledge cannot change' USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(
      `CREATE TRIGGER pledges_guard BEFORE UPDATE OR DELETE ON pledges FOR EACH ROW EXECUTE FUNCTION guard_pledge_terms()`,
    );

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION guard_rate_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.rate = OLD.rate AND NEW.currency = OLD.currency AND NEW.effective_on = OLD.effective_on THEN
          RETURN NEW;
        END IF;
        IF EXISTS (SELECT 1 FROM journal_lines WHERE currency = OLD.currency AND rate_effective_on = OLD.effective_on) THEN
          RAISE EXCEPTION 'rate % from % is used by posted entries and cannot change', OLD.currency, OLD.effective_on
            USING ERRCODE = 'P0001';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END
      $$`);
    await queryRunner.query(
      `CREATE TRIGGER rates_guard BEFORE UPDATE OR DELETE ON rates FOR EACH ROW EXECUTE FUNCTION guard_rate_in_use()`,
    );

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        unbalanced record;
      BEGIN
        SELECT earmark, sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END) AS difference
          INTO unbalanced
          FROM journal_lines
         WHERE entry_seq = NEW.seq
         GROUP BY earmark
        HAVING sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END) <> 0
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'journal entry % does not balance in earmark % (debits minus credits %)',
            NEW.seq, unbalanced.earmark, unbalanced.difference USING ERRCODE = '23514';
        END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_entry_balanced()`);

    await queryRunner.query(`
      INSERT INTO accounts (code, name, normal_side) VALUES
        ('1100', 'Cash', 'debit'),
        ('1200', 'Contributions receivable', 'debit'),
        ('2100', 'Travel obligations', 'credit'),
        ('2200', 'PSC payable', 'credit'),
        ('4100', 'Contribution revenue', 'credit'),
        ('4900', 'FX gains and losses', 'credit'),
        ('5100', 'Travel support', 'debit'),
        ('5200', 'Programme support cost', 'debit'),
        ('5300', 'Pledge write-offs', 'debit')`);
    await queryRunner.query(
      `INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, repeat('0', 64))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM ledger_head`);
    await queryRunner.query(`DELETE FROM accounts`);
    await queryRunner.query(`DROP TRIGGER journal_entries_balanced ON journal_entries`);
    await queryRunner.query(`DROP TRIGGER rates_guard ON rates`);
    await queryRunner.query(`DROP TRIGGER pledges_guard ON pledges`);
    await queryRunner.query(`DROP TRIGGER receipts_no_truncate ON receipts`);
    await queryRunner.query(`DROP TRIGGER receipts_guard ON receipts`);
    for (const table of ['journal_entries', 'journal_lines', 'payments', 'payment_reversals']) {
      await queryRunner.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await queryRunner.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION check_entry_balanced()`);
    await queryRunner.query(`DROP FUNCTION guard_rate_in_use()`);
    await queryRunner.query(`DROP FUNCTION guard_pledge_terms()`);
    await queryRunner.query(`DROP FUNCTION guard_receipt_change()`);
  }
}
