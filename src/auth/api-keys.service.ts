import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { generateApiKey, parseApiKey, secretMatches } from '#src/auth/api-key-secret.js';
import { ApiKey } from '#src/auth/api-key.entity.js';
import {
  failedAuthBucket,
  failedAuthLimitError,
  FIND_KEY_SQL,
  RateLimits,
} from '#src/auth/rate-limits.js';
import type { Role } from '#src/auth/role.js';
import { bindNamed } from '#src/database/named-sql.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import { Donor } from '#src/donors/donor.entity.js';

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  donorId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The secret, shown once: only its digest is stored. */
  key: string;
}

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  donorId?: string | null;
}

/** The key behind a request, as the guard needs it. */
interface AuthenticatedKey {
  id: string;
  role: Role;
  donorId: string | null;
}

interface KeyLookupRow {
  id: string | null;
  role: Role | null;
  donor_id: string | null;
  secret_hash: Buffer | null;
  revoked_at: Date | null;
  failures: number;
  retry_after: number;
}

/** Advisory lock id that serialises the creation of the bootstrap key across processes. */
const BOOTSTRAP_LOCK_ID = 7_400_001;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly rateLimits: RateLimits,
  ) {}

  /**
   * Creates a key and returns its secret once.
   * Raises VALIDATION_FAILED (donorId missing for a donor key, or given for another role) and
   * NOT_FOUND (unknown donor).
   */
  async create(input: CreateApiKeyInput, actor: Actor): Promise<CreatedApiKey> {
    return this.dataSource.transaction((manager) => this.createWith(manager, input, actor));
  }

  /**
   * On the very first start of an empty database, creates one admin key so that the embedded
   * default is usable without the command line. The advisory lock makes two processes starting
   * together create one key, not two. Returns null when any key already exists.
   */
  async createBootstrapKey(actor: Actor): Promise<CreatedApiKey | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
      const [{ exists }] = (await manager.query(
        'SELECT EXISTS (SELECT 1 FROM api_keys) AS "exists"',
      )) as [{ exists: boolean }];
      if (exists) return null;
      return this.createWith(manager, { name: 'bootstrap-admin', role: 'admin' }, actor);
    });
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyView>> {
    // The cursor is the last id seen; comparing against that row's own timestamp keeps the
    // order exact to the microsecond, which an ISO string in the cursor would not.
    const afterId = decodeCursor(cursor, UUID_PATTERN);
    const query = this.dataSource
      .getRepository(ApiKey)
      .createQueryBuilder('k')
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC')
      .limit(limit + 1);
    if (afterId) {
      query.where(
        '(k.created_at, k.id) > (SELECT a.created_at, a.id FROM api_keys a WHERE a.id = :afterId)',
        { afterId },
      );
    }
    const rows = await query.getMany();
    return toPage(rows, limit, toView, (row) => row.id);
  }

  /**
   * Revokes a key at once; revoking a revoked key answers it unchanged.
   * Raises NOT_FOUND.
   */
  async revoke(id: string, actor: Actor): Promise<ApiKeyView> {
    return this.dataSource.transaction(async (manager) => {
      const key = await manager.findOne(ApiKey, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!key) throw DomainError.notFound('API key', id);
      if (key.revokedAt === null) {
        key.revokedAt = new Date();
        await manager.update(ApiKey, { id }, { revokedAt: key.revokedAt });
        await this.audit.record(manager, actor, {
          action: 'api_key.revoked',
          resourceType: 'api_key',
          resourceId: id,
        });
      }
      return toView(key);
    });
  }

  /**
   * The key a bearer token names, or null when it is unknown, revoked or malformed; the failure
   * is counted against `address`. Once the address has used up its failed authentications of the
   * minute, a failure raises TOO_MANY_REQUESTS instead (decision 0018: a valid key is still
   * served, so that nobody can lock a shared address out). One statement reads both the key and
   * the address's failures, so a good key costs no extra round trip.
   */
  async authenticate(token: string, address: string): Promise<AuthenticatedKey | null> {
    const parsed = parseApiKey(token);
    const [row] = (await this.dataSource.query(
      FIND_KEY_SQL.text,
      bindNamed(FIND_KEY_SQL, {
        prefix: parsed?.prefix ?? null,
        bucket: failedAuthBucket(address),
      }),
    )) as KeyLookupRow[];
    const valid =
      parsed !== null &&
      row.id !== null &&
      row.revoked_at === null &&
      secretMatches(parsed.secret, row.secret_hash!);
    if (valid) return { id: row.id!, role: row.role!, donorId: row.donor_id };
    const limit = this.rateLimits.failedAuthPerMinute;
    if (limit > 0 && row.failures >= limit) throw failedAuthLimitError(row.retry_after);
    await this.rateLimits.countFailedAuthentication(address);
    return null;
  }

  private async createWith(
    manager: EntityManager,
    input: CreateApiKeyInput,
    actor: Actor,
  ): Promise<CreatedApiKey> {
    const donorId = input.donorId ?? null;
    if (input.role === 'donor' && donorId === null) {
      throw DomainError.validation([{ field: 'donorId', message: 'is required for a donor key' }]);
    }
    if (input.role !== 'donor' && donorId !== null) {
      throw DomainError.validation([
        { field: 'donorId', message: 'is allowed only for a donor key' },
      ]);
    }
    if (donorId !== null && !(await manager.exists(Donor, { where: { id: donorId } }))) {
      throw DomainError.notFound('Donor', donorId);
    }
    const generated = generateApiKey();
    const saved = await manager.save(
      manager.create(ApiKey, {
        name: input.name.trim(),
        role: input.role,
        donorId,
        prefix: generated.prefix,
        secretHash: generated.secretHash,
        revokedAt: null,
      }),
    );
    await this.audit.record(manager, actor, {
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: saved.id,
    });
    return { ...toView(saved), key: generated.key };
  }
}

function toView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    donorId: key.donorId,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
