import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { RateLimitedError } from '#src/common/errors/domain-error.js';
import { bindNamed, namedSql } from '#src/database/named-sql.js';

/**
 * Rate limits counted in PostgreSQL, per client address and minute (a fixed window), so that
 * several API processes share one count: `rate_limit_hits` is an UNLOGGED table (a crash forgets
 * the counts of the current minute, which is harmless) that rows of past minutes leave by a
 * periodic purge. Counting never costs a round trip of its own on the paths that matter: a
 * public receipt's hit is counted in the statement that reads the receipt, and a key's lookup
 * reads its address's failures in the same statement (PUBLIC_RECEIPT_SQL, FIND_KEY_SQL).
 */
export const SECONDS_LEFT_IN_WINDOW = `ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int`;

/** One more hit for `:bucket` in the current minute; `hit.hits` is the count with it. */
export const COUNT_HIT_CTE = `
  hit AS (
    INSERT INTO rate_limit_hits (bucket, window_start, hits) VALUES (:bucket, date_trunc('minute', now()), 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
    RETURNING hits
  )`;

/** The key with this prefix (or none) and the failed authentications of the caller's address. */
export const FIND_KEY_SQL = namedSql<'prefix' | 'bucket'>(`
  SELECT k.id, k.role, k.donor_id, k.secret_hash, k.revoked_at, coalesce(f.hits, 0) AS failures,
         ${SECONDS_LEFT_IN_WINDOW} AS retry_after
    FROM (VALUES (1)) AS one (x)
    LEFT JOIN api_keys k ON k.prefix = :prefix
    LEFT JOIN rate_limit_hits f ON f.bucket = :bucket AND f.window_start = date_trunc('minute', now())`);

const COUNT_HIT_SQL = namedSql<'bucket'>(
  `WITH ${COUNT_HIT_CTE} SELECT hits, ${SECONDS_LEFT_IN_WINDOW} AS retry_after FROM hit`,
);

const PURGE_SQL = `DELETE FROM rate_limit_hits WHERE window_start < date_trunc('minute', now()) - interval '1 minute'`;

const PURGE_EVERY_MS = 60_000;

export const publicBucket = (address: string): string => `public:${address}`;
export const failedAuthBucket = (address: string): string => `auth:${address}`;

export function publicLimitError(retryAfterSeconds: number): RateLimitedError {
  return new RateLimitedError(
    'Too many requests to the public endpoints from this address; retry after the time in Retry-After.',
    retryAfterSeconds,
  );
}

export function failedAuthLimitError(retryAfterSeconds: number): RateLimitedError {
  return new RateLimitedError(
    'Too many failed authentications from this address; keys that fail are refused until the time in Retry-After.',
    retryAfterSeconds,
  );
}

@Injectable()
export class RateLimits implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RateLimits.name);
  private purgeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get publicPerMinute(): number {
    return this.config.publicRequestsPerMinute;
  }

  get failedAuthPerMinute(): number {
    return this.config.failedAuthPerMinute;
  }

  /** Counts a request to a public endpoint; raises TOO_MANY_REQUESTS over the limit. */
  async countPublicRequest(address: string): Promise<void> {
    if (this.publicPerMinute === 0) return;
    const { hits, retryAfter } = await this.countHit(publicBucket(address));
    if (hits > this.publicPerMinute) throw publicLimitError(retryAfter);
  }

  /**
   * Counts a failed authentication; raises TOO_MANY_REQUESTS when this failure is over the limit.
   * `authenticate` refuses a failure from an address that has reached its limit without counting
   * it, but concurrent requests all read the count before any of them adds to it; the increment
   * is atomic, so judging by its result keeps a burst to exactly the limit of 401s.
   */
  async countFailedAuthentication(address: string): Promise<void> {
    if (this.failedAuthPerMinute === 0) return;
    const { hits, retryAfter } = await this.countHit(failedAuthBucket(address));
    if (hits > this.failedAuthPerMinute) throw failedAuthLimitError(retryAfter);
  }

  onApplicationBootstrap(): void {
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  onApplicationShutdown(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
  }

  /** Every process purges; the DELETE is idempotent, so they need no coordination. */
  private async purge(): Promise<void> {
    try {
      await this.dataSource.query(PURGE_SQL);
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'rate limit purge failed; the next one retries');
    }
  }

  private async countHit(bucket: string): Promise<{ hits: number; retryAfter: number }> {
    const [row] = (await this.dataSource.query(
      COUNT_HIT_SQL.text,
      bindNamed(COUNT_HIT_SQL, { bucket }),
    )) as { hits: number; retry_after: number }[];
    return { hits: row.hits, retryAfter: row.retry_after };
  }
}
