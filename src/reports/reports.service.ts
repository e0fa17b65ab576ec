import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '#src/auth/actor.js';
import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { Dec, type Decimal, formatAmount, formatUsd, roundRatio } from '#src/common/money/money.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { ReadReplicas } from '#src/database/read-replicas.js';
import { contributionRows } from '#src/reports/contributions.query.js';
import { fundStatusFigures } from '#src/reports/fund-status.query.js';
import type {
  ContributionRowResponse,
  ContributionsReport,
  CurrencyTotalsResponse,
  FundStatusReport,
  FundStatusRowResponse,
  TravelSupportReport,
  TrialBalanceReport,
} from '#src/reports/report.dto.js';
import { type ReportPoint, resolveReportPoint } from '#src/reports/report-point.js';
import { travelSupportRows } from '#src/reports/travel-support.query.js';
import { trialBalanceRows } from '#src/reports/trial-balance.query.js';
import { tierOf } from '#src/travel-support/allocation.policy.js';

const ZERO = new Dec(0);
const CURRENCY_COLUMNS = [
  'announced',
  'confirmed',
  'paid',
  'unpledged',
  'writtenOff',
  'outstanding',
] as const;
const FUND_COLUMNS = [
  'receivedUsd',
  'fxGainLossUsd',
  'pscUsd',
  'obligatedUsd',
  'releasedUsd',
  'reserveUsd',
  'availableUsd',
] as const;

/**
 * Read-only reports (SPEC 11). Each reads one consistent snapshot (a REPEATABLE READ read-only
 * transaction), pins its point (`asOf`, `asOfSeq`) and hashes its content, so that the same
 * point gives the same bytes and the same `contentHash` whenever it is asked for again. With
 * read replicas the snapshot is a replica's: a report states the `asOfSeq` it counted, and one
 * pinned past the replica's head is refused there and so answered by the primary
 * (docs/decisions/0017-read-replicas.md).
 */
@Injectable()
export class ReportsService {
  private readonly reserveRate: Decimal;

  constructor(
    private readonly replicas: ReadReplicas,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.reserveRate = new Dec(config.operatingReserveRate);
  }

  /** Rows per donor and currency; a donor key gets only its own donor's rows. */
  contributions(
    query: { asOf?: string; asOfSeq?: number },
    actor: Actor,
  ): Promise<ContributionsReport> {
    return this.snapshot(query, async (manager, point) => {
      const donorId = actor.role === 'donor' ? actor.donorId : null;
      const rows: ContributionRowResponse[] = (await contributionRows(manager, point, donorId))
        .map((row) => {
          const amount = (text: string) => formatAmount(new Dec(text), row.currency);
          const outstanding = new Dec(row.confirmed).minus(row.paid).minus(row.written_off);
          return {
            donorId: row.donor_id,
            donorName: row.donor_name,
            currency: row.currency,
            announced: amount(row.announced),
            confirmed: amount(row.confirmed),
            paid: amount(row.paid),
            unpledged: amount(row.unpledged),
            writtenOff: amount(row.written_off),
            outstanding: formatAmount(outstanding, row.currency),
            confirmedUsd: formatUsd(new Dec(row.confirmed_usd)),
            receivedUsd: formatUsd(new Dec(row.received_usd)),
          };
        })
        .sort(
          (a, b) =>
            compareCodePoints(a.donorName, b.donorName) ||
            compareCodePoints(a.currency, b.currency) ||
            compareCodePoints(a.donorId, b.donorId),
        );
      const byCurrency = new Map<string, Record<(typeof CURRENCY_COLUMNS)[number], Decimal>>();
      for (const row of rows) {
        const totals =
          byCurrency.get(row.currency) ??
          Object.fromEntries(CURRENCY_COLUMNS.map((c) => [c, ZERO]));
        for (const column of CURRENCY_COLUMNS) totals[column] = totals[column].plus(row[column]);
        byCurrency.set(row.currency, totals as Record<(typeof CURRENCY_COLUMNS)[number], Decimal>);
      }
      const totals = {
        byCurrency: [...byCurrency.entries()]
          .sort(([a], [b]) => compareCodePoints(a, b))
          .map(
            ([currency, sums]) =>
              ({
                currency,
                ...Object.fromEntries(
                  CURRENCY_COLUMNS.map((c) => [c, formatAmount(sums[c], currency)]),
                ),
              }) as CurrencyTotalsResponse,
          ),
        confirmedUsd: formatUsd(sum(rows.map((r) => r.confirmedUsd))),
        receivedUsd: formatUsd(sum(rows.map((r) => r.receivedUsd))),
      };
      return { rows, totals };
    });
  }

  /** Cash-basis availability per earmark; equals the travel budget of a conference's earmark. */
  fundStatus(query: { asOf?: string; asOfSeq?: number }): Promise<FundStatusReport> {
    return this.snapshot(query, async (manager, point) => {
      const rows: FundStatusRowResponse[] = (
        await fundStatusFigures(manager, point, this.reserveRate)
      ).map((figures) => ({
        earmark: figures.earmark,
        ...(Object.fromEntries(FUND_COLUMNS.map((c) => [c, formatUsd(figures[c])])) as Record<
          (typeof FUND_COLUMNS)[number],
          string
        >),
      }));
      const totals = Object.fromEntries(
        FUND_COLUMNS.map((c) => [c, formatUsd(sum(rows.map((r) => r[c])))]),
      ) as Record<(typeof FUND_COLUMNS)[number], string>;
      return { rows, totals };
    });
  }

  /** Requests and standing obligations of one conference, with the LDC shares. Raises NOT_FOUND. */
  travelSupport(query: {
    asOf?: string;
    asOfSeq?: number;
    conference: string;
  }): Promise<TravelSupportReport> {
    return this.snapshot(query, async (manager, point) => {
      const exists = (await manager.query('SELECT 1 FROM conferences WHERE code = $1', [
        query.conference,
      ])) as unknown[];
      if (exists.length === 0) throw DomainError.notFound('Conference', query.conference);
      const rows = (await travelSupportRows(manager, query.conference, point)).map((row) => ({
        countryCode: row.country_code,
        countryName: row.country_name,
        ldc: row.ldc,
        tier: tierOf(row.ldc, row.late),
        delegatesRequested: row.delegates_requested,
        delegatesFunded: row.delegates_funded,
        obligatedUsd: formatUsd(new Dec(row.obligated_usd)),
      }));
      const funded = rows.filter((row) => row.delegatesFunded > 0);
      const ldcFunded = funded.filter((row) => row.ldc);
      const obligatedUsd = sum(funded.map((row) => row.obligatedUsd));
      const ldcObligatedUsd = sum(ldcFunded.map((row) => row.obligatedUsd));
      // Shares are ratios with 4 decimals, half-even; "0.0000" when nothing is funded.
      const share = (part: Decimal, whole: Decimal) =>
        whole.isZero() ? '0.0000' : roundRatio(part.dividedBy(whole)).toFixed(4);
      const totals = {
        countriesFunded: funded.length,
        ldcCountriesFunded: ldcFunded.length,
        ldcShareOfCountries: share(new Dec(ldcFunded.length), new Dec(funded.length)),
        ldcShareOfUsd: share(ldcObligatedUsd, obligatedUsd),
        delegatesFunded: funded.reduce((total, row) => total + row.delegatesFunded, 0),
        obligatedUsd: formatUsd(obligatedUsd),
      };
      return { rows, totals };
    });
  }

  /** Gross debits and credits per account; the totals are always equal. */
  trialBalance(query: { asOf?: string; asOfSeq?: number }): Promise<TrialBalanceReport> {
    return this.snapshot(query, async (manager, point) => {
      const rows = (await trialBalanceRows(manager, point)).map((row) => ({
        account: row.account,
        name: row.name,
        debitUsd: formatUsd(new Dec(row.debit)),
        creditUsd: formatUsd(new Dec(row.credit)),
        balanceUsd: formatUsd(new Dec(row.debit).minus(row.credit)),
      }));
      return {
        rows,
        totals: {
          debitUsd: formatUsd(sum(rows.map((r) => r.debitUsd))),
          creditUsd: formatUsd(sum(rows.map((r) => r.creditUsd))),
        },
      };
    });
  }

  private snapshot<Rows, Totals>(
    query: { asOf?: string; asOfSeq?: number },
    build: (manager: EntityManager, point: ReportPoint) => Promise<{ rows: Rows; totals: Totals }>,
  ): Promise<{ asOf: string; asOfSeq: number; contentHash: string; rows: Rows; totals: Totals }> {
    return this.replicas.snapshot(async (manager) => {
      const point = await resolveReportPoint(manager, query.asOf, query.asOfSeq);
      const { rows, totals } = await build(manager, point);
      return {
        asOf: point.asOf,
        asOfSeq: point.asOfSeq,
        contentHash: sha256Hex(canonicalJson({ rows, totals })),
        rows,
        totals,
      };
    });
  }
}

function sum(values: readonly string[]): Decimal {
  return values.reduce((total, value) => total.plus(value), ZERO);
}

/** Code-point order (SPEC 11), which differs from JavaScript's UTF-16 order beyond U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const difference = left[i].codePointAt(0)! - right[i].codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
