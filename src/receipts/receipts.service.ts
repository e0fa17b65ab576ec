import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import type { Actor } from '#src/auth/actor.js';
import {
  COUNT_HIT_CTE,
  publicBucket,
  publicLimitError,
  SECONDS_LEFT_IN_WINDOW,
} from '#src/auth/rate-limits.js';
import { canSeeDonor } from '#src/auth/donor-scope.js';
import { DomainError, type RateLimitedError } from '#src/common/errors/domain-error.js';
import { bindNamed, namedSql } from '#src/database/named-sql.js';
import { renderReceiptPdf } from '#src/receipts/receipt-pdf.js';
import {
  formatReceiptNumber,
  loadOrCreateSigningKey,
  newVerificationCode,
  normalizeVerificationCode,
  signReceipt,
  type SigningKey,
} from '#src/receipts/receipt-signer.js';
import type { ReceiptPayload, SignedReceiptView } from '#src/receipts/receipt.types.js';

/** What a payment hands over to have its receipt issued. */
export type ReceiptFacts = Omit<ReceiptPayload, 'number' | 'verificationCode' | 'issuedAt'> & {
  paymentId: string;
};

interface ReceiptRow {
  number: string;
  donor_id: string;
  payload: ReceiptPayload;
  signature: string;
  key_id: string;
  status: 'issued' | 'cancelled';
  cancelled_at: Date | null;
}

const RECEIPT_NUMBER = /^UNFSSC-\d{4}-\d{6,}$/;

/**
 * Takes the next number of the year: the counter row stays locked until commit, so numbers are
 * gap-free (a rolled-back payment releases its number) and follow commit order.
 */
export const NEXT_RECEIPT_SEQ_CTE = `
  counter AS (
    INSERT INTO receipt_counters (year, last_seq) VALUES (:receiptYear, 1)
    ON CONFLICT (year) DO UPDATE SET last_seq = receipt_counters.last_seq + 1 RETURNING last_seq
  )`;

/** Stores an issued receipt; its values come from `ReceiptsService.issue`. */
export const RECEIPT_CTE = `
  receipt AS (
    INSERT INTO receipts (number, year, seq, payment_id, donor_id, verification_code, payload, signature, key_id, status)
    VALUES (:receiptNumber, :receiptYear, :receiptSeq, :paymentId::uuid, :donorId::uuid, :verificationCode,
            :receiptPayload::jsonb, :signature, :keyId, 'issued')
  )`;

/** Counts the request, then reads the receipt (none for a code that does not normalise). */
export const PUBLIC_RECEIPT_SQL = namedSql<'bucket' | 'code'>(`
  WITH ${COUNT_HIT_CTE}
  SELECT hit.hits, ${SECONDS_LEFT_IN_WINDOW} AS retry_after,
         r.number, r.donor_id, r.payload, r.signature, r.key_id, r.status, r.cancelled_at
    FROM hit LEFT JOIN receipts r ON r.verification_code = :code`);

export interface IssuedReceipt {
  payload: ReceiptPayload;
  values: {
    receiptNumber: string;
    receiptYear: number;
    receiptSeq: number;
    paymentId: string;
    donorId: string;
    verificationCode: string;
    receiptPayload: string;
    signature: string;
    keyId: string;
  };
}

/** Receipts are numbered per year of `receivedOn`. */
export function receiptYear(receivedOn: string): number {
  return Number(receivedOn.slice(0, 4));
}

/**
 * The receipt of a payment numbered `seq` of its year (from NEXT_RECEIPT_SEQ_CTE), signed with
 * `key`, and the values of RECEIPT_CTE that store it in the payment's transaction.
 */
export function issueReceipt(
  facts: ReceiptFacts,
  seq: number,
  key: Pick<SigningKey, 'privateKey' | 'keyId'>,
): IssuedReceipt {
  const year = receiptYear(facts.receivedOn);
  const { paymentId, ...fields } = facts;
  const payload: ReceiptPayload = {
    ...fields,
    number: formatReceiptNumber(year, seq),
    verificationCode: newVerificationCode(),
    issuedAt: new Date().toISOString(),
  };
  return {
    payload,
    values: {
      receiptNumber: payload.number,
      receiptYear: year,
      receiptSeq: seq,
      paymentId,
      donorId: payload.donorId,
      verificationCode: payload.verificationCode,
      receiptPayload: JSON.stringify(payload),
      signature: signReceipt(payload, key.privateKey),
      keyId: key.keyId,
    },
  };
}

@Injectable()
export class ReceiptsService implements OnModuleInit {
  private readonly logger = new Logger(ReceiptsService.name);
  private key!: SigningKey;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Loads (or, in the embedded default, creates) the signing key and records its public half, so
   * that every key that ever signed stays listed for verification.
   */
  async onModuleInit(): Promise<void> {
    this.key = loadOrCreateSigningKey({
      pem: this.config.receiptSigningKey,
      dataDir: this.config.dataDir,
    });
    if (this.key.created)
      this.logger.log(`Created receipt signing key ${this.key.keyId} in the data directory`);
    await this.dataSource.query(
      'INSERT INTO signing_keys (key_id, public_key_pem) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING',
      [this.key.keyId, this.key.publicKeyPem],
    );
  }

  /** `issueReceipt` with this server's signing key. */
  issue(facts: ReceiptFacts, seq: number): IssuedReceipt {
    return issueReceipt(facts, seq, this.key);
  }

  /** Marks the receipt of a reversed payment cancelled; its signed content stays as issued. */
  async cancel(manager: EntityManager, paymentId: string): Promise<void> {
    await manager.query(
      `UPDATE receipts SET status = 'cancelled', cancelled_at = now() WHERE payment_id = $1 AND status = 'issued'`,
      [paymentId],
    );
  }

  /** Raises NOT_FOUND, also for a donor key asking for another donor's receipt. */
  async getByNumber(number: string, actor: Actor): Promise<SignedReceiptView> {
    const row = RECEIPT_NUMBER.test(number) ? await this.findOne('number = $1', number) : null;
    if (!row || !canSeeDonor(actor, row.donor_id)) throw DomainError.notFound('Receipt', number);
    return toView(row);
  }

  /** Public verification by the code printed on the receipt. Raises NOT_FOUND. */
  async getByVerificationCode(code: string): Promise<SignedReceiptView> {
    const normalized = normalizeVerificationCode(code);
    const row =
      normalized === null ? null : await this.findOne('verification_code = $1', normalized);
    if (!row) throw DomainError.notFound('Receipt with verification code', code.slice(0, 64));
    return toView(row);
  }

  /**
   * Public verification as the fast path serves it (public-receipt.fast-path.ts): the request is
   * counted against `address`'s limit in the statement that reads the receipt. Answers the
   * receipt, null when no receipt has the code, or the error of an address over its limit.
   */
  async verifyPublic(
    code: string,
    address: string,
  ): Promise<SignedReceiptView | RateLimitedError | null> {
    const normalized = normalizeVerificationCode(code);
    const limit = this.config.publicRequestsPerMinute;
    if (limit === 0) {
      const row =
        normalized === null ? null : await this.findOne('verification_code = $1', normalized);
      return row && toView(row);
    }
    // Straight to the primary's pool: one statement needs no query runner of TypeORM's.
    const { rows } = await primaryPool(this.dataSource).query<
      ReceiptRow & { hits: number; retry_after: number }
    >(
      PUBLIC_RECEIPT_SQL.text,
      bindNamed(PUBLIC_RECEIPT_SQL, { bucket: publicBucket(address), code: normalized }),
    );
    const row = rows[0];
    if (row.hits > limit) return publicLimitError(row.retry_after);
    return row.number === null ? null : toView(row);
  }

  async signingKeys(): Promise<{
    items: { keyId: string; publicKeyPem: string }[];
    nextCursor: null;
  }> {
    const rows = (await this.dataSource.query(
      'SELECT key_id, public_key_pem FROM signing_keys ORDER BY first_used_at, key_id',
    )) as {
      key_id: string;
      public_key_pem: string;
    }[];
    return {
      items: rows.map((row) => ({ keyId: row.key_id, publicKeyPem: row.public_key_pem })),
      nextCursor: null,
    };
  }

  pdf(view: SignedReceiptView): Promise<Buffer> {
    return renderReceiptPdf({
      ...view,
      publicVerificationPath: `/v1/public/receipts/${view.receipt.verificationCode}`,
    });
  }

  private async findOne(condition: string, value: string): Promise<ReceiptRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT number, donor_id, payload, signature, key_id, status, cancelled_at FROM receipts WHERE ${condition}`,
      [value],
    )) as ReceiptRow[];
    return rows[0] ?? null;
  }
}

function toView(row: ReceiptRow): SignedReceiptView {
  return {
    receipt: row.payload,
    signature: row.signature,
    keyId: row.key_id,
    status: row.status,
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
  };
}

/** The connection pool TypeORM keeps to the primary (its replicas have pools of their own). */
function primaryPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
