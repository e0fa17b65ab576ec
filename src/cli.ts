import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR } from '#src/auth/actor.js';
import { ApiKeysService } from '#src/auth/api-keys.service.js';
import { ROLES, type Role } from '#src/auth/role.js';
import { AuditService } from '#src/audit/audit.service.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ConfigError, loadConfig } from '#src/config/config.js';
import { DataDirLockedError } from '#src/database/data-dir-lock.js';
import { buildDataSourceOptions } from '#src/database/database-options.js';
import { EmbeddedPostgres } from '#src/database/embedded-postgres.js';
import { runMigrations } from '#src/database/migrate.js';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  api-keys create --role <${ROLES.join('|')}> --name <name> [--donor-id <uuid>]
      Creates an API key and prints it as the last line of the output.

The command uses DATABASE_URL, or the embedded database in DATA_DIR (./data) when it is unset.
The embedded database can be opened by one process at a time: stop the API first, or create
keys through POST /v1/api-keys with an admin key.`;

/** Opens the configured database, runs `work`, and closes everything whatever happens. */
async function withDataSource<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? null
    : await EmbeddedPostgres.start(config.dataDir, 'command line');
  const target = embedded
    ? { url: embedded.url, embedded: true }
    : { url: config.databaseUrl!, embedded: false };
  const dataSource = new DataSource(buildDataSourceOptions(config, target));
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
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, name: { type: 'string' }, 'donor-id': { type: 'string' } },
    strict: true,
  });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role) || !values.name?.trim()) {
    throw new UsageError('api-keys create needs --role and --name.');
  }
  const created = await withDataSource((dataSource) =>
    new ApiKeysService(dataSource, new AuditService()).create(
      { name: values.name!, role, donorId: values['donor-id'] ?? null },
      SYSTEM_ACTOR,
    ),
  );
  process.stdout.write(
    `Created ${created.role} key "${created.name}" (id ${created.id}). It is shown only once:\n`,
  );
  process.stdout.write(`${created.key}\n`);
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [group, command, ...rest] = argv;
  if (group === 'api-keys' && command === 'create') return createApiKey(rest);
  throw new UsageError(
    group ? `Unknown command: ${[group, command].filter(Boolean).join(' ')}` : 'No command given.',
  );
}

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
