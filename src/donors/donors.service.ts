import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { canSeeDonor } from '#src/auth/donor-scope.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import type { CreateDonorDto, DonorResponse } from '#src/donors/donor.dto.js';
import { Donor } from '#src/donors/donor.entity.js';

@Injectable()
export class DonorsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records a donor. Raises VALIDATION_FAILED (countryCode missing for a member_state),
   * UNKNOWN_COUNTRY and DONOR_EXISTS (a second donor for one Member State).
   */
  async create(input: CreateDonorDto, actor: Actor): Promise<DonorResponse> {
    const countryCode = input.countryCode ?? null;
    if (input.type === 'member_state' && countryCode === null) {
      throw DomainError.validation([
        { field: 'countryCode', message: 'is required for a member_state donor' },
      ]);
    }
    return this.dataSource.transaction(async (manager) => {
      if (countryCode !== null) await assertKnownCountry(manager, countryCode);
      if (input.type === 'member_state') {
        // Serialise creations for one country so the second sees the first and answers
        // DONOR_EXISTS, rather than meeting the unique index as a bare conflict.
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`donor:${countryCode}`]);
        const existing = (await manager.query(
          `SELECT id FROM donors WHERE type = 'member_state' AND country_code = $1`,
          [countryCode],
        )) as { id: string }[];
        if (existing.length > 0) {
          throw new DomainError(
            ErrorCode.DONOR_EXISTS,
            `Member State ${countryCode} is already donor ${existing[0].id}`,
          );
        }
      }
      const donor = await manager.save(
        manager.create(Donor, { name: input.name.trim(), type: input.type, countryCode }),
      );
      await this.audit.record(manager, actor, {
        action: 'donor.created',
        resourceType: 'donor',
        resourceId: donor.id,
      });
      return toResponse(donor);
    });
  }

  async list(
    limit: number,
    cursor: string | undefined,
    actor: Actor,
  ): Promise<Page<DonorResponse>> {
    const afterId = decodeCursor(cursor, UUID_PATTERN);
    const query = this.dataSource
      .getRepository(Donor)
      .createQueryBuilder('d')
      .orderBy('d.name', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .limit(limit + 1);
    if (actor.role === 'donor') query.andWhere('d.id = :own', { own: actor.donorId });
    if (afterId)
      query.andWhere('(d.name, d.id) > (SELECT a.name, a.id FROM donors a WHERE a.id = :afterId)', {
        afterId,
      });
    return toPage(await query.getMany(), limit, toResponse, (donor) => donor.id);
  }

  /** Raises NOT_FOUND, also for a donor key asking for another donor. */
  async get(id: string, actor: Actor): Promise<DonorResponse> {
    if (!canSeeDonor(actor, id)) throw DomainError.notFound('Donor', id);
    const donor = await this.dataSource.getRepository(Donor).findOne({ where: { id } });
    if (!donor) throw DomainError.notFound('Donor', id);
    return toResponse(donor);
  }
}

/** Raises UNKNOWN_COUNTRY. */
export async function assertKnownCountry(manager: EntityManager, alpha3: string): Promise<void> {
  const rows = (await manager.query('SELECT 1 FROM countries WHERE alpha3 = $1', [
    alpha3,
  ])) as unknown[];
  if (rows.length === 0) {
    throw new DomainError(
      ErrorCode.UNKNOWN_COUNTRY,
      `${alpha3} is not an ISO 3166-1 alpha-3 code known to the country table`,
      [{ field: 'countryCode', message: 'is not a known ISO 3166-1 alpha-3 code' }],
    );
  }
}

function toResponse(donor: Donor): DonorResponse {
  return {
    id: donor.id,
    name: donor.name,
    type: donor.type,
    countryCode: donor.countryCode,
    createdAt: donor.createdAt.toISOString(),
  };
}
