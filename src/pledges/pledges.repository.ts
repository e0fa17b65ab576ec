import type { EntityManager } from 'typeorm';
import { Dec, type Decimal } from '#src/common/money/money.js';
import type { Instalment, PledgeStatus } from '#src/pledges/pledge.entity.js';

/** A pledge as the services work with it: money as Decimal, dates as `YYYY-MM-DD`. */
export interface PledgeState {
  id: string;
  donorId: string;
  currency: string;
  amount: Decimal;
  earmark: string;
  status: PledgeStatus;
  pledgedOn: string;
  confirmedOn: string | null;
  reference: string | null;
  instalments: Instalment[];
  confirmRate: Decimal | null;
  confirmRateEffectiveOn: string | null;
  carryingUsd: Decimal | null;
  paidAmount: Decimal;
  writtenOffAmount: Decimal;
  relievedUsd: Decimal;
  lastEventOn: string;
}

export const PLEDGE_COLUMNS = `id, donor_id, currency, amount::text, earmark, status, pledged_on::text, confirmed_on::text, reference,
  instalments, confirm_rate::text, confirm_rate_effective_on::text, carrying_usd::text, paid_amount::text,
  written_off_amount::text, relieved_usd::text, last_event_on::text, created_at`;

export interface PledgeRow {
  id: string;
  donor_id: string;
  currency: string;
  amount: string;
  earmark: string;
  status: PledgeStatus;
  pledged_on: string;
  confirmed_on: string | null;
  reference: string | null;
  instalments: Instalment[];
  confirm_rate: string | null;
  confirm_rate_effective_on: string | null;
  carrying_usd: string | null;
  paid_amount: string;
  written_off_amount: string;
  relieved_usd: string;
  last_event_on: string;
}

const decimalOrNull = (value: string | null): Decimal | null =>
  value === null ? null : new Dec(value);

export function pledgeFromRow(row: PledgeRow): PledgeState {
  return {
    id: row.id,
    donorId: row.donor_id,
    currency: row.currency,
    amount: new Dec(row.amount),
    earmark: row.earmark,
    status: row.status,
    pledgedOn: row.pledged_on,
    confirmedOn: row.confirmed_on,
    reference: row.reference,
    instalments: row.instalments,
    confirmRate: decimalOrNull(row.confirm_rate),
    confirmRateEffectiveOn: row.confirm_rate_effective_on,
    carryingUsd: decimalOrNull(row.carrying_usd),
    paidAmount: new Dec(row.paid_amount),
    writtenOffAmount: new Dec(row.written_off_amount),
    relievedUsd: new Dec(row.relieved_usd),
    lastEventOn: row.last_event_on,
  };
}

/**
 * Locks the pledge row for the rest of the transaction: every event that changes a pledge
 * (confirmation, payment, reversal, write-off, cancellation) passes through this lock, so two
 * of them can never both read the same outstanding amount, even from different processes.
 */
export async function lockPledge(manager: EntityManager, id: string): Promise<PledgeState | null> {
  const rows = (await manager.query(
    `SELECT ${PLEDGE_COLUMNS} FROM pledges WHERE id = $1 FOR UPDATE`,
    [id],
  )) as PledgeRow[];
  return rows.length === 0 ? null : pledgeFromRow(rows[0]);
}

export async function findPledge(manager: EntityManager, id: string): Promise<PledgeState | null> {
  const rows = (await manager.query(`SELECT ${PLEDGE_COLUMNS} FROM pledges WHERE id = $1`, [
    id,
  ])) as PledgeRow[];
  return rows.length === 0 ? null : pledgeFromRow(rows[0]);
}

export async function listPledges(
  manager: EntityManager,
  filter: { donorId?: string; status?: PledgeStatus; afterId: string | null; limit: number },
): Promise<PledgeState[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown): string => `$${params.push(value)}`;
  if (filter.donorId) where.push(`donor_id = ${param(filter.donorId)}`);
  if (filter.status) where.push(`status = ${param(filter.status)}`);
  if (filter.afterId)
    where.push(
      `(created_at, id) > (SELECT created_at, id FROM pledges WHERE id = ${param(filter.afterId)})`,
    );
  const rows = (await manager.query(
    `SELECT ${PLEDGE_COLUMNS} FROM pledges ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, id LIMIT ${param(filter.limit + 1)}`,
    params,
  )) as PledgeRow[];
  return rows.map(pledgeFromRow);
}

export async function insertPledge(manager: EntityManager, pledge: PledgeState): Promise<void> {
  await manager.query(
    `INSERT INTO pledges (id, donor_id, currency, amount, earmark, status, pledged_on, confirmed_on, reference, instalments,
                          confirm_rate, confirm_rate_effective_on, carrying_usd, paid_amount, written_off_amount, relieved_usd, last_event_on)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      pledge.id,
      pledge.donorId,
      pledge.currency,
      pledge.amount.toFixed(),
      pledge.earmark,
      pledge.status,
      pledge.pledgedOn,
      pledge.confirmedOn,
      pledge.reference,
      JSON.stringify(pledge.instalments),
      pledge.confirmRate?.toFixed() ?? null,
      pledge.confirmRateEffectiveOn,
      pledge.carryingUsd?.toFixed() ?? null,
      pledge.paidAmount.toFixed(),
      pledge.writtenOffAmount.toFixed(),
      pledge.relievedUsd.toFixed(),
      pledge.lastEventOn,
    ],
  );
}

/** Writes the pledge's running state; its terms are refused change by a trigger anyway. */
export async function savePledgeState(
  manager: EntityManager,
  pledge: PledgeState,
  closed?: { on: string; reason: string },
): Promise<void> {
  await manager.query(
    `UPDATE pledges SET status = $2, confirmed_on = $3, confirm_rate = $4, confirm_rate_effective_on = $5, carrying_usd = $6,
            paid_amount = $7, written_off_amount = $8, relieved_usd = $9, last_event_on = $10,
            closed_on = COALESCE($11, closed_on), closed_reason = COALESCE($12, closed_reason)
      WHERE id = $1`,
    [
      pledge.id,
      pledge.status,
      pledge.confirmedOn,
      pledge.confirmRate?.toFixed() ?? null,
      pledge.confirmRateEffectiveOn,
      pledge.carryingUsd?.toFixed() ?? null,
      pledge.paidAmount.toFixed(),
      pledge.writtenOffAmount.toFixed(),
      pledge.relievedUsd.toFixed(),
      pledge.lastEventOn,
      closed?.on ?? null,
      closed?.reason ?? null,
    ],
  );
}
