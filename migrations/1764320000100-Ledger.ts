import { MigrationInterface, QueryRunner } from 'typeorm';

export class Ledger1764320000100 implements MigrationInterface {
  name = 'Ledger1764320000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "countries" ("alpha3" character(3) NOT NULL, "alpha2" character(2) NOT NULL, "m49" character(3) NOT NULL, "name" text NOT NULL, CONSTRAINT "PK_10db92c536c536a828dbd72e1c5" PRIMARY KEY ("alpha3"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_countries_alpha2" ON "countries"  ("alpha2") `,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_countries_m49" ON "countries"  ("m49") `);
    await queryRunner.query(
      `CREATE TABLE "ldc_memberships" ("alpha3" character(3) NOT NULL, "included_on" date NOT NULL, "graduated_on" date, CONSTRAINT "PK_d5624d77f1064ee261a42b5b321" PRIMARY KEY ("alpha3", "included_on"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "grouping_memberships" ("grouping" text NOT NULL, "alpha3" character(3) NOT NULL, "joined_on" date NOT NULL, "left_on" date, CONSTRAINT "PK_e7c3f3fb970ad99f80f5ebf355e" PRIMARY KEY ("grouping", "alpha3", "joined_on"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("api_key_id" uuid NOT NULL, "key" text NOT NULL, "request_hash" character(64) NOT NULL, "status_code" integer, "response_body" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_913ded668c974d019eb0196e639" PRIMARY KEY ("api_key_id", "key"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "accounts" ("code" character(4) NOT NULL, "name" text NOT NULL, "normal_side" text NOT NULL, CONSTRAINT "ck_accounts_side" CHECK ("normal_side" IN ('debit', 'credit')), CONSTRAINT "PK_490319656e54a7957dc1fed027c" PRIMARY KEY ("code"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "journal_entries" ("seq" bigint NOT NULL, "effective_on" date NOT NULL, "kind" text NOT NULL, "source_type" text NOT NULL, "source_id" uuid, "reverses_seq" bigint, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL, "previous_hash" character(64) NOT NULL, "hash" character(64) NOT NULL, CONSTRAINT "PK_6eb6002eefef9f7979c71e73513" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_journal_entries_hash" ON "journal_entries"  ("hash") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_journal_entries_effective" ON "journal_entries"  ("effective_on", "seq") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_journal_entries_source" ON "journal_entries"  ("source_type", "source_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "journal_lines" ("id" BIGSERIAL NOT NULL, "entry_seq" bigint NOT NULL, "line_no" smallint NOT NULL, "account" character(4) NOT NULL, "side" text NOT NULL, "amount_usd" numeric(18,2) NOT NULL, "earmark" text NOT NULL, "currency" character(3) NOT NULL, "amount_original" numeric NOT NULL, "rate" numeric NOT NULL, "rate_effective_on" date NOT NULL, "donor_id" uuid, "pledge_id" uuid, CONSTRAINT "ck_journal_lines_amount" CHECK ("amount_usd" > 0 AND "amount_original" > 0 AND "rate" > 0), CONSTRAINT "ck_journal_lines_side" CHECK ("side" IN ('debit', 'credit')), CONSTRAINT "PK_70cba2da4588cee8921f73ef136" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_journal_lines_rate" ON "journal_lines"  ("currency", "rate_effective_on") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ix_journal_lines_entry" ON "journal_lines"  ("entry_seq", "line_no") `,
    );
    await queryRunner.query(
      `CREATE TABLE "ledger_head" ("id" smallint NOT NULL, "seq" bigint NOT NULL, "hash" character(64) NOT NULL, CONSTRAINT "ck_ledger_head_single" CHECK ("id" = 1), CONSTRAINT "PK_58f9a71f2c8e0d81a490d6954aa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "pledges" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "donor_id" uuid NOT NULL, "currency" character(3) NOT NULL, "amount" numeric NOT NULL, "earmark" text NOT NULL, "status" text NOT NULL, "pledged_on" date NOT NULL, "confirmed_on" date, "reference" text, "instalments" jsonb NOT NULL, "confirm_rate" numeric, "confirm_rate_effective_on" date, "carrying_usd" numeric(18,2), "paid_amount" numeric NOT NULL DEFAULT '0', "written_off_amount" numeric NOT NULL DEFAULT '0', "relieved_usd" numeric(18,2) NOT NULL DEFAULT '0', "last_event_on" date NOT NULL, "closed_on" date, "closed_reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_pledges_paid" CHECK ("paid_amount" >= 0 AND "written_off_amount" >= 0 AND "paid_amount" + "written_off_amount" <= "amount"), CONSTRAINT "ck_pledges_amount" CHECK ("amount" > 0), CONSTRAINT "ck_pledges_status" CHECK ("status" IN ('announced', 'confirmed', 'partially_paid', 'paid', 'cancelled', 'written_off')), CONSTRAINT "PK_cbc41e4e1ba6b2690543f158d22" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_pledges_created" ON "pledges"  ("created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_pledges_donor" ON "pledges"  ("donor_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "payments" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "donor_id" uuid NOT NULL, "pledge_id" uuid, "currency" character(3) NOT NULL, "amount" numeric NOT NULL, "received_on" date NOT NULL, "earmark" text NOT NULL, "bank_reference" text, "rate" numeric NOT NULL, "rate_effective_on" date NOT NULL, "amount_usd" numeric(18,2) NOT NULL, "relieved_usd" numeric(18,2) NOT NULL, "fx_gain_loss_usd" numeric(18,2) NOT NULL, "psc_rate" numeric NOT NULL, "psc_usd" numeric(18,2) NOT NULL, "journal_entry_seq" bigint NOT NULL, "receipt_number" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_payments_amount" CHECK ("amount" > 0 AND "amount_usd" > 0), CONSTRAINT "PK_197ab7af18c93fbb0c9b28b4a59" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_payments_receipt" ON "payments"  ("receipt_number") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payments_created" ON "payments"  ("created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payments_pledge" ON "payments"  ("pledge_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payments_donor" ON "payments"  ("donor_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "payment_reversals" ("payment_id" uuid NOT NULL, "reason" text NOT NULL, "reversed_on" date NOT NULL, "journal_entry_seq" bigint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4ab2d1428f67d8c0f43dddfa658" PRIMARY KEY ("payment_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "rates" ("currency" character(3) NOT NULL, "effective_on" date NOT NULL, "rate" numeric NOT NULL, "set_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_rates_not_usd" CHECK ("currency" <> 'USD'), CONSTRAINT "ck_rates_positive" CHECK ("rate" > 0), CONSTRAINT "PK_c6f59df2084cf57aae770a4c12e" PRIMARY KEY ("currency", "effective_on"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "receipts" ("number" text NOT NULL, "year" integer NOT NULL, "seq" integer NOT NULL, "payment_id" uuid NOT NULL, "donor_id" uuid NOT NULL, "verification_code" text NOT NULL, "payload" jsonb NOT NULL, "signature" text NOT NULL, "key_id" text NOT NULL, "status" text NOT NULL DEFAULT 'issued', "cancelled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_receipts_cancelled" CHECK (("status" = 'cancelled') = ("cancelled_at" IS NOT NULL)), CONSTRAINT "ck_receipts_status" CHECK ("status" IN ('issued', 'cancelled')), CONSTRAINT "PK_c4c2c9f6e041e6680df88dd121e" PRIMARY KEY ("number"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_receipts_payment" ON "receipts"  ("payment_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_receipts_verification_code" ON "receipts"  ("verification_code") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_receipts_year_seq" ON "receipts"  ("year", "seq") `,
    );
    await queryRunner.query(
      `CREATE TABLE "receipt_counters" ("year" integer NOT NULL, "last_seq" integer NOT NULL, CONSTRAINT "PK_3d0ee6240d2218cef3243d6884e" PRIMARY KEY ("year"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "signing_keys" ("key_id" text NOT NULL, "public_key_pem" text NOT NULL, "first_used_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e02f744a41c3ffa8340aa850638" PRIMARY KEY ("key_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_donors_name" ON "donors"  ("name", "id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_donors_member_state" ON "donors"  ("country_code") WHERE "type" = 'member_state'`,
    );
    await queryRunner.query(
      `ALTER TABLE "donors" ADD CONSTRAINT "ck_donors_name" CHECK (char_length("name") BETWEEN 1 AND 200)`,
    );
    await queryRunner.query(
      `ALTER TABLE "donors" ADD CONSTRAINT "ck_donors_member_state_country" CHECK ("type" <> 'member_state' OR "country_code" IS NOT NULL)`,
    );
    await queryRunner.query(
      `ALTER TABLE "donors" ADD CONSTRAINT "ck_donors_type" CHECK ("type" IN ('member_state', 'ngo', 'private_sector', 'ifi', 'igo', 'un_entity', 'other'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "donors" ADD CONSTRAINT "fk_donors_country" FOREIGN KEY ("country_code") REFERENCES "countries"("alpha3") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "journal_lines" ADD CONSTRAINT "fk_journal_lines_entry" FOREIGN KEY ("entry_seq") REFERENCES "journal_entries"("seq") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "journal_lines" ADD CONSTRAINT "fk_journal_lines_account" FOREIGN KEY ("account") REFERENCES "accounts"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "pledges" ADD CONSTRAINT "fk_pledges_donor" FOREIGN KEY ("donor_id") REFERENCES "donors"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payments" ADD CONSTRAINT "fk_payments_donor" FOREIGN KEY ("donor_id") REFERENCES "donors"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payments" ADD CONSTRAINT "fk_payments_pledge" FOREIGN KEY ("pledge_id") REFERENCES "pledges"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_reversals" ADD CONSTRAINT "fk_payment_reversals_payment" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "payment_reversals" DROP CONSTRAINT "fk_payment_reversals_payment"`,
    );
    await queryRunner.query(`ALTER TABLE "payments" DROP CONSTRAINT "fk_payments_pledge"`);
    await queryRunner.query(`ALTER TABLE "payments" DROP CONSTRAINT "fk_payments_donor"`);
    await queryRunner.query(`ALTER TABLE "pledges" DROP CONSTRAINT "fk_pledges_donor"`);
    await queryRunner.query(
      `ALTER TABLE "journal_lines" DROP CONSTRAINT "fk_journal_lines_account"`,
    );
    await queryRunner.query(`ALTER TABLE "journal_lines" DROP CONSTRAINT "fk_journal_lines_entry"`);
    await queryRunner.query(`ALTER TABLE "donors" DROP CONSTRAINT "fk_donors_country"`);
    await queryRunner.query(`ALTER TABLE "donors" DROP CONSTRAINT "ck_donors_type"`);
    await queryRunner.query(
      `ALTER TABLE "donors" DROP CONSTRAINT "ck_donors_member_state_country"`,
    );
    await queryRunner.query(`ALTER TABLE "donors" DROP CONSTRAINT "ck_donors_name"`);
    await queryRunner.query(`DROP INDEX "public"."uq_donors_member_state"`);
    await queryRunner.query(`DROP INDEX "public"."ix_donors_name"`);
    await queryRunner.query(`DROP TABLE "signing_keys"`);
    await queryRunner.query(`DROP TABLE "receipt_counters"`);
    await queryRunner.query(`DROP INDEX "public"."uq_receipts_year_seq"`);
    await queryRunner.query(`DROP INDEX "public"."uq_receipts_verification_code"`);
    await queryRunner.query(`DROP INDEX "public"."uq_receipts_payment"`);
    await queryRunner.query(`DROP TABLE "receipts"`);
    await queryRunner.query(`DROP TABLE "rates"`);
    await queryRunner.query(`DROP TABLE "payment_reversals"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payments_donor"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payments_pledge"`);
    await queryRunner.query(`DROP INDEX "public"."ix_payments_created"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payments_receipt"`);
    await queryRunner.query(`DROP TABLE "payments"`);
    await queryRunner.query(`DROP INDEX "public"."ix_pledges_donor"`);
    await queryRunner.query(`DROP INDEX "public"."ix_pledges_created"`);
    await queryRunner.query(`DROP TABLE "pledges"`);
    await queryRunner.query(`DROP TABLE "ledger_head"`);
    await queryRunner.query(`DROP INDEX "public"."ix_journal_lines_entry"`);
    await queryRunner.query(`DROP INDEX "public"."ix_journal_lines_rate"`);
    await queryRunner.query(`DROP TABLE "journal_lines"`);
    await queryRunner.query(`DROP INDEX "public"."ix_journal_entries_source"`);
    await queryRunner.query(`DROP INDEX "public"."ix_journal_entries_effective"`);
    await queryRunner.query(`DROP INDEX "public"."uq_journal_entries_hash"`);
    await queryRunner.query(`DROP TABLE "journal_entries"`);
    await queryRunner.query(`DROP TABLE "accounts"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    await queryRunner.query(`DROP TABLE "grouping_memberships"`);
    await queryRunner.query(`DROP TABLE "ldc_memberships"`);
    await queryRunner.query(`DROP INDEX "public"."uq_countries_m49"`);
    await queryRunner.query(`DROP INDEX "public"."uq_countries_alpha2"`);
    await queryRunner.query(`DROP TABLE "countries"`);
  }
}
