import { DataSource } from 'typeorm';
import { loadConfig } from '#src/config/config.js';
import { buildDataSourceOptions } from '#src/database/database-options.js';

/**
 * The data source used by the TypeORM command line (`migration:generate`, `migration:run`,
 * the drift check). It needs a real PostgreSQL server in DATABASE_URL.
 */
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('The TypeORM command line needs DATABASE_URL pointing at a PostgreSQL server.');
}
export default new DataSource(
  buildDataSourceOptions(config, { url: config.databaseUrl, embedded: false }),
);
