import { resolve } from 'node:path';

/**
 * The one typed view of the environment. Only this folder reads `process.env`: every other
 * module receives an `AppConfig`, so tests can build one without touching global state.
 */
export interface AppConfig {
  readonly port: number;
  /** A PostgreSQL URL, or null for the embedded PGlite database under `dataDir`. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** Decimal strings: rates are parsed into Decimal where they are used, never into a number. */
  readonly pscRate: string;
  readonly operatingReserveRate: string;
  /** PEM-encoded Ed25519 private key, or null to use (or create) one in the data directory. */
  readonly receiptSigningKey: string | null;
  readonly logLevel: LogLevel;
  /** Maximum accepted request body, in bytes. */
  readonly bodyLimitBytes: number;
  /** How long a query may run before PostgreSQL cancels it. */
  readonly statementTimeoutMs: number;
  /** Connections each API process keeps to a real PostgreSQL server. */
  readonly databasePoolSize: number;
  /**
   * The grouping whose members (at a date) are developing countries for travel support, besides
   * China and every LDC: `g77` by default; another grouping's rows can be loaded and named here.
   */
  readonly developingGrouping: string;
  readonly nodeEnv: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const RATE_PATTERN = /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates every variable and reports all that are wrong at once, so an operator fixes a
 * deployment in one pass instead of one restart per mistake.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === null) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const rate = (name: string, fallback: string): string => {
    const raw = text(name) ?? fallback;
    if (!RATE_PATTERN.test(raw)) {
      problems.push(`${name} must be a decimal from 0 to 1 with at most 6 decimals (got "${raw}")`);
    }
    return raw;
  };

  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const logLevel = (text('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const receiptSigningKey = text('RECEIPT_SIGNING_KEY')?.replace(/\\n/g, '\n') ?? null;
  if (receiptSigningKey !== null && !receiptSigningKey.includes('PRIVATE KEY')) {
    problems.push('RECEIPT_SIGNING_KEY must be a PEM-encoded Ed25519 private key');
  }

  const config: AppConfig = {
    port: integer('PORT', 3000, 0, 65535),
    databaseUrl,
    dataDir: resolve(text('DATA_DIR') ?? './data'),
    pscRate: rate('PSC_RATE', '0.08'),
    operatingReserveRate: rate('OPERATING_RESERVE_RATE', '0'),
    receiptSigningKey,
    logLevel,
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 1_048_576, 1024, 50 * 1_048_576),
    statementTimeoutMs: integer('STATEMENT_TIMEOUT_MS', 15_000, 100, 600_000),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 200),
    developingGrouping: text('DEVELOPING_GROUPING') ?? 'g77',
    nodeEnv: text('NODE_ENV') ?? 'development',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
