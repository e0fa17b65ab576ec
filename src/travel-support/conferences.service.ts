import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { decodeCursor, type Page, toPage } from '#src/common/http/pagination.js';
import { Dec, formatUsd } from '#src/common/money/money.js';
import type {
  ConferenceResponse,
  CreateConferenceDto,
  PatchConferenceDto,
} from '#src/travel-support/conference.dto.js';
import { Conference } from '#src/travel-support/travel-support.entity.js';

@Injectable()
export class ConferencesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Raises VALIDATION_FAILED (dates out of order) and CONFERENCE_EXISTS. */
  async create(input: CreateConferenceDto, actor: Actor): Promise<ConferenceResponse> {
    checkDates(input.startsOn, input.endsOn);
    return this.dataSource.transaction(async (manager) => {
      const inserted = (await manager.query(
        `INSERT INTO conferences (code, name, city, starts_on, ends_on, nomination_deadline, dsa_rate_usd, dsa_nights,
                                  terminal_expenses_usd, max_delegates_ldc, max_delegates_other, use_unearmarked, ldc_grace_years)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (code) DO NOTHING RETURNING code`,
        [
          input.code,
          input.name,
          input.city,
          input.startsOn,
          input.endsOn,
          input.nominationDeadline,
          input.dsaRateUsd,
          input.dsaNights,
          input.terminalExpensesUsd,
          input.maxDelegatesLdc,
          input.maxDelegatesOther,
          input.useUnearmarked,
          input.ldcGraceYears,
        ],
      )) as unknown[];
      if (inserted.length === 0)
        throw new DomainError(
          ErrorCode.CONFERENCE_EXISTS,
          `Conference ${input.code} already exists`,
        );
      await this.audit.record(manager, actor, {
        action: 'conference.created',
        resourceType: 'conference',
        resourceId: input.code,
      });
      return toConferenceResponse(await manager.findOneByOrFail(Conference, { code: input.code }));
    });
  }

  /** Raises NOT_FOUND, CONFERENCE_LOCKED and VALIDATION_FAILED (code in the body, dates out of order). */
  async patch(code: string, input: PatchConferenceDto, actor: Actor): Promise<ConferenceResponse> {
    // A PATCH changes values; it never erases one (a parameter once entered stays entered).
    const errors = Object.entries(input)
      .filter(([, value]) => value === null)
      .map(([field]) => ({
        field,
        message: 'may not be null; omit the field to leave it unchanged',
      }));
    if (input.code !== undefined && input.code !== null && input.code !== code) {
      errors.push({ field: 'code', message: 'cannot change; create a new conference instead' });
    }
    if (errors.length > 0) throw DomainError.validation(errors);
    return this.dataSource.transaction(async (manager) => {
      const conference = await lockConference(manager, code);
      if (conference.lockedAt) {
        throw new DomainError(
          ErrorCode.CONFERENCE_LOCKED,
          `Conference ${code} has a committed allocation run; its parameters are frozen`,
        );
      }
      checkDates(input.startsOn ?? conference.startsOn, input.endsOn ?? conference.endsOn);
      const changes: Partial<Conference> = {};
      for (const key of Object.keys(input) as (keyof PatchConferenceDto)[]) {
        if (key === 'code' || input[key] === undefined) continue;
        const value = input[key];
        (changes as Record<string, unknown>)[key] =
          key === 'dsaRateUsd' || key === 'terminalExpensesUsd' ? new Dec(value as string) : value;
      }
      if (Object.keys(changes).length > 0) {
        await manager.update(Conference, { code }, changes);
        await this.audit.record(manager, actor, {
          action: 'conference.changed',
          resourceType: 'conference',
          resourceId: code,
        });
      }
      return toConferenceResponse(await manager.findOneByOrFail(Conference, { code }));
    });
  }

  async list(limit: number, cursor?: string): Promise<Page<ConferenceResponse>> {
    const after = decodeCursor(cursor, /^[A-Z0-9-]{1,40}$/) ?? '';
    const rows = await this.dataSource
      .getRepository(Conference)
      .createQueryBuilder('c')
      .where('c.code > :after', { after })
      .orderBy('c.code', 'ASC')
      .limit(limit + 1)
      .getMany();
    return toPage(rows, limit, toConferenceResponse, (row) => row.code);
  }

  /** Raises NOT_FOUND. */
  async get(code: string): Promise<ConferenceResponse> {
    const conference = await this.dataSource.getRepository(Conference).findOneBy({ code });
    if (!conference) throw DomainError.notFound('Conference', code);
    return toConferenceResponse(conference);
  }
}

/**
 * Locks a conference row. Allocation commits of one conference take this lock first, so they run
 * one after another and each sees what the previous one spent. Raises NOT_FOUND.
 */
export async function lockConference(manager: EntityManager, code: string): Promise<Conference> {
  const conference = await manager.findOne(Conference, {
    where: { code },
    lock: { mode: 'pessimistic_write' },
  });
  if (!conference) throw DomainError.notFound('Conference', code);
  return conference;
}

function checkDates(startsOn: string, endsOn: string): void {
  if (endsOn < startsOn)
    throw DomainError.validation([
      { field: 'endsOn', message: `may not be before startsOn (${startsOn})` },
    ]);
}

export function toConferenceResponse(conference: Conference): ConferenceResponse {
  return {
    code: conference.code,
    name: conference.name,
    city: conference.city,
    startsOn: conference.startsOn,
    endsOn: conference.endsOn,
    nominationDeadline: conference.nominationDeadline,
    dsaRateUsd: conference.dsaRateUsd === null ? null : formatUsd(conference.dsaRateUsd),
    dsaNights: conference.dsaNights,
    terminalExpensesUsd:
      conference.terminalExpensesUsd === null ? null : formatUsd(conference.terminalExpensesUsd),
    maxDelegatesLdc: conference.maxDelegatesLdc,
    maxDelegatesOther: conference.maxDelegatesOther,
    useUnearmarked: conference.useUnearmarked,
    ldcGraceYears: conference.ldcGraceYears,
    locked: conference.lockedAt !== null,
  };
}
