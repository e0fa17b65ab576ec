import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { openApprovalRequest } from '#src/approvals/approval-request.js';
import type { ApprovalRequestResponse } from '#src/approvals/approval-request.dto.js';
import { AuditService } from '#src/audit/audit.service.js';
import type { Actor } from '#src/auth/actor.js';
import { canSeeDonor, donorScope } from '#src/auth/donor-scope.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { assertBookable, assertDateNotAfter, assertNotFuture } from '#src/common/rules.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { ErrorCode } from '#src/common/errors/error-code.js';
import {
  IdempotencyService,
  type IdempotentOutcome,
} from '#src/common/http/idempotency.service.js';
import { decodeCursor, type Page, toPage, UUID_PATTERN } from '#src/common/http/pagination.js';
import {
  Dec,
  type Decimal,
  formatAmount,
  formatUsd,
  parseAmount,
  toUsd,
} from '#src/common/money/money.js';
import { JournalService } from '#src/ledger/journal.service.js';
import type { CreatePledgeDto, PledgeResponse } from '#src/pledges/pledge.dto.js';
import type { Instalment } from '#src/pledges/pledge.entity.js';
import {
  findPledge,
  insertPledge,
  listPledges,
  lockPledge,
  type PledgeState,
  savePledgeState,
} from '#src/pledges/pledges.repository.js';
import { formatRate, RatesService } from '#src/rates/rates.service.js';

const ZERO = new Dec(0);

@Injectable()
export class PledgesService {
  /** Write-offs are requested and approved by two finance keys (FOUR_EYES=on). */
  private readonly fourEyes: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyService,
    private readonly journal: JournalService,
    private readonly rates: RatesService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.fourEyes = config.fourEyes;
  }

  /**
   * Records a pledge: announced (a memo entry) or already confirmed (the confirmation entry).
   * Raises VALIDATION_FAILED, NOT_FOUND (donor), DATE_IN_FUTURE, DATE_OUT_OF_ORDER,
   * RATE_NOT_FOUND and IDEMPOTENCY_KEY_REUSED.
   */
  async create(
    input: CreatePledgeDto,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<PledgeResponse>> {
    const amount = parseAmount(input.amount, input.currency);
    const instalments = checkCreateInput(input, amount);
    return this.idempotency.execute(actor, fingerprint, async (manager) => {
      await assertDonorExists(manager, input.donorId);
      assertNotFuture(input.pledgedOn, 'pledgedOn');
      const pledge: PledgeState = {
        id: randomUUID(),
        donorId: input.donorId,
        currency: input.currency,
        amount,
        earmark: input.earmark,
        status: 'announced',
        pledgedOn: input.pledgedOn,
        confirmedOn: null,
        reference: input.reference ?? null,
        instalments,
        confirmRate: null,
        confirmRateEffectiveOn: null,
        carryingUsd: null,
        paidAmount: ZERO,
        writtenOffAmount: ZERO,
        relievedUsd: ZERO,
        lastEventOn: input.pledgedOn,
      };
      if (input.status === 'confirmed') {
        await this.applyConfirmation(manager, pledge, input.confirmedOn!, 'confirmedOn');
        await insertPledge(manager, pledge);
        await this.postConfirmation(manager, pledge);
      } else {
        await insertPledge(manager, pledge);
        await this.journal.post(manager, memo(pledge, 'pledge_announced', pledge.pledgedOn));
      }
      await this.audit.record(manager, actor, {
        action: 'pledge.created',
        resourceType: 'pledge',
        resourceId: pledge.id,
      });
      return { status: 201, body: toPledgeResponse(pledge) };
    });
  }

  /** Raises NOT_FOUND, INVALID_PLEDGE_STATE, DATE_IN_FUTURE, DATE_OUT_OF_ORDER, RATE_NOT_FOUND. */
  async confirm(
    id: string,
    confirmedOn: string,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<PledgeResponse>> {
    return this.changeState(
      id,
      actor,
      fingerprint,
      ['announced'],
      'confirm',
      async (manager, pledge) => {
        await this.applyConfirmation(manager, pledge, confirmedOn, 'confirmedOn');
        await savePledgeState(manager, pledge);
        await this.postConfirmation(manager, pledge);
        return 'pledge.confirmed';
      },
    );
  }

  /** Cancels an announced pledge (a memo entry). Raises NOT_FOUND, INVALID_PLEDGE_STATE, DATE_*. */
  async cancel(
    id: string,
    reason: string,
    cancelledOn: string,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<PledgeResponse>> {
    return this.changeState(
      id,
      actor,
      fingerprint,
      ['announced'],
      'cancel',
      async (manager, pledge) => {
        checkEventDate(pledge, cancelledOn, 'cancelledOn');
        pledge.status = 'cancelled';
        pledge.lastEventOn = cancelledOn;
        await savePledgeState(manager, pledge, { on: cancelledOn, reason });
        await this.journal.post(manager, memo(pledge, 'pledge_cancelled', cancelledOn));
        return 'pledge.cancelled';
      },
    );
  }

  /**
   * Writes off the remaining balance: Dr 5300 / Cr 1200 for the carrying value not yet relieved;
   * answers 200 with the pledge. Under four-eyes control (FOUR_EYES=on) the same checks run,
   * nothing is posted, and the answer is a pending approval request (202) that a different
   * finance key approves (src/approvals). Raises NOT_FOUND, INVALID_PLEDGE_STATE, DATE_IN_FUTURE,
   * DATE_OUT_OF_ORDER; under four-eyes control also APPROVAL_PENDING.
   */
  async writeOff(
    id: string,
    reason: string,
    writtenOffOn: string,
    actor: Actor,
    fingerprint: string,
  ): Promise<IdempotentOutcome<PledgeResponse | ApprovalRequestResponse>> {
    return this.idempotency.execute<PledgeResponse | ApprovalRequestResponse>(
      actor,
      fingerprint,
      async (manager) => {
        if (!this.fourEyes) {
          const body = await this.writeOffInTransaction(manager, id, reason, writtenOffOn, actor);
          return { status: 200, body };
        }
        const pledge = await lockInState(manager, id, WRITE_OFF_FROM, 'write off');
        checkEventDate(pledge, writtenOffOn, 'writtenOffOn');
        const request = await openApprovalRequest(manager, actor, {
          action: 'pledge.write_off',
          paymentId: null,
          pledgeId: id,
          reason,
          effectiveOn: writtenOffOn,
        });
        await this.audit.record(manager, actor, {
          action: 'pledge.write_off_requested',
          resourceType: 'pledge',
          resourceId: id,
        });
        return { status: 202, body: request };
      },
    );
  }

  /**
   * The write-off itself, in the caller's transaction: the direct call's, or the approval's of a
   * four-eyes request, which must answer exactly as the direct call would. Raises what `writeOff`
   * raises but APPROVAL_PENDING.
   */
  async writeOffInTransaction(
    manager: EntityManager,
    id: string,
    reason: string,
    writtenOffOn: string,
    actor: Actor,
  ): Promise<PledgeResponse> {
    return this.changeStateIn(
      manager,
      id,
      actor,
      WRITE_OFF_FROM,
      'write off',
      async (manager, pledge) => {
        checkEventDate(pledge, writtenOffOn, 'writtenOffOn');
        const outstanding = outstandingOf(pledge);
        const remainingUsd = pledge.carryingUsd!.minus(pledge.relievedUsd);
        pledge.status = 'written_off';
        pledge.writtenOffAmount = outstanding;
        pledge.lastEventOn = writtenOffOn;
        await savePledgeState(manager, pledge, { on: writtenOffOn, reason });
        const base = memo(pledge, 'pledge_written_off', writtenOffOn);
        if (remainingUsd.greaterThan(0)) {
          const line = {
            amountUsd: remainingUsd,
            earmark: pledge.earmark,
            currency: pledge.currency,
            amountOriginal: outstanding,
            rate: pledge.confirmRate!,
            rateEffectiveOn: pledge.confirmRateEffectiveOn!,
            donorId: pledge.donorId,
            pledgeId: pledge.id,
          };
          base.lines = [
            { ...line, account: '5300', side: 'debit' },
            { ...line, account: '1200', side: 'credit' },
          ];
        }
        await this.journal.post(manager, base);
        return 'pledge.written_off';
      },
    );
  }

  /** Raises NOT_FOUND, also for a donor key asking for another donor's pledge. */
  async get(id: string, actor: Actor): Promise<PledgeResponse> {
    const pledge = await findPledge(this.dataSource.manager, id);
    if (!pledge || !canSeeDonor(actor, pledge.donorId)) throw DomainError.notFound('Pledge', id);
    return toPledgeResponse(pledge);
  }

  async list(
    filter: { donorId?: string; status?: PledgeResponse['status']; cursor?: string; limit: number },
    actor: Actor,
  ): Promise<Page<PledgeResponse>> {
    const afterId = decodeCursor(filter.cursor, UUID_PATTERN);
    const scope = donorScope(actor, filter.donorId);
    if (scope.kind === 'none') return { items: [], nextCursor: null };
    const rows = await listPledges(this.dataSource.manager, {
      donorId: scope.kind === 'donor' ? scope.donorId : undefined,
      status: filter.status,
      afterId,
      limit: filter.limit,
    });
    return toPage(rows, filter.limit, toPledgeResponse, (pledge) => pledge.id);
  }

  private async changeState(
    id: string,
    actor: Actor,
    fingerprint: string,
    allowed: PledgeState['status'][],
    verb: string,
    apply: (manager: EntityManager, pledge: PledgeState) => Promise<string>,
  ): Promise<IdempotentOutcome<PledgeResponse>> {
    return this.idempotency.execute(actor, fingerprint, async (manager) => ({
      status: 200,
      body: await this.changeStateIn(manager, id, actor, allowed, verb, apply),
    }));
  }

  /** Locks the pledge, checks its state, applies the change and records its audit event. */
  private async changeStateIn(
    manager: EntityManager,
    id: string,
    actor: Actor,
    allowed: PledgeState['status'][],
    verb: string,
    apply: (manager: EntityManager, pledge: PledgeState) => Promise<string>,
  ): Promise<PledgeResponse> {
    const pledge = await lockInState(manager, id, allowed, verb);
    const action = await apply(manager, pledge);
    await this.audit.record(manager, actor, {
      action,
      resourceType: 'pledge',
      resourceId: pledge.id,
    });
    return toPledgeResponse(pledge);
  }

  /** Sets the confirmation and carrying value: USD at the rate for `confirmedOn`. */
  private async applyConfirmation(
    manager: EntityManager,
    pledge: PledgeState,
    confirmedOn: string,
    field: string,
  ): Promise<void> {
    checkEventDate(pledge, confirmedOn, field);
    const applied = await this.rates.rateFor(manager, pledge.currency, confirmedOn);
    pledge.status = 'confirmed';
    pledge.confirmedOn = confirmedOn;
    pledge.confirmRate = applied.rate;
    pledge.confirmRateEffectiveOn = applied.rateEffectiveOn;
    pledge.carryingUsd = toUsd(pledge.amount, applied.rate);
    assertBookable(
      pledge.carryingUsd,
      'amount',
      `the rate ${formatRate(applied.rate)} effective ${applied.rateEffectiveOn}`,
    );
    pledge.lastEventOn = confirmedOn;
  }

  /** Dr 1200 Contributions receivable / Cr 4100 Contribution revenue at the carrying value. */
  private async postConfirmation(manager: EntityManager, pledge: PledgeState): Promise<void> {
    const line = {
      amountUsd: pledge.carryingUsd!,
      earmark: pledge.earmark,
      currency: pledge.currency,
      amountOriginal: pledge.amount,
      rate: pledge.confirmRate!,
      rateEffectiveOn: pledge.confirmRateEffectiveOn!,
      donorId: pledge.donorId,
      pledgeId: pledge.id,
    };
    await this.journal.post(manager, {
      ...memo(pledge, 'pledge_confirmed', pledge.confirmedOn!),
      lines: [
        { ...line, account: '1200', side: 'debit' },
        { ...line, account: '4100', side: 'credit' },
      ],
    });
  }
}

function memo(pledge: PledgeState, kind: string, effectiveOn: string) {
  return {
    effectiveOn,
    kind,
    sourceType: 'pledge',
    sourceId: pledge.id,
    reversesSeq: null,
    lines: [] as Parameters<JournalService['post']>[1]['lines'],
  };
}

/** The states a pledge may be written off from (SPEC 6). */
const WRITE_OFF_FROM: PledgeState['status'][] = ['confirmed', 'partially_paid'];

/** Locks the pledge and checks that it may make this move. Raises NOT_FOUND, INVALID_PLEDGE_STATE. */
async function lockInState(
  manager: EntityManager,
  id: string,
  allowed: PledgeState['status'][],
  verb: string,
): Promise<PledgeState> {
  const pledge = await lockPledge(manager, id);
  if (!pledge) throw DomainError.notFound('Pledge', id);
  if (!allowed.includes(pledge.status)) {
    throw new DomainError(
      ErrorCode.INVALID_PLEDGE_STATE,
      `A ${pledge.status} pledge cannot ${verb}; allowed from: ${allowed.join(', ')}`,
    );
  }
  return pledge;
}

/** Raises DATE_IN_FUTURE and DATE_OUT_OF_ORDER (an event before the pledge's latest event). */
function checkEventDate(pledge: PledgeState, date: string, field: string): void {
  assertNotFuture(date, field);
  assertDateNotAfter(pledge.lastEventOn, date, field, "the pledge's latest event");
}

export function outstandingOf(pledge: PledgeState): Decimal {
  if (pledge.status === 'announced' || pledge.status === 'cancelled') return ZERO;
  return pledge.amount.minus(pledge.paidAmount).minus(pledge.writtenOffAmount);
}

/** Checks the rules of a new pledge that the DTO cannot express; returns its instalments. */
function checkCreateInput(input: CreatePledgeDto, amount: Decimal): Instalment[] {
  const errors: { field: string; message: string }[] = [];
  const instalments: Instalment[] = [];
  let total = ZERO;
  (input.instalments ?? []).forEach((instalment, index) => {
    try {
      const value = parseAmount(instalment.amount, input.currency);
      total = total.plus(value);
      instalments.push({ dueOn: instalment.dueOn, amount: formatAmount(value, input.currency) });
    } catch (error) {
      errors.push({ field: `instalments[${index}].amount`, message: (error as Error).message });
    }
  });
  if (
    input.instalments &&
    input.instalments.length > 0 &&
    errors.length === 0 &&
    !total.equals(amount)
  ) {
    errors.push({
      field: 'instalments',
      message: `must sum exactly to the amount ${formatAmount(amount, input.currency)}; they sum to ${formatAmount(total, input.currency)}`,
    });
  }
  if (errors.length > 0) throw DomainError.validation(errors);
  return instalments.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
}

/** Raises NOT_FOUND. */
async function assertDonorExists(manager: EntityManager, donorId: string): Promise<void> {
  const rows = (await manager.query('SELECT name FROM donors WHERE id = $1', [donorId])) as {
    name: string;
  }[];
  if (rows.length === 0) throw DomainError.notFound('Donor', donorId);
}

export function toPledgeResponse(pledge: PledgeState): PledgeResponse {
  const amountText = (value: Decimal) => formatAmount(value, pledge.currency);
  return {
    id: pledge.id,
    donorId: pledge.donorId,
    currency: pledge.currency,
    amount: amountText(pledge.amount),
    earmark: pledge.earmark,
    status: pledge.status,
    pledgedOn: pledge.pledgedOn,
    confirmedOn: pledge.confirmedOn,
    reference: pledge.reference,
    instalments: pledge.instalments,
    paidAmount: amountText(pledge.paidAmount),
    writtenOffAmount: amountText(pledge.writtenOffAmount),
    outstandingAmount: amountText(outstandingOf(pledge)),
    carryingUsd: pledge.carryingUsd === null ? null : formatUsd(pledge.carryingUsd),
    relievedUsd: formatUsd(pledge.relievedUsd),
    confirmRate: pledge.confirmRate === null ? null : formatRate(pledge.confirmRate),
    confirmRateEffectiveOn: pledge.confirmRateEffectiveOn,
  };
}
