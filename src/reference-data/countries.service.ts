import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { decodeCursor, type Page, toPage } from '#src/common/http/pagination.js';
import { ldcOn } from '#src/reference-data/ldc.sql.js';

export interface CountryView {
  alpha3: string;
  alpha2: string;
  m49: string;
  name: string;
  ldc: boolean;
  developing: boolean;
}

export interface CountryStatus {
  name: string;
  /** On the LDC list at the date, or graduated less than `graceYears` before it. */
  ldc: boolean;
  developing: boolean;
}

/**
 * LDC membership and the developing-country grouping, both as dated intervals. A country is
 * developing at a date when it is a member of the configured grouping (G-77 by default), is
 * China, or is an LDC (SPEC 10). `$2` is the date and `$3` the LDC grace in years.
 */
const LDC = ldcOn('c.alpha3', '$2::date', '$3::int');
const STATUS_COLUMNS = `
  ${LDC} AS ldc,
  (c.alpha3 = 'CHN'
   OR EXISTS (SELECT 1 FROM grouping_memberships g
               WHERE g.grouping = $4 AND g.alpha3 = c.alpha3 AND g.joined_on <= $2::date AND (g.left_on IS NULL OR $2::date < g.left_on))
   OR ${LDC}) AS developing`;

@Injectable()
export class CountriesService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Every country with its LDC and developing status on `on` (no grace period applies here). */
  async list(on: string, limit: number, cursor?: string): Promise<Page<CountryView>> {
    const after = decodeCursor(cursor, /^[A-Z]{3}$/) ?? '';
    const rows = (await this.dataSource.query(
      `SELECT c.alpha3, c.alpha2, c.m49, c.name, ${STATUS_COLUMNS}
         FROM countries c WHERE c.alpha3 > $1 ORDER BY c.alpha3 LIMIT $5`,
      [after, on, 0, this.config.developingGrouping, limit + 1],
    )) as CountryView[];
    return toPage(
      rows,
      limit,
      (row) => ({ ...row, alpha3: row.alpha3.trim() }),
      (row) => row.alpha3,
    );
  }

  /** The status of one country at a date with an LDC grace period, or null for an unknown code. */
  async statusAt(
    manager: EntityManager,
    alpha3: string,
    on: string,
    graceYears: number,
  ): Promise<CountryStatus | null> {
    const rows = (await manager.query(
      `SELECT c.name, ${STATUS_COLUMNS} FROM countries c WHERE c.alpha3 = $1`,
      [alpha3, on, graceYears, this.config.developingGrouping],
    )) as CountryStatus[];
    return rows[0] ?? null;
  }
}
