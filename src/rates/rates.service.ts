import { Injectable } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { isIsoDate } from '#src/common/dates.js';
import { DomainError, type FieldError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { decodeCursor, type Page, toPage } from '#src/common/http/pagination.js';
import { isKnownCurrency } from '#src/common/money/currency.js';
import { Dec, type Decimal, rateViolation } from '#src/common/money/money.js';

export interface RateView {
  currency: string;
  effectiveOn: string;
  rate: string;
}

/** The rate applied to a conversion, as stored beside every converted figure. */
export interface AppliedRate {
  rate: Decimal;
  rateEffectiveOn: string;
}

export interface RateQuery {
  currency?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

interface RateRow {
  currency: string;
  effective_on: string;
  rate: string;
}

const USD_RATE = new Dec(1);

/**
 * The rate for `date` given the latest rate row effective on or before it (looked up with
 * `FOR KEY SHARE`, so it cannot change before the posting commits): USD is always 1. Raises
 * RATE_NOT_FOUND when there is no row.
 */
export function appliedRate(
  currency: string,
  date: string,
  row: Pick<RateRow, 'rate' | 'effective_on'> | null,
): AppliedRate {
  if (currency === 'USD') return { rate: USD_RATE, rateEffectiveOn: date };
  if (row === null) {
    throw new DomainError(
      ErrorCode.RATE_NOT_FOUND,
      `No ${currency} rate is effective on or before ${date}`,
    );
  }
  return { rate: new Dec(row.rate), rateEffectiveOn: row.effective_on };
}

/** Rates are written as given, without trailing zeros, so the same rate always reads the same. */
export function formatRate(rate: Decimal): string {
  return rate.toFixed();
}

@Injectable()
export class RatesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Sets the rate of `currency` from `effectiveOn`. Returns whether a row was created.
   * Setting the value it already has is a no-op success that writes nothing.
   * The path and the body are checked together, so that one answer names every fault.
   * Raises VALIDATION_FAILED (USD, bad currency, date or rate, unknown fields) and RATE_IN_USE.
   */
  async setRate(
    currency: string,
    effectiveOn: string,
    body: unknown,
    actor: Actor,
  ): Promise<{ created: boolean; rate: RateView }> {
    const fields = isPlainObject(body) ? body : {};
    const errors = [
      ...checkRateKey(currency, effectiveOn),
      ...checkRateValue(fields.rate, 'rate'),
      ...Object.keys(fields)
        .filter((field) => field !== 'rate')
        .map((field) => ({ field, message: 'is not an allowed field' })),
    ];
    if (errors.length > 0) throw DomainError.validation(errors);
    const rate = new Dec(fields.rate as string);
    return this.dataSource.transaction(async (manager) => {
      const outcome = await this.upsert(manager, currency, effectiveOn, rate);
      if (outcome !== 'unchanged') {
        await this.audit.record(manager, actor, {
          action: outcome === 'created' ? 'rate.created' : 'rate.changed',
          resourceType: 'rate',
          resourceId: `${currency}/${effectiveOn}`,
        });
      }
      return {
        created: outcome === 'created',
        rate: { currency, effectiveOn, rate: formatRate(rate) },
      };
    });
  }

  /**
   * Imports `currency,effectiveOn,rate` lines, all or nothing.
   * Raises VALIDATION_FAILED listing every bad line, and RATE_IN_USE naming the lines that would
   * change a used rate.
   */
  async importCsv(csv: unknown, actor: Actor): Promise<{ imported: number }> {
    const rows = parseRateCsv(csv);
    return this.dataSource.transaction(async (manager) => {
      const inUse: FieldError[] = [];
      for (const row of rows) {
        try {
          await this.upsert(manager, row.currency, row.effectiveOn, row.rate);
        } catch (error) {
          if (!(error instanceof DomainError) || error.code !== ErrorCode.RATE_IN_USE) throw error;
          inUse.push({ field: `line ${row.line}`, message: error.message });
        }
      }
      if (inUse.length > 0) {
        throw new DomainError(
          ErrorCode.RATE_IN_USE,
          `${inUse.length} line(s) would change rates already used by posted entries`,
          inUse,
        );
      }
      await this.audit.record(manager, actor, {
        action: 'rate.imported',
        resourceType: 'rate',
        resourceId: null,
      });
      return { imported: rows.length };
    });
  }

  async list(query: RateQuery): Promise<Page<RateView>> {
    const after = decodeCursor(query.cursor, /^[A-Z]{3}\|\d{4}-\d{2}-\d{2}$/);
    const params: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.currency) where.push(`currency = ${param(query.currency)}`);
    if (query.from) where.push(`effective_on >= ${param(query.from)}`);
    if (query.to) where.push(`effective_on <= ${param(query.to)}`);
    if (after) {
      const [currency, effectiveOn] = after.split('|');
      where.push(`(currency, effective_on) > (${param(currency)}, ${param(effectiveOn)}::date)`);
    }
    const rows = (await this.dataSource.query(
      `SELECT r.currency, r.effective_on::text AS effective_on, r.rate::text AS rate FROM rates r
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY r.currency, r.effective_on LIMIT ${param(query.limit + 1)}`,
      params,
    )) as RateRow[];
    return toPage(rows, query.limit, toView, (row) => `${row.currency}|${row.effective_on}`);
  }

  /**
   * The rate for a date: the one with the latest `effectiveOn <= date`. The row is share-locked
   * so that it cannot be changed before the transaction that uses it commits. USD is always 1.
   * Raises RATE_NOT_FOUND.
   */
  async rateFor(manager: EntityManager, currency: string, date: string): Promise<AppliedRate> {
    if (currency === 'USD') return appliedRate(currency, date, null);
    const rows = (await manager.query(
      `SELECT r.rate::text AS rate, r.effective_on::text AS effective_on FROM rates r
        WHERE r.currency = $1 AND r.effective_on <= $2 ORDER BY r.effective_on DESC LIMIT 1 FOR KEY SHARE`,
      [currency, date],
    )) as RateRow[];
    return appliedRate(currency, date, rows[0] ?? null);
  }

  private async upsert(
    manager: EntityManager,
    currency: string,
    effectiveOn: string,
    rate: Decimal,
  ): Promise<'created' | 'changed' | 'unchanged'> {
    const inserted = (await manager.query(
      `INSERT INTO rates (currency, effective_on, rate) VALUES ($1, $2, $3)
       ON CONFLICT (currency, effective_on) DO NOTHING RETURNING currency`,
      [currency, effectiveOn, rate.toFixed()],
    )) as unknown[];
    if (inserted.length > 0) return 'created';
    // FOR UPDATE conflicts with the FOR KEY SHARE that a posting holds on the rate it uses, so
    // a rate cannot change between a posting reading it and that posting committing.
    const [existing] = (await manager.query(
      `SELECT rate::text AS rate,
              EXISTS (SELECT 1 FROM journal_lines l WHERE l.currency = r.currency AND l.rate_effective_on = r.effective_on) AS used
         FROM rates r WHERE currency = $1 AND effective_on = $2 FOR UPDATE`,
      [currency, effectiveOn],
    )) as { rate: string; used: boolean }[];
    if (new Dec(existing.rate).equals(rate)) return 'unchanged';
    if (existing.used) {
      throw new DomainError(
        ErrorCode.RATE_IN_USE,
        `The ${currency} rate effective ${effectiveOn} (${formatRate(new Dec(existing.rate))}) is used by posted entries and cannot change`,
      );
    }
    await manager.query(
      `UPDATE rates SET rate = $3, set_at = now() WHERE currency = $1 AND effective_on = $2`,
      [currency, effectiveOn, rate.toFixed()],
    );
    return 'changed';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toView(row: RateRow): RateView {
  return {
    currency: row.currency,
    effectiveOn: row.effective_on,
    rate: formatRate(new Dec(row.rate)),
  };
}

function checkRateKey(currency: string, effectiveOn: string, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  if (currency === 'USD') {
    errors.push({ field: `${prefix}currency`, message: 'USD always has rate 1 and cannot be set' });
  } else if (!isKnownCurrency(currency)) {
    errors.push({
      field: `${prefix}currency`,
      message: 'must be an ISO 4217 currency code such as EUR',
    });
  }
  if (!isIsoDate(effectiveOn))
    errors.push({
      field: `${prefix}effectiveOn`,
      message: 'must be a calendar date written YYYY-MM-DD',
    });
  return errors;
}

function checkRateValue(value: unknown, field: string): FieldError[] {
  if (typeof value !== 'string')
    return [{ field, message: 'must be a decimal string such as "0.6712" (not a JSON number)' }];
  const violation = rateViolation(value);
  return violation ? [{ field, message: violation }] : [];
}

interface CsvRate {
  line: number;
  currency: string;
  effectiveOn: string;
  rate: Decimal;
}

/** Parses and checks the whole file before anything is written; every bad line is reported. */
function parseRateCsv(csv: unknown): CsvRate[] {
  if (typeof csv !== 'string' || csv.trim() === '') {
    throw DomainError.validation([
      {
        field: 'body',
        message: 'must be a text/csv body with the header currency,effectiveOn,rate',
      },
    ]);
  }
  // `info` gives each record the line it started on, so that messages name the file's own line
  // numbers even when blank lines are skipped.
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(csv, {
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    throw DomainError.validation([
      { field: 'body', message: `is not valid CSV: ${(error as Error).message}` },
    ]);
  }
  const [header, ...lines] = records;
  if (header?.record.join(',') !== 'currency,effectiveOn,rate') {
    throw DomainError.validation([
      { field: 'line 1', message: 'must be the header currency,effectiveOn,rate' },
    ]);
  }
  const errors: FieldError[] = [];
  const rows: CsvRate[] = [];
  const seen = new Map<string, number>();
  lines.forEach(({ record: cells, info }) => {
    const line = info.lines;
    if (cells.length !== 3) {
      errors.push({ field: `line ${line}`, message: `must have 3 fields, has ${cells.length}` });
      return;
    }
    const [currency, effectiveOn, rate] = cells;
    const problems = [...checkRateKey(currency, effectiveOn), ...checkRateValue(rate, 'rate')];
    const key = `${currency}|${effectiveOn}`;
    if (seen.has(key))
      problems.push({ field: 'currency', message: `repeats the rate of line ${seen.get(key)}` });
    seen.set(key, line);
    if (problems.length > 0) {
      errors.push(
        ...problems.map((p) => ({ field: `line ${line}`, message: `${p.field} ${p.message}` })),
      );
    } else {
      rows.push({ line, currency, effectiveOn, rate: new Dec(rate) });
    }
  });
  if (lines.length === 0)
    errors.push({ field: 'body', message: 'has no rate lines after the header' });
  if (errors.length > 0) throw DomainError.validation(errors);
  return rows;
}
