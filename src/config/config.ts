import { resolve } from 'node:path';
import proxyAddr from 'proxy-addr';

/**
 * The one typed view of the environment. Only this folder reads `process.env`: every other
 * module receives an `AppConfig`, so tests can build one without touching global state.
 */
export interface AppConfig {
  readonly port: number;
  /** A PostgreSQL URL, or null for the embedded PGlite database under `dataDir`. */
  readonly databaseUrl: string | null;
  /**
   * Streaming replicas of `databaseUrl` that serve reports and other auditor reads (none by
   * default); docs/decisions/0017-read-replicas.md says which reads and why.
   */
  readonly databaseReplicaUrls: readonly string[];
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
   * How long a request may wait for a database connection, to open one or for a busy pool to
   * free one, before it answers 503 (docs/decisions/0016-database-outages.md).
   */
  readonly databaseConnectTimeoutMs: number;
  /**
   * The grouping whose members (at a date) are developing countries for travel support, besides
   * China and every LDC: `g77` by default; another grouping's rows can be loaded and named here.
   */
  readonly developingGrouping: string;
  /**
   * Four-eyes control (`FOUR_EYES=on`): a payment reversal or a pledge write-off asked for by one
   * finance key is only requested, and takes effect when a different finance key approves it.
   * Off by default, which keeps the contract of SPEC 6 and 7 (the change answers 200 at once).
   */
  readonly fourEyes: boolean;
  /**
   * Requests per minute and client address to `/v1/public/*`, and failed authentications per
   * minute and address before every keyed request from it is refused; 0 turns a limit off.
   * Counted in PostgreSQL, so the limits hold across every API process.
   */
  readonly publicRequestsPerMinute: number;
  readonly failedAuthPerMinute: number;
  /**
   * Express's `trust proxy`: which hops may name the client in X-Forwarded-For (false: none,
   * the socket's address is the client's). Behind a reverse proxy, set it, or every client
   * shares the proxy's rate limits.
   */
  readonly trustProxy: boolean | number | string;
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
  const databaseReplicaUrls = replicaUrls(text('DATABASE_REPLICA_URLS'), databaseUrl, problems);
  const logLevel = (text('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const fourEyes = text('FOUR_EYES') ?? 'off';
  if (fourEyes !== 'on' && fourEyes !== 'off') {
    problems.push(`FOUR_EYES must be on or off (got "${fourEyes}")`);
  }
  const receiptSigningKey = text('RECEIPT_SIGNING_KEY')?.replace(/\\n/g, '\n') ?? null;
  if (receiptSigningKey !== null && !receiptSigningKey.includes('PRIVATE KEY')) {
    problems.push('RECEIPT_SIGNING_KEY must be a PEM-encoded Ed25519 private key');
  }

  const config: AppConfig = {
    port: integer('PORT', 3000, 0, 65535),
    databaseUrl,
    databaseReplicaUrls,
    dataDir: resolve(text('DATA_DIR') ?? './data'),
    pscRate: rate('PSC_RATE', '0.08'),
    operatingReserveRate: rate('OPERATING_RESERVE_RATE', '0'),
    receiptSigningKey,
    logLevel,
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 1_048_576, 1024, 50 * 1_048_576),
    statementTimeoutMs: integer('STATEMENT_TIMEOUT_MS', 15_000, 100, 600_000),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 200),
    databaseConnectTimeoutMs: integer('DATABASE_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
    developingGrouping: text('DEVELOPING_GROUPING') ?? 'g77',
    fourEyes: fourEyes === 'on',
    publicRequestsPerMinute: integer('RATE_LIMIT_PUBLIC_PER_MINUTE', 600, 0, 1_000_000_000),
    failedAuthPerMinute: integer('RATE_LIMIT_FAILED_AUTH_PER_MINUTE', 100, 0, 1_000_000_000),
    trustProxy: trustProxy(text('TRUST_PROXY'), problems),
    nodeEnv: text('NODE_ENV') ?? 'development',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * DATABASE_REPLICA_URLS: comma-separated postgres:// URLs of streaming replicas of DATABASE_URL.
 * The embedded database has no replicas, so the list needs DATABASE_URL. A problem names the
 * item by position, never by value: a URL may carry a password.
 */
function replicaUrls(raw: string | null, databaseUrl: string | null, problems: string[]): string[] {
  if (raw === null) return [];
  if (databaseUrl === null) {
    problems.push(
      'DATABASE_REPLICA_URLS needs DATABASE_URL: the embedded database (no DATABASE_URL) has no replicas',
    );
    return [];
  }
  const urls = raw.split(',').map((url) => url.trim());
  urls.forEach((url, index) => {
    if (!/^postgres(ql)?:\/\/\S+$/.test(url)) {
      problems.push(
        `DATABASE_REPLICA_URLS item ${index + 1} must be a postgres:// or postgresql:// URL`,
      );
    }
  });
  return urls;
}

/**
 * TRUST_PROXY: `true`/`false`, a hop count, or addresses, subnets and proxy-addr's names
 * (`loopback`, `linklocal`, `uniquelocal`), comma-separated, as Express takes them. The list is
 * compiled here as Express will compile it: a word Express cannot read (`TRUE`, `yes`, a typo in
 * an address) would otherwise pass validation and stop the API at start with a bare TypeError.
 */
function trustProxy(raw: string | null, problems: string[]): boolean | number | string {
  if (raw === null || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  try {
    proxyAddr.compile(raw.split(',').map((item) => item.trim()));
    return raw;
  } catch {
    problems.push(
      `TRUST_PROXY must be true, false, a hop count, or comma-separated addresses, subnets, loopback, linklocal or uniquelocal (got "${raw}")`,
    );
    return false;
  }
}
