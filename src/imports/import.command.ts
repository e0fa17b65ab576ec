import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { stringify } from 'csv-stringify/sync';
import type { DataSource } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import { SYSTEM_ACTOR } from '#src/auth/actor.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import type { AppConfig } from '#src/config/config.js';
import {
  checkCsv,
  type CsvShape,
  formatProblem,
  type ImportLine,
  PAYMENTS_CSV,
  PLEDGES_CSV,
} from '#src/imports/import-csv.js';
import {
  buildImportServices,
  importLines,
  type ImportServices,
  type LineOutcome,
  recordImportRun,
} from '#src/imports/import-lines.js';
import { ImportProgress, type ProgressStream } from '#src/imports/import-progress.js';
import { importPaymentBatches } from '#src/imports/payment-batches.js';
import { RatesService } from '#src/rates/rates.service.js';

export const IMPORT_KINDS = ['payments', 'pledges', 'rates'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** The exit codes of `import`, which scripts rely on. */
export const ImportExit = {
  /** Every line imported, or replayed from an earlier run. */
  OK: 0,
  /** Some lines were refused by a rule of the ledger (or the run stopped); the rest were imported. */
  SOME_FAILED: 1,
  /** The file is malformed or has invalid lines: nothing was written. */
  INVALID: 2,
} as const;

export interface ImportRequest {
  kind: ImportKind;
  /** The file's text, as read. */
  text: string;
  concurrency: number;
  /** Where to write one CSV row per line (its outcome, id and receipt number), if anywhere. */
  outFile: string | null;
}

export interface ImportIo {
  /**
   * Opens the configured database for the duration of `work`; with `asynchronousCommit`, its
   * sessions commit without waiting for the WAL flush (see `recordImportRun`).
   */
  withDataSource<T>(
    work: (dataSource: DataSource) => Promise<T>,
    asynchronousCommit: boolean,
  ): Promise<T>;
  config: AppConfig;
  /** The report: one line per problem, then the summary, always last. */
  print(line: string): void;
  /** Where the progress bar goes (standard error); drawn only when it is a terminal. */
  progress: ProgressStream;
}

interface Tally {
  imported: number;
  replayed: number;
  failed: number;
  seconds: number;
}

/**
 * `import payments|pledges|rates FILE`. Payments and pledges are checked completely before the
 * database is opened, then imported a line per transaction through the API's services, resumably
 * (see docs/decisions/0014-bulk-import.md). Rates go through the rates CSV import of the API,
 * all or nothing. Returns the exit code.
 */
export async function runImport(request: ImportRequest, io: ImportIo): Promise<number> {
  if (request.kind === 'rates') return importRates(request, io);
  return request.kind === 'payments'
    ? importFile(request, io, PAYMENTS_CSV, (services, lines, options) =>
        importPaymentBatches(lines, PAYMENTS_CSV, services.paymentBatches, {
          ...options,
          batchSize: PAYMENT_BATCH_SIZE,
        }),
      )
    : importFile(request, io, PLEDGES_CSV, (services, lines, options) =>
        importLines(
          lines,
          PLEDGES_CSV,
          (input, actor, fingerprint) => services.pledges.create(input, actor, fingerprint),
          { ...options, concurrency: request.concurrency },
        ),
      );
}

/**
 * Payments per transaction in the bulk import: the counter and head locks are held while a batch
 * is written (some tens of milliseconds at this size), so API writes wait at most that long.
 */
const PAYMENT_BATCH_SIZE = 250;

type RunLines<T> = (
  services: ImportServices,
  lines: readonly ImportLine<T>[],
  options: { requestId: string; onLine: () => void },
) => Promise<{ outcomes: (LineOutcome | undefined)[]; fatal: { error: unknown } | null }>;

async function importFile<T extends object>(
  request: ImportRequest,
  io: ImportIo,
  shape: CsvShape<T>,
  runLines: RunLines<T>,
): Promise<number> {
  const checkStarted = performance.now();
  const checked = await checkCsv(request.text, shape);
  if (!checked.ok) {
    checked.problems.forEach((problem) => io.print(formatProblem(problem)));
    const badLines = new Set(checked.problems.map((problem) => problem.line)).size;
    io.print(`The file was refused: ${badLines} bad line(s); nothing was written.`);
    io.print(summary({ imported: 0, replayed: 0, failed: badLines, seconds: since(checkStarted) }));
    return ImportExit.INVALID;
  }
  const lines = checked.lines;
  return io.withDataSource(async (dataSource) => {
    const services = await buildImportServices(dataSource, io.config);
    const requestId = `import-${randomUUID()}`;
    const progress = new ImportProgress(io.progress, shape.kind, lines.length);
    const started = performance.now();
    const { outcomes, fatal } = await runLines(services, lines, {
      requestId,
      onLine: () => progress.tick(),
    });
    progress.finish();
    // Nothing is reported before it is durable: this commit waits for the WAL flush.
    const unconfirmed = await settleRun(dataSource, shape.kind, requestId, fatal === null);
    const tally = count(outcomes, since(started));
    for (const outcome of outcomes) {
      if (outcome?.outcome === 'failed')
        io.print(`line ${outcome.line}: ${outcome.code}: ${outcome.message}`);
    }
    if (request.outFile !== null) writeOutcomes(request.outFile, lines, outcomes);
    if (fatal !== null) {
      const notRun = outcomes.filter((outcome) => outcome === undefined).length;
      io.print(
        `The import stopped: ${describe(fatal.error)}. ${notRun} line(s) were not attempted` +
          (unconfirmed
            ? `, and the lines before could not be confirmed durable (${unconfirmed})`
            : '') +
          '; run the same file again to go on (lines already imported are replayed).',
      );
    }
    io.print(summary(tally));
    return tally.failed > 0 || fatal !== null ? ImportExit.SOME_FAILED : ImportExit.OK;
  }, true);
}

/**
 * Records the run's end with a synchronous commit (see `recordImportRun`). After a run that
 * stopped, the database may be the reason, so a failure here is answered, not thrown.
 */
async function settleRun(
  dataSource: DataSource,
  kind: string,
  requestId: string,
  completed: boolean,
): Promise<string | null> {
  try {
    await recordImportRun(dataSource, kind, requestId, completed);
    return null;
  } catch (error) {
    if (completed) throw error;
    return describe(error);
  }
}

/** Rates reuse the API's CSV import: one transaction, every bad line named, nothing half done. */
async function importRates(request: ImportRequest, io: ImportIo): Promise<number> {
  // One transaction of a few hundred rows gains nothing from committing asynchronously.
  return io.withDataSource(async (dataSource) => {
    const rates = new RatesService(dataSource, new AuditService());
    const started = performance.now();
    try {
      // The API's parser expects the header first; a spreadsheet's byte order mark is not data.
      const { imported } = await rates.importCsv(request.text.replace(/^\uFEFF/, ''), SYSTEM_ACTOR);
      io.print(summary({ imported, replayed: 0, failed: 0, seconds: since(started) }));
      return ImportExit.OK;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const problems = error.errors ?? [];
      if (error.code !== ErrorCode.VALIDATION_FAILED || problems.length === 0)
        io.print(`${error.code}: ${error.message}`);
      problems.forEach((problem) => io.print(`${problem.field}: ${problem.message}`));
      io.print('The file was refused; nothing was written.');
      io.print(
        summary({ imported: 0, replayed: 0, failed: problems.length, seconds: since(started) }),
      );
      return error.code === ErrorCode.VALIDATION_FAILED
        ? ImportExit.INVALID
        : ImportExit.SOME_FAILED;
    }
  }, false);
}

function count(outcomes: readonly (LineOutcome | undefined)[], seconds: number): Tally {
  const tally: Tally = { imported: 0, replayed: 0, failed: 0, seconds };
  for (const outcome of outcomes) if (outcome) tally[outcome.outcome] += 1;
  return tally;
}

/** The last line of every run: `imported N, replayed M, failed K in T s (R lines/s)`. */
export function summary(tally: Tally): string {
  const lines = tally.imported + tally.replayed + tally.failed;
  const rate = tally.seconds > 0 ? Math.round(lines / tally.seconds) : 0;
  return `imported ${tally.imported}, replayed ${tally.replayed}, failed ${tally.failed} in ${tally.seconds.toFixed(1)} s (${rate} lines/s)`;
}

function writeOutcomes(
  file: string,
  lines: readonly { line: number; idempotencyKey: string }[],
  outcomes: readonly (LineOutcome | undefined)[],
): void {
  const rows = lines.map((line, index) => {
    const outcome = outcomes[index];
    if (outcome === undefined)
      return [line.line, 'not_attempted', '', '', line.idempotencyKey, '', ''];
    return outcome.outcome === 'failed'
      ? [line.line, 'failed', '', '', line.idempotencyKey, outcome.code, outcome.message]
      : [
          line.line,
          outcome.outcome,
          outcome.id,
          outcome.receiptNumber ?? '',
          line.idempotencyKey,
          '',
          '',
        ];
  });
  writeFileSync(
    file,
    stringify(rows, {
      header: true,
      columns: ['line', 'outcome', 'id', 'receiptNumber', 'idempotencyKey', 'code', 'message'],
    }),
  );
}

function since(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
