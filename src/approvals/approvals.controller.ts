import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ApprovalRequestPage,
  ApprovalRequestQueryDto,
  ApprovalRequestResponse,
  ApproveRequestDto,
  RejectRequestDto,
} from '#src/approvals/approval-request.dto.js';
import { ApprovalsService } from '#src/approvals/approvals.service.js';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { Fingerprint, IdempotencyKeyHeader } from '#src/common/http/idempotency.decorator.js';
import { sendOutcome } from '#src/common/http/idempotent-response.js';
import { IdParamPipe } from '#src/common/http/id-param.pipe.js';
import { ApiProblems, problemRef } from '#src/common/http/openapi.js';
import { DEFAULT_PAGE_SIZE } from '#src/common/http/pagination.js';
import { PaymentResponse } from '#src/payments/payment.dto.js';
import { PledgeResponse } from '#src/pledges/pledge.dto.js';

@ApiTags('approvals')
@ApiExtraModels(PaymentResponse, PledgeResponse)
@Controller('v1/approval-requests')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get()
  @Roles('finance', 'auditor')
  @ApiOperation({
    summary: 'List four-eyes approval requests (reversals, write-offs) in the order they were made',
  })
  @ApiOkResponse({ type: ApprovalRequestPage })
  @ApiProblems({ badRequest: 'Invalid status, cursor or limit.' })
  list(@Query() query: ApprovalRequestQueryDto): Promise<ApprovalRequestPage> {
    return this.approvals.list({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  @Get(':id')
  @Roles('finance', 'auditor')
  @ApiOperation({ summary: 'One approval request with its decision' })
  @ApiOkResponse({ type: ApprovalRequestResponse })
  @ApiProblems({ notFound: 'No such approval request.' })
  get(
    @Param('id', new IdParamPipe('Approval request')) id: string,
  ): Promise<ApprovalRequestResponse> {
    return this.approvals.get(id);
  }

  @Post(':id/approve')
  @Roles('finance')
  @ApiForbiddenResponse({
    description:
      "The key's role is not finance, or it is the key that made the request: four-eyes control needs another key.",
    ...problemRef(),
  })
  @IdempotencyKeyHeader(false)
  @ApiOperation({
    summary:
      'Approve a request with a different finance key: the reversal or write-off is posted now',
  })
  @ApiOkResponse({
    description:
      'The reversed payment (payment.reverse) or the written-off pledge (pledge.write_off), exactly as the direct call answers.',
    schema: {
      oneOf: [{ $ref: getSchemaPath(PaymentResponse) }, { $ref: getSchemaPath(PledgeResponse) }],
    },
  })
  @ApiProblems({
    badRequest: 'Invalid body.',
    notFound: 'No such approval request.',
    conflict:
      'ALREADY_DECIDED, IDEMPOTENCY_KEY_REUSED, or what the operation raises now (ALREADY_REVERSED, INVALID_PLEDGE_STATE); the request then stays pending.',
    unprocessable: 'DATE_OUT_OF_ORDER: a later event now precedes the requested date.',
  })
  async approve(
    @Param('id', new IdParamPipe('Approval request')) id: string,
    @Body() body: ApproveRequestDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PaymentResponse | PledgeResponse> {
    return sendOutcome(
      res,
      await this.approvals.approve(id, body.comment ?? null, actor, fingerprint),
    );
  }

  @Post(':id/reject')
  @Roles('finance')
  @IdempotencyKeyHeader(false)
  @ApiOperation({
    summary: 'Reject a request (the requester may withdraw its own): nothing is posted',
  })
  @ApiOkResponse({ type: ApprovalRequestResponse })
  @ApiProblems({
    badRequest: 'Invalid body.',
    notFound: 'No such approval request.',
    conflict: 'ALREADY_DECIDED or IDEMPOTENCY_KEY_REUSED.',
  })
  async reject(
    @Param('id', new IdParamPipe('Approval request')) id: string,
    @Body() body: RejectRequestDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ApprovalRequestResponse> {
    return sendOutcome(res, await this.approvals.reject(id, body.reason, actor, fingerprint));
  }
}
