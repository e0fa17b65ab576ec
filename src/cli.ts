import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Logger, type LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '#src/auth/actor.js';
import { ApiKeysService } from '#src/auth/api-keys.service.js';
import { ROLES, type Role } from '#src/auth/role.js';
import { AuditService } from '#src/audit/audit.service.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { RateLimits } from '#src/auth/rate-limits.js';
import { ConfigError, loadConfig } from '#src/config/config.js';
import { DataDirLockedError } from '#src/database/data-dir-lock.js';
import { buildDataSourceOptions } from '#src/database/database-options.js';
import { EmbeddedPostgres } from '#src/database/embedded-postgres.js';
import { runMigrations } from '#src/database/migrate.js';
import { IMPORT_KINDS, type ImportKind, runImport } from '#src/imports/import.command.js';

/** The number of lines in flight when --concurrency is not given; see decision 0014. */
const DEFAULT_IMPORT_CONCURRENCY = 4;

const USAGE = `Usage: npm run cli -- <command>

Commands:
  api-keys create --role <${ROLES.join('|')}> --name <name> [--donor-id <uuid>]
      Creates an API key and prints it as the last line of the output.

  import <${IMPORT_KINDS.join('|')}> FILE.csv [--concurrency <1-64>] [--out RESULTS.csv]
      Imports a CSV file with a header row; empty cells are absent fields.
        payments: donorId,pledgeId,currency,amount,receivedOn,earmark,bankReference,idempotencyKey
        pledges:  donorId,currency,amount,earmark,status,pledgedOn,confirmedOn,reference,idempotencyKey
                  (instalments cannot be given in CSV: use POST /v1/pledges for those)
        rates:    currency,effectiveOn,rate (all or nothing, as POST /v1/rates/import)
      Payments and pledges: every line is checked first, and a file with any bad line is refused
      whole (each bad line named). Then each line is its own transaction through the same rules
      as the API; a line without an idempotencyKey gets one derived from its content, so running
      the same file again replays what was imported and imports only the rest. --out writes each
      line's outcome, id and receipt number. Payments are written in batches, in file order;
      --concurrency: pledges in flight on PostgreSQL (default ${DEFAULT_IMPORT_CONCURRENCY}).
      A progress bar is drawn on a terminal's stderr.
      The last line is: imported N, replayed M, failed K in T s (R lines/s).
      Exit code 0: all imported or replayed; 1: some lines failed (listed by line number and
      problem code); 2: usage error or invalid file (nothing written).

The commands use DATABASE_URL, or the embedded database in DATA_DIR (./data) when it is unset.
The embedded database can be opened by one process at a time: stop the API first, or create
keys through POST /v1/api-keys with an admin key.`;

/**
 * Opens the configured database, runs `work`, and closes everything whatever happens. With
 * `asynchronousCommit`, the sessions of a PostgreSQL server commit without waiting for the WAL
 * flush; the caller must end with a synchronous commit before it reports anything as done
 * (decision 0014). PGlite, in process, is left as it is.
 */
async function withDataSource<T>(
  work: (dataSource: DataSource) => Promise<T>,
  options: { asynchronousCommit?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? null
    : await EmbeddedPostgres.start(config.dataDir, 'command line');
  const target = embedded
    ? { url: embedded.url, embedded: true }
    : { url: config.databaseUrl!, embedded: false };
  const dataSourceOptions = buildDataSourceOptions(config, target);
  const dataSource = new DataSource(
    options.asynchronousCommit && !target.embedded
      ? {
          ...dataSourceOptions,
          extra: { ...dataSourceOptions.extra, options: '-c synchronous_commit=off' },
        }
      : dataSourceOptions,
  );
  try {
    await dataSource.initialize();
    await runMigrations(dataSource, target.embedded);
    return await work(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

async function createApiKey(args: string[]): Promise<void> {
  const { values } = parseOptions({
    args,
    options: { role: { type: 'string' }, name: { type: 'string' }, 'donor-id': { type: 'string' } },
    strict: true,
  });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role) || !values.name?.trim()) {
    throw new UsageError('api-keys create needs --role and --name.');
  }
  const created = await withDataSource((dataSource) =>
    new ApiKeysService(
      dataSource,
      new AuditService(),
      new RateLimits(dataSource, loadConfig()),
    ).create({ name: values.name!, role, donorId: values['donor-id'] ?? null }, SYSTEM_ACTOR),
  );
  process.stdout.write(
    `Created ${created.role} key "${created.name}" (id ${created.id}). It is shown only once:\n`,
  );
  process.stdout.write(`${created.key}\n`);
}

async function importFile(args: string[]): Promise<void> {
  const { values, positionals } = parseOptions({
    args,
    options: { concurrency: { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [kind, file, ...extra] = positionals;
  if (!IMPORT_KINDS.includes(kind as ImportKind) || !file || extra.length > 0) {
    throw new UsageError(`import needs one of ${IMPORT_KINDS.join(', ')} and one file.`);
  }
  const concurrency = Number(values.concurrency ?? DEFAULT_IMPORT_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError('--concurrency must be a whole number from 1 to 64.');
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const config = loadConfig();
  process.exitCode = await runImport(
    {
      kind: kind as ImportKind,
      text,
      // PGlite serves one connection: more lines in flight would only queue for it.
      concurrency: config.databaseUrl ? concurrency : 1,
      outFile: values.out ?? null,
    },
    {
      withDataSource: (work, asynchronousCommit) => withDataSource(work, { asynchronousCommit }),
      config,
      print: (line) => process.stdout.write(`${line}\n`),
      progress: process.stderr,
    },
  );
}

class UsageError extends Error {}

/** parseArgs, with an unknown or malformed option reported as a usage error (exit code 2). */
function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

async function main(argv: string[]): Promise<void> {
  const [group, command, ...rest] = argv;
  if (group === 'api-keys' && command === 'create') return createApiKey(rest);
  if (group === 'import') return importFile(argv.slice(1));
  throw new UsageError(
    group ? `Unknown command: ${[group, command].filter(Boolean).join(' ')}` : 'No command given.',
  );
}

/**
 * Nest's default logger writes to standard output, which is the command's own report (a key, an
 * import's lines and summary). The few messages of the services it runs, such as the creation of
 * the receipt signing key, go to standard error instead.
 */
const stderrLogger: LoggerService = {
  log: (message: unknown, context?: unknown) => writeLog('log', message, context),
  warn: (message: unknown, context?: unknown) => writeLog('warn', message, context),
  error: (message: unknown, context?: unknown) => writeLog('error', message, context),
};

function writeLog(level: string, message: unknown, context: unknown): void {
  const from = typeof context === 'string' ? `[${context}] ` : '';
  process.stderr.write(`${level}: ${from}${String(message)}\n`);
}

Logger.overrideLogger(stderrLogger);

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (
    error instanceof DataDirLockedError ||
    error instanceof ConfigError ||
    error instanceof DomainError
  ) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `The command failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
