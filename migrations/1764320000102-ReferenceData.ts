import type { MigrationInterface, QueryRunner } from 'typeorm';
import { COUNTRIES } from '#src/reference-data/countries.data.js';
import { G77_MEMBERSHIP } from '#src/reference-data/g77.data.js';
import { LDC_MEMBERSHIP } from '#src/reference-data/ldc.data.js';

/**
 * Seeds countries, LDC membership and the G-77 grouping (sources in docs/reference-data.md).
 * The data modules are the snapshot this migration loads; a later correction is a new
 * migration that changes the rows, so that every database passes through the same states.
 */
export class ReferenceData1764320000102 implements MigrationInterface {
  name = 'ReferenceData1764320000102';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO countries (alpha3, alpha2, m49, name)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(alpha3 text, alpha2 text, m49 text, name text)`,
      [JSON.stringify(COUNTRIES)],
    );
    await queryRunner.query(
      `INSERT INTO ldc_memberships (alpha3, included_on, graduated_on)
       SELECT alpha3, "includedOn", "graduatedOn"
         FROM jsonb_to_recordset($1::jsonb) AS l(alpha3 text, "includedOn" date, "graduatedOn" date)`,
      [JSON.stringify(LDC_MEMBERSHIP)],
    );
    await queryRunner.query(
      `INSERT INTO grouping_memberships (grouping, alpha3, joined_on, left_on)
       SELECT 'g77', alpha3, "joinedOn", "leftOn"
         FROM jsonb_to_recordset($1::jsonb) AS g(alpha3 text, "joinedOn" date, "leftOn" date)`,
      [JSON.stringify(G77_MEMBERSHIP)],
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM grouping_memberships WHERE grouping = 'g77'`);
    await queryRunner.query(`DELETE FROM ldc_memberships`);
    await queryRunner.query(`DELETE FROM countries`);
  }
}
