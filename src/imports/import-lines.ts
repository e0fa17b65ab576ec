import { QueryFailedError, type DataSource } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import { type Actor, SYSTEM_ACTOR } from '#src/auth/actor.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  IdempotencyService,
  type IdempotentOutcome,
  requestFingerprint,
} from '#src/common/http/idempotency.service.js';
import type { AppConfig } from '#src/config/config.js';
import { boundedRun } from '#src/imports/bounded-run.js';
import type { CsvShape, ImportLine } from '#src/imports/import-csv.js';
import { JournalService } from '#src/ledger/journal.service.js';
import { PaymentBatchWriter } from '#src/imports/payment-batches.js';
import { PledgesService } from '#src/pledges/pledges.service.js';
import { RatesService } from '#src/rates/rates.service.js';
import { ReceiptsService } from '#src/receipts/receipts.service.js';

/** The services an import writes through: the API's own, so every rule applies unchanged. */
export interface ImportServices {
  pledges: PledgesService;
  /** Payments a batch per transaction, through the same rules (decision 0014, "Batches"). */
  paymentBatches: PaymentBatchWriter;
}

/**
 * Wires the services as the application module does, outside Nest: the command line needs no
 * HTTP stack. The receipts service loads its signing key here, as Nest would on module start.
 */
export async function buildImportServices(
  dataSource: DataSource,
  config: AppConfig,
): Promise<ImportServices> {
  const audit = new AuditService();
  const idempotency = new IdempotencyService(dataSource);
  const journal = new JournalService(dataSource);
  const rates = new RatesService(dataSource, audit);
  const receipts = new ReceiptsService(dataSource, config);
  await receipts.onModuleInit();
  return {
    paymentBatches: new PaymentBatchWriter(dataSource, receipts, config),
    pledges: new PledgesService(dataSource, idempotency, journal, rates, audit, config),
  };
}

/** What became of one line. */
export type LineOutcome =
  | {
      line: number;
      idempotencyKey: string;
      outcome: 'imported' | 'replayed';
      id: string;
      receiptNumber: string | null;
    }
  | { line: number; idempotencyKey: string; outcome: 'failed'; code: string; message: string };

/** A service's create method, as payments and pledges both have it. */
type CreateLine<T> = (
  input: T,
  actor: Actor,
  fingerprint: string,
) => Promise<IdempotentOutcome<{ id: string; receiptNumber?: string }>>;

/**
 * Imports each line in its own transaction through `create`. The actor is the system with the
 * line's idempotency key, so a line already imported replays instead of writing again, and its
 * audit event carries the key and the run's id (as its request id) for the auditors.
 */
export async function importLines<T extends object>(
  lines: readonly ImportLine<T>[],
  shape: CsvShape<T>,
  create: CreateLine<T>,
  options: { concurrency: number; requestId: string; onLine?: (outcome: LineOutcome) => void },
): Promise<{ outcomes: (LineOutcome | undefined)[]; fatal: { error: unknown } | null }> {
  const requestId = options.requestId;
  const { results, fatal } = await boundedRun(lines, {
    concurrency: options.concurrency,
    orderKey: (line) => shape.orderKey(line.input),
    work: async (line): Promise<LineOutcome> => {
      const actor: Actor = { ...SYSTEM_ACTOR, requestId, idempotencyKey: line.idempotencyKey };
      const fingerprint = requestFingerprint('POST', shape.path, line.body);
      try {
        const result = await withRetry(() => create(line.input, actor, fingerprint));
        return {
          line: line.line,
          idempotencyKey: line.idempotencyKey,
          outcome: result.replayed ? 'replayed' : 'imported',
          id: result.body.id,
          receiptNumber: result.body.receiptNumber ?? null,
        };
      } catch (error) {
        const refusal = asRefusal(error);
        if (refusal === null) throw error;
        return {
          line: line.line,
          idempotencyKey: line.idempotencyKey,
          outcome: 'failed',
          ...refusal,
        };
      }
    },
    onSettled: (_line, outcome) => options.onLine?.(outcome),
  });
  return { outcomes: results, fatal };
}

/**
 * Records the run as an audit event (its request id is the one every line's event carries) in a
 * transaction that commits synchronously. The lines may have committed asynchronously, but
 * PostgreSQL writes and flushes its WAL in order: when this commit returns, every line committed
 * before it is on disk too (and on the synchronous standbys, if any), so a crash cannot lose a
 * line that the summary reports.
 */
export async function recordImportRun(
  dataSource: DataSource,
  kind: string,
  requestId: string,
  completed: boolean,
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query('SET LOCAL synchronous_commit = on');
    await new AuditService().record(
      manager,
      { ...SYSTEM_ACTOR, requestId },
      {
        action: completed ? 'import.completed' : 'import.stopped',
        resourceType: 'import',
        resourceId: kind,
      },
    );
  });
}

/** SQLSTATEs of a transaction that PostgreSQL chose to abort and that succeeds when re-run. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const ATTEMPTS = 3;

export async function withRetry<R>(attempt: () => Promise<R>): Promise<R> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= ATTEMPTS || !RETRYABLE_SQLSTATES.has(sqlState(error) ?? '')) throw error;
    }
  }
}

/**
 * The line's own refusal (a rule of the domain, or a rule the database enforces on the data), or
 * null for a failure that is not the line's fault and stops the run.
 */
export function asRefusal(error: unknown): { code: string; message: string } | null {
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  if (!(error instanceof QueryFailedError)) return null;
  const state = sqlState(error) ?? '';
  if (state === '23505') return { code: ErrorCode.CONFLICT, message: error.message };
  if (state.startsWith('23') || state.startsWith('22'))
    return { code: ErrorCode.CONSTRAINT_VIOLATION, message: error.message };
  return null;
}

function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}
