import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor } from '#src/auth/actor.js';
import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { bindNamed, namedSql } from '#src/database/named-sql.js';

export interface HttpOutcome<T> {
  status: number;
  body: T;
}

/**
 * Where a write's answer is kept for replays: the API key's scope and the key. A write that sends
 * its last statement with the answer in it (the payment) stores it there itself and says so with
 * `stored`; otherwise `execute` stores it after the write.
 */
export interface OutcomeSlot {
  scope: string;
  key: string;
}

export interface StoredOutcome<T> extends HttpOutcome<T> {
  stored?: boolean;
}

/** Stores the answer in its slot; `:scope` null (no key) matches no row. */
export const STORE_OUTCOME_SQL =
  'UPDATE idempotency_keys SET status_code = :statusCode, response_body = :responseBody WHERE api_key_id = :scope AND key = :key';

/** Claims the key `$2` of API key `$1` for the request fingerprinted `$3`; no row when taken. */
export const CLAIM_KEY_SQL = `INSERT INTO idempotency_keys (api_key_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (api_key_id, key) DO NOTHING RETURNING key`;

/** The fingerprint and stored answer of the request that claimed the key `$2` of API key `$1`. */
export const EARLIER_OUTCOME_SQL =
  'SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE api_key_id = $1 AND key = $2';

/** The message of IDEMPOTENCY_KEY_REUSED, the API's and the bulk import's. */
export const IDEMPOTENCY_KEY_REUSED_MESSAGE =
  'This Idempotency-Key was already used with a different request; use a new key for a new request.';

export interface IdempotentOutcome<T> extends HttpOutcome<T> {
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

/**
 * Where the keys of the command line (the system actor, which has no API key) are kept: the nil
 * UUID, which no API key can have (their ids are random version-4 UUIDs), so that a key given to
 * `import` can never replay, or be refused because of, a request sent through the API.
 */
export const SYSTEM_IDEMPOTENCY_SCOPE = '00000000-0000-0000-0000-000000000000';

/** The API key whose keys `actor`'s key is compared with, or null when keys do not apply. */
function scopeOf(actor: Actor): string | null {
  if (actor.idempotencyKey === null) return null;
  if (actor.apiKeyId !== null) return actor.apiKeyId;
  return actor.role === 'system' ? SYSTEM_IDEMPOTENCY_SCOPE : null;
}

const STORE_OUTCOME = namedSql<keyof ReturnType<typeof outcomeValues>>(STORE_OUTCOME_SQL);

/** The values of STORE_OUTCOME_SQL's parameters. */
export function outcomeValues(slot: OutcomeSlot | null, outcome: HttpOutcome<unknown>) {
  return {
    scope: slot?.scope ?? null,
    key: slot?.key ?? null,
    statusCode: outcome.status,
    responseBody: JSON.stringify(outcome.body),
  };
}

/** The request's fingerprint: what it asks for, independent of JSON key order or spacing. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return sha256Hex(`${method} ${path}\n${canonicalJson(body ?? null)}`);
}

/**
 * Raises VALIDATION_FAILED when a required key is missing or a given key is not 1–200 printable
 * characters. Returns the key, or null when it is optional and absent.
 */
export function checkIdempotencyKey(value: unknown, required: boolean): string | null {
  if (value === undefined || value === '') {
    if (!required) return null;
    throw DomainError.validation([
      { field: 'Idempotency-Key', message: 'header is required for this operation' },
    ]);
  }
  if (typeof value !== 'string' || !KEY_PATTERN.test(value)) {
    throw DomainError.validation([
      { field: 'Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters' },
    ]);
  }
  return value;
}

/**
 * Runs a write in one transaction together with its idempotency key. The key row is inserted
 * first: a concurrent request with the same key waits on it, then finds the committed answer
 * and replays it. A write that fails rolls back its key too, so a retry runs again.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly dataSource: DataSource) {}

  /** Raises IDEMPOTENCY_KEY_REUSED when the key was used with a different request. */
  async execute<T>(
    actor: Actor,
    fingerprint: string,
    work: (manager: EntityManager, slot: OutcomeSlot | null) => Promise<StoredOutcome<T>>,
  ): Promise<IdempotentOutcome<T>> {
    const key = actor.idempotencyKey;
    const scope = scopeOf(actor);
    const slot = key !== null && scope !== null ? { scope, key } : null;
    return this.dataSource.transaction(async (manager) => {
      if (slot) {
        const earlier = await this.claim(manager, slot.scope, slot.key, fingerprint);
        if (earlier) return earlier as IdempotentOutcome<T>;
      }
      const { stored, ...outcome } = await work(manager, slot);
      if (slot && !stored) {
        await manager.query(
          STORE_OUTCOME.text,
          bindNamed(STORE_OUTCOME, outcomeValues(slot, outcome)),
        );
      }
      return { ...outcome, replayed: false };
    });
  }

  private async claim(
    manager: EntityManager,
    apiKeyId: string,
    key: string,
    fingerprint: string,
  ): Promise<IdempotentOutcome<unknown> | null> {
    const inserted = (await manager.query(CLAIM_KEY_SQL, [
      apiKeyId,
      key,
      fingerprint,
    ])) as unknown[];
    if (inserted.length > 0) return null;
    const [row] = (await manager.query(EARLIER_OUTCOME_SQL, [apiKeyId, key])) as {
      request_hash: string;
      status_code: number;
      response_body: string;
    }[];
    if (row.request_hash !== fingerprint) {
      throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_REUSED_MESSAGE);
    }
    return {
      status: row.status_code,
      body: JSON.parse(row.response_body) as unknown,
      replayed: true,
    };
  }
}
