import 'reflect-metadata';
import { createApp } from '#src/app.factory.js';
import { ConfigError, loadConfig } from '#src/config/config.js';
import { DataDirLockedError } from '#src/database/data-dir-lock.js';

/** Starts the API. Configuration and lock errors end the process with a readable message. */
async function main(): Promise<void> {
  const config = loadConfig();
  const running = await createApp(config);
  await running.app.listen(config.port);
  const base = (await running.app.getUrl())
    .replace('[::1]', 'localhost')
    .replace('127.0.0.1', 'localhost');
  const lines = [
    `UNFSSC Contribution Ledger listening on ${base}`,
    `  database: ${running.embedded ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL from DATABASE_URL'}`,
    `  API docs: ${base}/docs   OpenAPI: ${base}/openapi.json   health: ${base}/health/ready`,
  ];
  if (running.bootstrapKey) {
    // Printed once, to the terminal only (never through the logger): this is the first start
    // of an empty database and nobody could call the API without a key.
    lines.push(
      '',
      '  First start: an admin API key was created. It is shown only this once; store it now.',
      `  Admin API key: ${running.bootstrapKey.key}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `The API could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
