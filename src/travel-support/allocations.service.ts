import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';
import { assertDateNotAfter, assertNotFuture } from '#src/common/rules.js';
import { DomainError, type FieldError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  IdempotencyService,
  type IdempotentOutcome,
} from '#src/common/http/idempotency.service.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import { Dec, type Decimal, formatUsd } from '#src/common/money/money.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { JournalService, type LineDraft } from '#src/ledger/journal.service.js';
import {
  allocateTravelSupport,
  type AllocationLine,
  type AllocationRequestInput,
} from '#src/travel-support/allocation.policy.js';
import type {
  AllocationResponse,
  AllocationRunLineResponse,
  AllocationRunResponse,
} from '#src/travel-support/allocation-run.dto.js';
import { earmarkFunds } from '#src/travel-support/budget.js';
import { lockConference } from '#src/travel-support/conferences.service.js';
import { REQUEST_STANDING_COLUMNS } from '#src/travel-support/request-standing.js';
import { Conference } from '#src/travel-support/travel-support.entity.js';

/** Commits that may draw on unearmarked cash take this advisory lock, so two conferences sharing it cannot spend the same dollar. */
const UNEARMARKED_LOCK = 7_400_010;
const ZERO = new Dec(0);

interface Computed {
  response: AllocationRunResponse;
  lines: readonly AllocationLine[];
  participationAvailableUsd: Decimal;
}

interface AllocationRow {
  id: string;
  country_code: string;
  delegates_funded: number;
  amount_usd: string;
  earmarked_usd: string;
  unearmarked_usd: string;
  conference_code: string;
  effective_on: string;
  released_on: string | null;
}

@Injectable()
export class AllocationsService {
  private readonly reserveRate: Decimal;

  constructor(
    private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyService,
    private readonly journal: JournalService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.reserveRate = new Dec(config.operatingReserveRate);
  }

  /**
   * Runs the allocation rule. A preview reads one consistent snapshot and writes nothing; a
   * commit locks the conference (commits of one conference queue up and each sees what the
   * previous spent), records the allocations and posts Dr 5100 / Cr 2100 in one transaction.
   * Raises NOT_FOUND, VALIDATION_FAILED (conference parameters not entered) and DATE_IN_FUTURE.
   */
  async run(
    code: string,
    mode: 'preview' | 'commit',
    effectiveOn: string,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<AllocationRunResponse>> {
    if (mode === 'preview') {
      const computed = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
        const conference = await manager.findOne(Conference, { where: { code } });
        if (!conference) throw DomainError.notFound('Conference', code);
        return this.compute(manager, conference, effectiveOn, 'preview');
      });
      return { status: 201, body: computed.response, replayed: false };
    }
    return this.idempotency.execute(actor, fingerprint, async (manager) => {
      const conference = await lockConference(manager, code);
      if (conference.useUnearmarked)
        await manager.query('SELECT pg_advisory_xact_lock($1)', [UNEARMARKED_LOCK]);
      const computed = await this.compute(manager, conference, effectiveOn, 'commit');
      await this.commit(manager, conference, computed, effectiveOn);
      await this.audit.record(manager, actor, {
        action: 'allocation_run.committed',
        resourceType: 'allocation_run',
        resourceId: computed.response.id,
      });
      return { status: 201, body: computed.response };
    });
  }

  /**
   * Releases an unused obligation: Dr 2100 / Cr 5100, dated `releasedOn`, from which its money is
   * available again. Its delegates are not funded again. Raises NOT_FOUND, ALREADY_RELEASED,
   * DATE_IN_FUTURE and DATE_OUT_OF_ORDER.
   */
  async release(
    id: string,
    reason: string,
    releasedOn: string,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<AllocationResponse>> {
    return this.idempotency.execute(actor, fingerprint, async (manager) => {
      const found = await findAllocation(manager, id);
      if (!found) throw DomainError.notFound('Allocation', id);
      await lockConference(manager, found.conference_code);
      const allocation = (await findAllocation(manager, id, true))!;
      if (allocation.released_on !== null)
        throw new DomainError(
          ErrorCode.ALREADY_RELEASED,
          `Allocation ${id} has already been released`,
        );
      assertNotFuture(releasedOn, 'releasedOn');
      assertDateNotAfter(
        allocation.effective_on,
        releasedOn,
        'releasedOn',
        "the allocation's effectiveOn",
      );
      const entry = await this.journal.post(manager, {
        effectiveOn: releasedOn,
        kind: 'allocation_released',
        sourceType: 'allocation',
        sourceId: id,
        reversesSeq: null,
        lines: obligationLines(
          allocation.conference_code,
          new Dec(allocation.earmarked_usd),
          new Dec(allocation.unearmarked_usd),
          releasedOn,
          true,
        ),
      });
      await manager.query(
        'INSERT INTO allocation_releases (allocation_id, reason, released_on, journal_entry_seq) VALUES ($1, $2, $3, $4)',
        [id, reason, releasedOn, entry.seq],
      );
      await this.audit.record(manager, actor, {
        action: 'allocation.released',
        resourceType: 'allocation',
        resourceId: id,
      });
      return {
        status: 200,
        body: toAllocationResponse({ ...allocation, released_on: releasedOn }),
      };
    });
  }

  async list(code: string, limit: number, cursor?: string): Promise<Page<AllocationResponse>> {
    const afterId = decodeCursor(cursor, UUID_PATTERN);
    const exists = (await this.dataSource.query('SELECT 1 FROM conferences WHERE code = $1', [
      code,
    ])) as unknown[];
    if (exists.length === 0) throw DomainError.notFound('Conference', code);
    const rows = (await this.dataSource.query(
      `${ALLOCATION_SELECT} WHERE a.conference_code = $1
          AND ($2::uuid IS NULL OR (a.created_at, a.id) > (SELECT created_at, id FROM allocations WHERE id = $2::uuid))
        ORDER BY a.created_at, a.id LIMIT $3`,
      [code, afterId, limit + 1],
    )) as AllocationRow[];
    return toPage(rows, limit, toAllocationResponse, (row) => row.id);
  }

  private async compute(
    manager: EntityManager,
    conference: Conference,
    effectiveOn: string,
    mode: 'preview' | 'commit',
  ): Promise<Computed> {
    const parameters = requireParameters(conference);
    assertNotFuture(effectiveOn, 'effectiveOn');
    const participation = await earmarkFunds(
      manager,
      `participation:${conference.code}`,
      effectiveOn,
      this.reserveRate,
    );
    const unearmarked = conference.useUnearmarked
      ? await earmarkFunds(manager, 'unearmarked', effectiveOn, this.reserveRate)
      : null;
    const budgetUsd = participation.availableUsd.plus(unearmarked?.availableUsd ?? ZERO);
    const requests = await loadRequests(manager, conference.code);
    const result = allocateTravelSupport({ budgetUsd, ...parameters, requests });
    const inputsHash = sha256Hex(
      canonicalJson({
        conference: {
          code: conference.code,
          startsOn: conference.startsOn,
          nominationDeadline: conference.nominationDeadline,
          ...serialise(parameters),
          useUnearmarked: conference.useUnearmarked,
          ldcGraceYears: conference.ldcGraceYears,
        },
        effectiveOn,
        budgetUsd: formatUsd(budgetUsd),
        requests: requests.map((r) => ({
          ...r,
          delegates: r.delegates.map((d) => ({ ...d, airfareUsd: formatUsd(d.airfareUsd) })),
        })),
      }),
    );
    const response: AllocationRunResponse = {
      id: randomUUID(),
      conferenceCode: conference.code,
      mode,
      effectiveOn,
      budgetUsd: formatUsd(budgetUsd),
      spentUsd: formatUsd(result.spentUsd),
      inputsHash,
      lines: result.lines.map(toLineResponse),
    };
    return { response, lines: result.lines, participationAvailableUsd: participation.availableUsd };
  }

  /** Records the allocations of a commit and posts their obligations as one journal entry. */
  private async commit(
    manager: EntityManager,
    conference: Conference,
    computed: Computed,
    effectiveOn: string,
  ): Promise<void> {
    const runId = computed.response.id;
    let participationLeft = Dec.max(computed.participationAvailableUsd, ZERO);
    const entryLines: LineDraft[] = [];
    const rows: unknown[][] = [];
    computed.lines.forEach((line, index) => {
      if (line.delegatesFunded === 0) return;
      // Earmarked money is used first; unearmarked cash covers the rest when the conference allows it.
      const earmarkedUsd = Dec.min(line.amountUsd, participationLeft);
      const unearmarkedUsd = line.amountUsd.minus(earmarkedUsd);
      participationLeft = participationLeft.minus(earmarkedUsd);
      const allocationId = randomUUID();
      computed.response.lines[index].allocationId = allocationId;
      entryLines.push(
        ...obligationLines(conference.code, earmarkedUsd, unearmarkedUsd, effectiveOn, false),
      );
      rows.push([
        allocationId,
        line.requestId,
        line.countryCode,
        line.delegatesFunded,
        `{${line.fundedDelegateIndexes.join(',')}}`,
        line.amountUsd.toFixed(),
        earmarkedUsd.toFixed(),
        unearmarkedUsd.toFixed(),
      ]);
    });
    const entry =
      entryLines.length === 0
        ? null
        : await this.journal.post(manager, {
            effectiveOn,
            kind: 'allocation_committed',
            sourceType: 'allocation_run',
            sourceId: runId,
            reversesSeq: null,
            lines: entryLines,
          });
    for (const row of rows) {
      await manager.query(
        `INSERT INTO allocations (id, run_id, conference_code, request_id, country_code, delegates_funded, delegate_indexes, amount_usd,
                                  earmarked_usd, unearmarked_usd, effective_on)
         VALUES ($1, $9, $10, $2, $3, $4, $5, $6, $7, $8, $11)`,
        [...row, runId, conference.code, effectiveOn],
      );
    }
    await manager.query(
      `INSERT INTO allocation_runs (id, conference_code, effective_on, budget_usd, spent_usd, inputs_hash, response, journal_entry_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        runId,
        conference.code,
        effectiveOn,
        computed.response.budgetUsd,
        computed.response.spentUsd,
        computed.response.inputsHash,
        JSON.stringify(computed.response),
        entry?.seq ?? null,
      ],
    );
    if (conference.lockedAt === null)
      await manager.query('UPDATE conferences SET locked_at = now() WHERE code = $1', [
        conference.code,
      ]);
  }
}

const ALLOCATION_SELECT = `
  SELECT a.id, a.country_code, a.delegates_funded, a.amount_usd::text AS amount_usd, a.earmarked_usd::text AS earmarked_usd,
         a.unearmarked_usd::text AS unearmarked_usd, a.conference_code, a.effective_on::text AS effective_on,
         r.released_on::text AS released_on
    FROM allocations a LEFT JOIN allocation_releases r ON r.allocation_id = a.id`;

/**
 * Reads an allocation with its release. With `lock`, the allocation row is locked first in a
 * statement of its own, so that a second release waits and then sees the first one's row.
 */
async function findAllocation(
  manager: EntityManager,
  id: string,
  lock = false,
): Promise<AllocationRow | null> {
  if (lock) await manager.query('SELECT 1 FROM allocations WHERE id = $1 FOR UPDATE', [id]);
  const rows = (await manager.query(`${ALLOCATION_SELECT} WHERE a.id = $1`, [
    id,
  ])) as AllocationRow[];
  return rows[0] ?? null;
}

/** Dr 5100 / Cr 2100 (or the reverse for a release) on each earmark that carries part of the amount. */
function obligationLines(
  code: string,
  earmarkedUsd: Decimal,
  unearmarkedUsd: Decimal,
  on: string,
  release: boolean,
): LineDraft[] {
  const lines: LineDraft[] = [];
  for (const [earmark, amountUsd] of [
    [`participation:${code}`, earmarkedUsd],
    ['unearmarked', unearmarkedUsd],
  ] as const) {
    if (!amountUsd.greaterThan(0)) continue;
    const base = {
      amountUsd,
      earmark,
      currency: 'USD',
      amountOriginal: amountUsd,
      rate: new Dec(1),
      rateEffectiveOn: on,
      donorId: null,
      pledgeId: null,
    };
    lines.push(
      { ...base, account: '5100', side: release ? 'credit' : 'debit' },
      { ...base, account: '2100', side: release ? 'debit' : 'credit' },
    );
  }
  return lines;
}

/** Every request of the conference with its delegates and what earlier commits did with them. */
async function loadRequests(
  manager: EntityManager,
  code: string,
): Promise<AllocationRequestInput[]> {
  const rows = (await manager.query(
    `SELECT r.id, r.country_code, ${REQUEST_STANDING_COLUMNS}, r.nominated_on::text AS nominated_on, d.idx, d.name, d.airfare_usd::text AS airfare_usd,
            EXISTS (SELECT 1 FROM allocations a LEFT JOIN allocation_releases x ON x.allocation_id = a.id
                     WHERE a.request_id = r.id AND d.idx = ANY (a.delegate_indexes) AND x.allocation_id IS NULL) AS funded,
            EXISTS (SELECT 1 FROM allocations a JOIN allocation_releases x ON x.allocation_id = a.id
                     WHERE a.request_id = r.id AND d.idx = ANY (a.delegate_indexes)) AS released
       FROM travel_requests r JOIN conferences c ON c.code = r.conference_code JOIN travel_delegates d ON d.request_id = r.id
      WHERE r.conference_code = $1 ORDER BY r.country_code, d.idx`,
    [code],
  )) as {
    id: string;
    country_code: string;
    ldc: boolean;
    late: boolean;
    nominated_on: string;
    idx: number;
    name: string;
    airfare_usd: string;
    funded: boolean;
    released: boolean;
  }[];
  const requests = new Map<
    string,
    AllocationRequestInput & { delegates: AllocationRequestInput['delegates'][number][] }
  >();
  for (const row of rows) {
    let request = requests.get(row.id);
    if (!request) {
      request = {
        requestId: row.id,
        countryCode: row.country_code,
        ldc: row.ldc,
        late: row.late,
        nominatedOn: row.nominated_on,
        delegates: [],
      };
      requests.set(row.id, request);
    }
    request.delegates.push({
      index: row.idx,
      name: row.name,
      airfareUsd: new Dec(row.airfare_usd),
      funded: row.funded,
      released: row.released,
    });
  }
  return [...requests.values()];
}

interface Parameters {
  dsaRateUsd: Decimal;
  dsaNights: number;
  terminalExpensesUsd: Decimal;
  maxDelegatesLdc: number;
  maxDelegatesOther: number;
}

/** Raises VALIDATION_FAILED naming each parameter of the conference that has not been entered. */
function requireParameters(conference: Conference): Parameters {
  const keys = [
    'dsaRateUsd',
    'dsaNights',
    'terminalExpensesUsd',
    'maxDelegatesLdc',
    'maxDelegatesOther',
  ] as const;
  const missing: FieldError[] = keys
    .filter((key) => conference[key] === null)
    .map((key) => ({
      field: `conference.${key}`,
      message: `must be entered (PATCH /v1/conferences/${conference.code}) before allocating`,
    }));
  if (missing.length > 0) throw DomainError.validation(missing);
  return {
    dsaRateUsd: conference.dsaRateUsd!,
    dsaNights: conference.dsaNights!,
    terminalExpensesUsd: conference.terminalExpensesUsd!,
    maxDelegatesLdc: conference.maxDelegatesLdc!,
    maxDelegatesOther: conference.maxDelegatesOther!,
  };
}

function serialise(parameters: Parameters): Record<string, string | number> {
  return {
    ...parameters,
    dsaRateUsd: formatUsd(parameters.dsaRateUsd),
    terminalExpensesUsd: formatUsd(parameters.terminalExpensesUsd),
  };
}

function toLineResponse(line: AllocationLine): AllocationRunLineResponse {
  return {
    countryCode: line.countryCode,
    tier: line.tier,
    ldc: line.ldc,
    late: line.late,
    delegatesRequested: line.delegatesRequested,
    delegatesFunded: line.delegatesFunded,
    airfareUsd: formatUsd(line.airfareUsd),
    dsaUsd: formatUsd(line.dsaUsd),
    terminalUsd: formatUsd(line.terminalUsd),
    amountUsd: formatUsd(line.amountUsd),
    decision: line.decision,
    reason: line.reason,
    allocationId: null,
  };
}

function toAllocationResponse(row: AllocationRow): AllocationResponse {
  return {
    id: row.id,
    countryCode: row.country_code,
    delegatesFunded: row.delegates_funded,
    amountUsd: formatUsd(new Dec(row.amount_usd)),
    status: row.released_on === null ? 'committed' : 'released',
    effectiveOn: row.effective_on,
    releasedOn: row.released_on,
  };
}
