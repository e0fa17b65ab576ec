// Reads the facts of the IATI export (docs/decisions/0011-iati-export.md). Dates and numerics
// come back as text (`::text`), so no date shifts through a time zone and no amount passes
// through a JavaScript number; the builder decides which events fall inside the year, these
// queries only narrow the rows to those with at least one event in it.
import type { EntityManager } from 'typeorm';
import type { DonorType } from '#src/donors/donor.entity.js';
import type { AllocationRecord, PaymentRecord, PledgeRecord } from '#src/exports/iati-export.js';

/** A calendar year as the inclusive date range the queries take. */
export interface DateRange {
  from: string;
  to: string;
}

export interface IatiFacts {
  firstFactOn: string | null;
  pledges: PledgeRecord[];
  payments: PaymentRecord[];
  allocations: AllocationRecord[];
}

/** Everything the export of one year needs, read through the caller's transaction. */
export async function readIatiFacts(manager: EntityManager, range: DateRange): Promise<IatiFacts> {
  return {
    firstFactOn: await findFirstFactOn(manager),
    pledges: await findPledgesWithEventsIn(manager, range),
    payments: await findPaymentsWithEventsIn(manager, range),
    allocations: await findAllocationsWithEventsIn(manager, range),
  };
}

interface PledgeRow {
  id: string;
  donor_name: string;
  donor_type: DonorType;
  currency: string;
  amount: string;
  earmark: string;
  status: PledgeRecord['status'];
  pledged_on: string;
  confirmed_on: string | null;
  confirm_rate_effective_on: string | null;
  reference: string | null;
  written_off_amount: string;
  closed_on: string | null;
}

/** Pledges announced, confirmed, cancelled or written off within the range. */
export async function findPledgesWithEventsIn(
  manager: EntityManager,
  range: DateRange,
): Promise<PledgeRecord[]> {
  const rows: PledgeRow[] = await manager.query(
    `SELECT p.id::text AS id, d.name AS donor_name, d.type AS donor_type, p.currency,
            p.amount::text AS amount, p.earmark, p.status, p.pledged_on::text AS pledged_on,
            p.confirmed_on::text AS confirmed_on,
            p.confirm_rate_effective_on::text AS confirm_rate_effective_on, p.reference,
            p.written_off_amount::text AS written_off_amount, p.closed_on::text AS closed_on
       FROM pledges p
       JOIN donors d ON d.id = p.donor_id
      WHERE p.pledged_on BETWEEN $1::date AND $2::date
         OR p.confirmed_on BETWEEN $1::date AND $2::date
         OR p.closed_on BETWEEN $1::date AND $2::date
      ORDER BY p.pledged_on, p.id`,
    [range.from, range.to],
  );
  return rows.map((row) => ({
    id: row.id,
    donor: { name: row.donor_name, type: row.donor_type },
    currency: row.currency,
    amount: row.amount,
    earmark: row.earmark,
    status: row.status,
    pledgedOn: row.pledged_on,
    confirmedOn: row.confirmed_on,
    confirmRateEffectiveOn: row.confirm_rate_effective_on,
    reference: row.reference,
    writtenOffAmount: row.written_off_amount,
    closedOn: row.closed_on,
  }));
}

interface PaymentRow {
  id: string;
  donor_name: string;
  donor_type: DonorType;
  currency: string;
  amount: string;
  earmark: string;
  received_on: string;
  rate_effective_on: string;
  receipt_number: string;
  reversed_on: string | null;
}

/** Payments received or reversed within the range, with their reversal if any. */
export async function findPaymentsWithEventsIn(
  manager: EntityManager,
  range: DateRange,
): Promise<PaymentRecord[]> {
  const rows: PaymentRow[] = await manager.query(
    `SELECT p.id::text AS id, d.name AS donor_name, d.type AS donor_type, p.currency,
            p.amount::text AS amount, p.earmark, p.received_on::text AS received_on,
            p.rate_effective_on::text AS rate_effective_on, p.receipt_number,
            r.reversed_on::text AS reversed_on
       FROM payments p
       JOIN donors d ON d.id = p.donor_id
       LEFT JOIN payment_reversals r ON r.payment_id = p.id
      WHERE p.received_on BETWEEN $1::date AND $2::date
         OR r.reversed_on BETWEEN $1::date AND $2::date
      ORDER BY p.received_on, p.receipt_number`,
    [range.from, range.to],
  );
  return rows.map((row) => ({
    id: row.id,
    donor: { name: row.donor_name, type: row.donor_type },
    currency: row.currency,
    amount: row.amount,
    earmark: row.earmark,
    receivedOn: row.received_on,
    rateEffectiveOn: row.rate_effective_on,
    receiptNumber: row.receipt_number,
    reversedOn: row.reversed_on,
  }));
}

interface AllocationRow {
  id: string;
  conference_code: string;
  country_alpha2: string;
  country_name: string;
  delegates_funded: number;
  amount_usd: string;
  effective_on: string;
  released_on: string | null;
}

/** Allocations committed or released within the range, with their country's alpha-2 code. */
export async function findAllocationsWithEventsIn(
  manager: EntityManager,
  range: DateRange,
): Promise<AllocationRecord[]> {
  const rows: AllocationRow[] = await manager.query(
    `SELECT a.id::text AS id, a.conference_code, c.alpha2::text AS country_alpha2,
            c.name AS country_name, a.delegates_funded, a.amount_usd::text AS amount_usd,
            a.effective_on::text AS effective_on, r.released_on::text AS released_on
       FROM allocations a
       JOIN countries c ON c.alpha3 = a.country_code
       LEFT JOIN allocation_releases r ON r.allocation_id = a.id
      WHERE a.effective_on BETWEEN $1::date AND $2::date
         OR r.released_on BETWEEN $1::date AND $2::date
      ORDER BY a.effective_on, a.id`,
    [range.from, range.to],
  );
  return rows.map((row) => ({
    id: row.id,
    conferenceCode: row.conference_code,
    countryAlpha2: row.country_alpha2,
    countryName: row.country_name,
    delegatesFunded: Number(row.delegates_funded),
    amountUsd: row.amount_usd,
    effectiveOn: row.effective_on,
    releasedOn: row.released_on,
  }));
}

/**
 * The effective date of the ledger's first fact — the first pledge, payment or allocation — or
 * null on an empty ledger: the actual start of the fund's activity, whatever year is exported.
 */
export async function findFirstFactOn(manager: EntityManager): Promise<string | null> {
  const rows: { first_fact_on: string | null }[] = await manager.query(
    `SELECT LEAST(
              (SELECT MIN(p.pledged_on) FROM pledges p),
              (SELECT MIN(p.received_on) FROM payments p),
              (SELECT MIN(a.effective_on) FROM allocations a)
            )::text AS first_fact_on`,
  );
  return rows[0]?.first_fact_on ?? null;
}
