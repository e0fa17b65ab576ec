import type { EntityManager } from 'typeorm';

/** Columns of a payment as the API shows it, with its reversal status joined in. */
const SELECT_VIEW = `
  SELECT p.id, p.donor_id, p.pledge_id, p.currency, p.amount::text AS amount, p.received_on::text AS received_on, p.earmark,
         p.bank_reference, p.rate::text AS rate, p.rate_effective_on::text AS rate_effective_on, p.amount_usd::text AS amount_usd,
         p.relieved_usd::text AS relieved_usd, p.fx_gain_loss_usd::text AS fx_gain_loss_usd, p.psc_rate::text AS psc_rate,
         p.psc_usd::text AS psc_usd, p.receipt_number, p.journal_entry_seq::text AS journal_entry_seq,
         (r.payment_id IS NOT NULL) AS reversed
    FROM payments p LEFT JOIN payment_reversals r ON r.payment_id = p.id`;

export interface PaymentRow {
  id: string;
  donor_id: string;
  pledge_id: string | null;
  currency: string;
  amount: string;
  received_on: string;
  earmark: string;
  bank_reference: string | null;
  rate: string;
  rate_effective_on: string;
  amount_usd: string;
  relieved_usd: string;
  fx_gain_loss_usd: string;
  psc_rate: string;
  psc_usd: string;
  receipt_number: string;
  journal_entry_seq: string;
  reversed: boolean;
}

/**
 * Reads a payment with its reversal status. With `lock`, the payment row is locked first, in a
 * statement of its own: a second reversal waits there, and only then reads the reversal table,
 * so it sees the first reversal once that commits. (Locking inside the join would re-check the
 * payment row after the wait but not the reversal row joined to it.)
 */
export async function findPayment(
  manager: EntityManager,
  id: string,
  lock = false,
): Promise<PaymentRow | null> {
  if (lock) await manager.query('SELECT 1 FROM payments WHERE id = $1 FOR UPDATE', [id]);
  const rows = (await manager.query(`${SELECT_VIEW} WHERE p.id = $1`, [id])) as PaymentRow[];
  return rows[0] ?? null;
}

export async function listPayments(
  manager: EntityManager,
  filter: { donorId?: string; pledgeId?: string; afterId: string | null; limit: number },
): Promise<PaymentRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown): string => `$${params.push(value)}`;
  if (filter.donorId) where.push(`p.donor_id = ${param(filter.donorId)}`);
  if (filter.pledgeId) where.push(`p.pledge_id = ${param(filter.pledgeId)}`);
  if (filter.afterId)
    where.push(
      `(p.created_at, p.id) > (SELECT created_at, id FROM payments WHERE id = ${param(filter.afterId)})`,
    );
  return (await manager.query(
    `${SELECT_VIEW} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.created_at, p.id LIMIT ${param(filter.limit + 1)}`,
    params,
  )) as PaymentRow[];
}
