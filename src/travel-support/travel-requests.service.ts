import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { assertNotFuture } from '#src/common/rules.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import { Dec, formatUsd } from '#src/common/money/money.js';
import { JournalService } from '#src/ledger/journal.service.js';
import { CountriesService } from '#src/reference-data/countries.service.js';
import { tierOf } from '#src/travel-support/allocation.policy.js';
import { REQUEST_STANDING_COLUMNS } from '#src/travel-support/request-standing.js';
import { lockConference } from '#src/travel-support/conferences.service.js';
import type {
  CreateTravelRequestDto,
  TravelRequestResponse,
} from '#src/travel-support/travel-request.dto.js';

interface RequestRow {
  id: string;
  conference_code: string;
  country_code: string;
  nominated_on: string;
  nomination_reference: string;
  late: boolean;
  ldc: boolean;
  delegates: { name: string; airfareUsd: string }[];
}

@Injectable()
export class TravelRequestsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly countries: CountriesService,
    private readonly journal: JournalService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records a Government's nomination, judged at the conference start: eligibility, LDC status
   * (with the grace period), lateness and tier. Its creation is a memo entry in the journal.
   * Raises NOT_FOUND (conference), UNKNOWN_COUNTRY, COUNTRY_NOT_ELIGIBLE, DATE_IN_FUTURE and
   * REQUEST_EXISTS.
   */
  async create(
    code: string,
    input: CreateTravelRequestDto,
    actor: Actor,
  ): Promise<TravelRequestResponse> {
    return this.dataSource.transaction(async (manager) => {
      // Locking the conference keeps its dates and grace fixed while the request is judged.
      const conference = await lockConference(manager, code);
      const status = await this.countries.statusAt(
        manager,
        input.countryCode,
        conference.startsOn,
        conference.ldcGraceYears,
      );
      if (!status) {
        throw new DomainError(
          ErrorCode.UNKNOWN_COUNTRY,
          `${input.countryCode} is not a known ISO 3166-1 alpha-3 code`,
          [{ field: 'countryCode', message: 'is not a known ISO 3166-1 alpha-3 code' }],
        );
      }
      if (!status.developing) {
        throw new DomainError(
          ErrorCode.COUNTRY_NOT_ELIGIBLE,
          `${status.name} was not a developing country on ${conference.startsOn}, the start of ${code}`,
          [
            {
              field: 'countryCode',
              message: `is not a developing country on ${conference.startsOn}`,
            },
          ],
        );
      }
      assertNotFuture(input.nominatedOn, 'nominatedOn');
      const existing = (await manager.query(
        'SELECT id FROM travel_requests WHERE conference_code = $1 AND country_code = $2',
        [code, input.countryCode],
      )) as unknown[];
      if (existing.length > 0) {
        throw new DomainError(
          ErrorCode.REQUEST_EXISTS,
          `${input.countryCode} already has a travel request for ${code}`,
        );
      }
      const late =
        conference.nominationDeadline !== null && input.nominatedOn > conference.nominationDeadline;
      const response: TravelRequestResponse = {
        id: randomUUID(),
        conferenceCode: code,
        countryCode: input.countryCode,
        nominatedOn: input.nominatedOn,
        nominationReference: input.nominationReference,
        late,
        ldc: status.ldc,
        tier: tierOf(status.ldc, late),
        delegates: input.delegates.map((d) => ({
          name: d.name,
          airfareUsd: formatUsd(new Dec(d.airfareUsd)),
        })),
      };
      await manager.query(
        `INSERT INTO travel_requests (id, conference_code, country_code, nominated_on, nomination_reference, late, ldc, tier)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          response.id,
          code,
          input.countryCode,
          input.nominatedOn,
          input.nominationReference,
          late,
          status.ldc,
          response.tier,
        ],
      );
      await manager.query(
        `INSERT INTO travel_delegates (request_id, idx, name, airfare_usd)
         SELECT $1, ordinality - 1, name, airfare FROM unnest($2::text[], $3::numeric[]) WITH ORDINALITY AS d(name, airfare)`,
        [
          response.id,
          response.delegates.map((d) => d.name),
          response.delegates.map((d) => d.airfareUsd),
        ],
      );
      await this.journal.post(manager, {
        effectiveOn: input.nominatedOn,
        kind: 'travel_request',
        sourceType: 'travel_request',
        sourceId: response.id,
        reversesSeq: null,
        lines: [],
      });
      await this.audit.record(manager, actor, {
        action: 'travel_request.created',
        resourceType: 'travel_request',
        resourceId: response.id,
      });
      return response;
    });
  }

  async list(code: string, limit: number, cursor?: string): Promise<Page<TravelRequestResponse>> {
    const afterId = decodeCursor(cursor, UUID_PATTERN);
    const conference = (await this.dataSource.query('SELECT 1 FROM conferences WHERE code = $1', [
      code,
    ])) as unknown[];
    if (conference.length === 0) throw DomainError.notFound('Conference', code);
    const rows = (await this.dataSource.query(
      `SELECT r.id, r.conference_code, r.country_code, r.nominated_on::text AS nominated_on, r.nomination_reference, ${REQUEST_STANDING_COLUMNS},
              (SELECT json_agg(json_build_object('name', d.name, 'airfareUsd', d.airfare_usd::text) ORDER BY d.idx)
                 FROM travel_delegates d WHERE d.request_id = r.id) AS delegates
         FROM travel_requests r JOIN conferences c ON c.code = r.conference_code
        WHERE r.conference_code = $1
          AND ($2::uuid IS NULL OR (r.created_at, r.id) > (SELECT created_at, id FROM travel_requests WHERE id = $2::uuid))
        ORDER BY r.created_at, r.id LIMIT $3`,
      [code, afterId, limit + 1],
    )) as RequestRow[];
    return toPage(rows, limit, toResponse, (row) => row.id);
  }
}

function toResponse(row: RequestRow): TravelRequestResponse {
  return {
    id: row.id,
    conferenceCode: row.conference_code,
    countryCode: row.country_code,
    nominatedOn: row.nominated_on,
    nominationReference: row.nomination_reference,
    late: row.late,
    ldc: row.ldc,
    tier: tierOf(row.ldc, row.late),
    delegates: row.delegates.map((d) => ({
      name: d.name,
      airfareUsd: formatUsd(new Dec(d.airfareUsd)),
    })),
  };
}
