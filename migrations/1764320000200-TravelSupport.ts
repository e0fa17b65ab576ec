import { MigrationInterface, QueryRunner } from 'typeorm';

export class TravelSupport1764320000200 implements MigrationInterface {
  name = 'TravelSupport1764320000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "conferences" ("code" text NOT NULL, "name" text NOT NULL, "city" text NOT NULL, "starts_on" date NOT NULL, "ends_on" date NOT NULL, "nomination_deadline" date, "dsa_rate_usd" numeric(18,2), "dsa_nights" integer, "terminal_expenses_usd" numeric(18,2), "max_delegates_ldc" integer, "max_delegates_other" integer, "use_unearmarked" boolean NOT NULL DEFAULT false, "ldc_grace_years" integer NOT NULL DEFAULT '0', "locked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_conferences_counts" CHECK ("max_delegates_ldc" >= 0 AND "max_delegates_other" >= 0 AND "ldc_grace_years" >= 0), CONSTRAINT "ck_conferences_money" CHECK ("dsa_rate_usd" >= 0 AND "terminal_expenses_usd" >= 0 AND "dsa_nights" >= 0), CONSTRAINT "ck_conferences_dates" CHECK ("ends_on" >= "starts_on"), CONSTRAINT "PK_a86e93faedcac4d3a5c194099db" PRIMARY KEY ("code"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "travel_requests" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "conference_code" text NOT NULL, "country_code" character(3) NOT NULL, "nominated_on" date NOT NULL, "nomination_reference" text NOT NULL, "late" boolean NOT NULL, "ldc" boolean NOT NULL, "tier" smallint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_be192ec24607f5dcf092829fcef" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_travel_requests_country" ON "travel_requests"  ("conference_code", "country_code") `,
    );
    await queryRunner.query(
      `CREATE TABLE "travel_delegates" ("request_id" uuid NOT NULL, "idx" smallint NOT NULL, "name" text NOT NULL, "airfare_usd" numeric(18,2) NOT NULL, CONSTRAINT "ck_travel_delegates_airfare" CHECK ("airfare_usd" > 0), CONSTRAINT "PK_93d8b6c2928b989bc14a5742a13" PRIMARY KEY ("request_id", "idx"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "allocation_runs" ("id" uuid NOT NULL, "conference_code" text NOT NULL, "effective_on" date NOT NULL, "budget_usd" numeric(18,2) NOT NULL, "spent_usd" numeric(18,2) NOT NULL, "inputs_hash" character(64) NOT NULL, "response" text NOT NULL, "journal_entry_seq" bigint, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e33e146d4eb0d0629fe71ea2b44" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "allocations" ("id" uuid NOT NULL, "run_id" uuid NOT NULL, "conference_code" text NOT NULL, "request_id" uuid NOT NULL, "country_code" character(3) NOT NULL, "delegates_funded" integer NOT NULL, "delegate_indexes" smallint array NOT NULL, "amount_usd" numeric(18,2) NOT NULL, "earmarked_usd" numeric(18,2) NOT NULL, "unearmarked_usd" numeric(18,2) NOT NULL, "effective_on" date NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_allocations_amounts" CHECK ("amount_usd" > 0 AND "earmarked_usd" >= 0 AND "unearmarked_usd" >= 0 AND "earmarked_usd" + "unearmarked_usd" = "amount_usd"), CONSTRAINT "PK_ca63099fc248466264af0fa6f1f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_allocations_request" ON "allocations"  ("request_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_allocations_conference" ON "allocations"  ("conference_code", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "allocation_releases" ("allocation_id" uuid NOT NULL, "reason" text NOT NULL, "released_on" date NOT NULL, "journal_entry_seq" bigint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d6ae76b78104207ddf48343eb63" PRIMARY KEY ("allocation_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "travel_requests" ADD CONSTRAINT "fk_travel_requests_conference" FOREIGN KEY ("conference_code") REFERENCES "conferences"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "travel_requests" ADD CONSTRAINT "fk_travel_requests_country" FOREIGN KEY ("country_code") REFERENCES "countries"("alpha3") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "travel_delegates" ADD CONSTRAINT "fk_travel_delegates_request" FOREIGN KEY ("request_id") REFERENCES "travel_requests"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "allocation_releases" ADD CONSTRAINT "fk_allocation_releases_allocation" FOREIGN KEY ("allocation_id") REFERENCES "allocations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "allocation_releases" DROP CONSTRAINT "fk_allocation_releases_allocation"`,
    );
    await queryRunner.query(
      `ALTER TABLE "travel_delegates" DROP CONSTRAINT "fk_travel_delegates_request"`,
    );
    await queryRunner.query(
      `ALTER TABLE "travel_requests" DROP CONSTRAINT "fk_travel_requests_country"`,
    );
    await queryRunner.query(
      `ALTER TABLE "travel_requests" DROP CONSTRAINT "fk_travel_requests_conference"`,
    );
    await queryRunner.query(`DROP TABLE "allocation_releases"`);
    await queryRunner.query(`DROP INDEX "public"."ix_allocations_conference"`);
    await queryRunner.query(`DROP INDEX "public"."ix_allocations_request"`);
    await queryRunner.query(`DROP TABLE "allocations"`);
    await queryRunner.query(`DROP TABLE "allocation_runs"`);
    await queryRunner.query(`DROP TABLE "travel_delegates"`);
    await queryRunner.query(`DROP INDEX "public"."uq_travel_requests_country"`);
    await queryRunner.query(`DROP TABLE "travel_requests"`);
    await queryRunner.query(`DROP TABLE "conferences"`);
  }
}
