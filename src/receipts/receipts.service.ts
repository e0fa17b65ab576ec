import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import type { Actor } from '#src/auth/actor.js';
import { canSeeDonor } from '#src/auth/donor-scope.js';
import { DomainError } from '#src/common/errors/domain-error.js';
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

  /**
   * Issues the receipt of a payment inside the payment's transaction. The per-year counter row is
   * locked until commit, so numbers are gap-free: a rolled-back payment releases its number.
   */
  async issue(manager: EntityManager, facts: ReceiptFacts): Promise<ReceiptPayload> {
    const year = Number(facts.receivedOn.slice(0, 4));
    const [{ last_seq: seq }] = (await manager.query(
      `INSERT INTO receipt_counters (year, last_seq) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last_seq = receipt_counters.last_seq + 1 RETURNING last_seq`,
      [year],
    )) as { last_seq: number }[];
    const { paymentId, ...fields } = facts;
    const payload: ReceiptPayload = {
      ...fields,
      number: formatReceiptNumber(year, seq),
      verificationCode: newVerificationCode(),
      issuedAt: new Date().toISOString(),
    };
    await manager.query(
      `INSERT INTO receipts (number, year, seq, payment_id, donor_id, verification_code, payload, signature, key_id, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'issued')`,
      [
        payload.number,
        year,
        seq,
        paymentId,
        payload.donorId,
        payload.verificationCode,
        JSON.stringify(payload),
        signReceipt(payload, this.key.privateKey),
        this.key.keyId,
      ],
    );
    return payload;
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
