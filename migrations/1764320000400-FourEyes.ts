import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Four-eyes control of payment reversals and pledge write-offs (docs/decisions/0015): requests
 * and decisions are two append-only tables. The database itself refuses
 * - an approval by the key that made the request (`ck_approval_decisions_four_eyes`, comparing
 *   the decider with the requester that the composite foreign key copies from the request);
 * - a second decision on a request (the primary key of `approval_decisions`);
 * - a second undecided request for the same payment or pledge (`guard_one_pending_approval()`,
 *   which takes the target's row lock first, so two concurrent requests cannot both pass);
 * - any UPDATE, DELETE or TRUNCATE of either table.
 */
export class FourEyes1764320000400 implements MigrationInterface {
  name = 'FourEyes1764320000400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "approval_requests" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "action" text NOT NULL, "payment_id" uuid, "pledge_id" uuid, "reason" text NOT NULL, "effective_on" date NOT NULL, "requested_by" uuid NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_approval_requests_requester" UNIQUE ("id", "requested_by"), CONSTRAINT "ck_approval_requests_target" CHECK (("action" = 'payment.reverse' AND "payment_id" IS NOT NULL AND "pledge_id" IS NULL) OR ("action" = 'pledge.write_off' AND "pledge_id" IS NOT NULL AND "payment_id" IS NULL)), CONSTRAINT "PK_484806bb8ff331b851fc75973c0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_requests_pledge" ON "approval_requests"  ("pledge_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_requests_payment" ON "approval_requests"  ("payment_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_approval_requests_requested" ON "approval_requests"  ("requested_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "approval_decisions" ("request_id" uuid NOT NULL, "requested_by" uuid NOT NULL, "outcome" text NOT NULL, "decided_by" uuid NOT NULL, "reason" text, "decided_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_approval_decisions_reason" CHECK ("outcome" = 'approved' OR "reason" IS NOT NULL), CONSTRAINT "ck_approval_decisions_four_eyes" CHECK ("outcome" = 'rejected' OR "decided_by" <> "requested_by"), CONSTRAINT "ck_approval_decisions_outcome" CHECK ("outcome" IN ('approved', 'rejected')), CONSTRAINT "PK_0629e152f66fd1ca66cdc71a0d1" PRIMARY KEY ("request_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_requests" ADD CONSTRAINT "fk_approval_requests_payment" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_requests" ADD CONSTRAINT "fk_approval_requests_pledge" FOREIGN KEY ("pledge_id") REFERENCES "pledges"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_requests" ADD CONSTRAINT "fk_approval_requests_requested_by" FOREIGN KEY ("requested_by") REFERENCES "api_keys"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_decisions" ADD CONSTRAINT "fk_approval_decisions_request" FOREIGN KEY ("request_id", "requested_by") REFERENCES "approval_requests"("id","requested_by") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_decisions" ADD CONSTRAINT "fk_approval_decisions_decided_by" FOREIGN KEY ("decided_by") REFERENCES "api_keys"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );

    for (const table of ['approval_requests', 'approval_decisions']) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION forbid_mutation()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation()`,
      );
    }

    // The target's row lock serialises requests for it: a second request waits here until the
    // first commits, and the check that follows (a new statement, so a new snapshot under READ
    // COMMITTED) then sees it. 23505 makes the refusal a 409 like any uniqueness conflict.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION guard_one_pending_approval() RETURNS trigger LANGUAGE plpgsql
      SET search_path = public, pg_catalog AS $$
      BEGIN
        IF NEW.payment_id IS NOT NULL THEN
          PERFORM 1 FROM payments WHERE id = NEW.payment_id FOR UPDATE;
        ELSE
          PERFORM 1 FROM pledges WHERE id = NEW.pledge_id FOR UPDATE;
        END IF;
        IF EXISTS (
          SELECT 1 FROM approval_requests r
           WHERE (r.payment_id = NEW.payment_id OR r.pledge_id = NEW.pledge_id)
             AND NOT EXISTS (SELECT 1 FROM approval_decisions d WHERE d.request_id = r.id)
        ) THEN
          RAISE EXCEPTION 'the % already has an approval request awaiting a decision',
            CASE WHEN NEW.payment_id IS NOT NULL THEN 'payment' ELSE 'pledge' END
            USING ERRCODE = '23505', CONSTRAINT = 'uq_approval_requests_pending';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(
      `CREATE TRIGGER approval_requests_one_pending BEFORE INSERT ON approval_requests FOR EACH ROW EXECUTE FUNCTION guard_one_pending_approval()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER approval_requests_one_pending ON approval_requests`);
    await queryRunner.query(`DROP FUNCTION guard_one_pending_approval()`);
    for (const table of ['approval_decisions', 'approval_requests']) {
      await queryRunner.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await queryRunner.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    }
    await queryRunner.query(
      `ALTER TABLE "approval_decisions" DROP CONSTRAINT "fk_approval_decisions_decided_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_decisions" DROP CONSTRAINT "fk_approval_decisions_request"`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_requests" DROP CONSTRAINT "fk_approval_requests_requested_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_requests" DROP CONSTRAINT "fk_approval_requests_pledge"`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_requests" DROP CONSTRAINT "fk_approval_requests_payment"`,
    );
    await queryRunner.query(`DROP TABLE "approval_decisions"`);
    await queryRunner.query(`DROP INDEX "public"."ix_approval_requests_requested"`);
    await queryRunner.query(`DROP INDEX "public"."ix_approval_requests_payment"`);
    await queryRunner.query(`DROP INDEX "public"."ix_approval_requests_pledge"`);
    await queryRunner.query(`DROP TABLE "approval_requests"`);
  }
}
