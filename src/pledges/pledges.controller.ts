import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApprovalRequestResponse } from '#src/approvals/approval-request.dto.js';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { IdempotencyKeyHeader, Fingerprint } from '#src/common/http/idempotency.decorator.js';
import { sendOutcome } from '#src/common/http/idempotent-response.js';
import { IdParamPipe } from '#src/common/http/id-param.pipe.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { DEFAULT_PAGE_SIZE } from '#src/common/http/pagination.js';
import {
  CancelPledgeDto,
  ConfirmPledgeDto,
  CreatePledgeDto,
  PledgePage,
  PledgeQueryDto,
  PledgeResponse,
  WriteOffPledgeDto,
} from '#src/pledges/pledge.dto.js';
import { PledgesService } from '#src/pledges/pledges.service.js';

const STATE_PROBLEMS = {
  badRequest: 'Invalid body.',
  notFound: 'No such pledge.',
  conflict: 'INVALID_PLEDGE_STATE, or IDEMPOTENCY_KEY_REUSED.',
  unprocessable: "DATE_IN_FUTURE or DATE_OUT_OF_ORDER (before the pledge's latest event).",
};

@ApiTags('pledges')
@Controller('v1/pledges')
export class PledgesController {
  constructor(private readonly pledges: PledgesService) {}

  @Post()
  @Roles('finance')
  @IdempotencyKeyHeader(true)
  @ApiOperation({ summary: 'Record a pledge, announced or confirmed' })
  @ApiCreatedResponse({ type: PledgeResponse })
  @ApiProblems({
    badRequest:
      'Invalid body, instalments that do not sum to the amount, or a missing Idempotency-Key.',
    notFound: 'The donor does not exist.',
    conflict: 'IDEMPOTENCY_KEY_REUSED.',
    unprocessable:
      'DATE_IN_FUTURE, DATE_OUT_OF_ORDER (confirmedOn before pledgedOn), RATE_NOT_FOUND.',
  })
  async create(
    @Body() body: CreatePledgeDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PledgeResponse> {
    return sendOutcome(res, await this.pledges.create(body, actor, fingerprint));
  }

  @Get()
  @Roles('finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'List pledges (a donor key sees only its own)' })
  @ApiOkResponse({ type: PledgePage })
  @ApiProblems({ badRequest: 'Invalid filter, cursor or limit.' })
  list(@Query() query: PledgeQueryDto, @CurrentActor() actor: Actor): Promise<PledgePage> {
    return this.pledges.list({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }, actor);
  }

  @Get(':id')
  @Roles('finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'One pledge with its paid, written-off and outstanding amounts' })
  @ApiOkResponse({ type: PledgeResponse })
  @ApiProblems({ notFound: 'No such pledge (or not the donor of this key).' })
  get(
    @Param('id', new IdParamPipe('Pledge')) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<PledgeResponse> {
    return this.pledges.get(id, actor);
  }

  @Post(':id/confirm')
  @Roles('finance')
  @IdempotencyKeyHeader(false)
  @ApiOperation({
    summary: 'Confirm an announced pledge: Dr 1200 / Cr 4100 at the rate for confirmedOn',
  })
  @ApiOkResponse({ type: PledgeResponse })
  @ApiProblems({
    ...STATE_PROBLEMS,
    unprocessable: `${STATE_PROBLEMS.unprocessable} RATE_NOT_FOUND.`,
  })
  async confirm(
    @Param('id', new IdParamPipe('Pledge')) id: string,
    @Body() body: ConfirmPledgeDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PledgeResponse> {
    return sendOutcome(res, await this.pledges.confirm(id, body.confirmedOn, actor, fingerprint));
  }

  @Post(':id/cancel')
  @Roles('finance')
  @IdempotencyKeyHeader(false)
  @ApiOperation({ summary: 'Cancel an announced pledge (a memo entry)' })
  @ApiOkResponse({ type: PledgeResponse })
  @ApiProblems(STATE_PROBLEMS)
  async cancel(
    @Param('id', new IdParamPipe('Pledge')) id: string,
    @Body() body: CancelPledgeDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PledgeResponse> {
    return sendOutcome(
      res,
      await this.pledges.cancel(id, body.reason, body.cancelledOn, actor, fingerprint),
    );
  }

  @Post(':id/write-off')
  @Roles('finance')
  @IdempotencyKeyHeader(false)
  @ApiOperation({
    summary: 'Write off the remaining balance of a confirmed or partially paid pledge',
  })
  @ApiOkResponse({ type: PledgeResponse, description: 'The pledge, written off.' })
  @ApiAcceptedResponse({
    type: ApprovalRequestResponse,
    description:
      'Only with four-eyes control on (FOUR_EYES=on): nothing is posted yet; the answer is the pending approval request, which a different finance key approves at POST /v1/approval-requests/{id}/approve.',
  })
  @ApiProblems({
    ...STATE_PROBLEMS,
    conflict:
      'INVALID_PLEDGE_STATE, IDEMPOTENCY_KEY_REUSED, or with four-eyes control APPROVAL_PENDING.',
  })
  async writeOff(
    @Param('id', new IdParamPipe('Pledge')) id: string,
    @Body() body: WriteOffPledgeDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PledgeResponse | ApprovalRequestResponse> {
    return sendOutcome(
      res,
      await this.pledges.writeOff(id, body.reason, body.writtenOffOn, actor, fingerprint),
    );
  }
}
