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
  CreatePaymentDto,
  PaymentPage,
  PaymentQueryDto,
  PaymentResponse,
  ReversePaymentDto,
} from '#src/payments/payment.dto.js';
import { PaymentsService } from '#src/payments/payments.service.js';

@ApiTags('payments')
@Controller('v1/payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @Roles('finance')
  @IdempotencyKeyHeader(true)
  @ApiOperation({
    summary: 'Record a payment: journal entry, signed receipt and audit event in one transaction',
  })
  @ApiCreatedResponse({ type: PaymentResponse })
  @ApiProblems({
    badRequest: 'Invalid body, earmark missing without a pledge, or a missing Idempotency-Key.',
    notFound: 'The donor or the pledge does not exist.',
    conflict: 'INVALID_PLEDGE_STATE or IDEMPOTENCY_KEY_REUSED.',
    unprocessable:
      'PLEDGE_DONOR_MISMATCH, CURRENCY_MISMATCH, DATE_IN_FUTURE, DATE_OUT_OF_ORDER, RATE_NOT_FOUND, EXCEEDS_OUTSTANDING.',
  })
  async create(
    @Body() body: CreatePaymentDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PaymentResponse> {
    return sendOutcome(res, await this.payments.create(body, actor, fingerprint));
  }

  @Get()
  @Roles('finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'List payments (a donor key sees only its own)' })
  @ApiOkResponse({ type: PaymentPage })
  @ApiProblems({ badRequest: 'Invalid filter, cursor or limit.' })
  list(@Query() query: PaymentQueryDto, @CurrentActor() actor: Actor): Promise<PaymentPage> {
    return this.payments.list({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }, actor);
  }

  @Get(':id')
  @Roles('finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'One payment' })
  @ApiOkResponse({ type: PaymentResponse })
  @ApiProblems({ notFound: 'No such payment (or not the donor of this key).' })
  get(
    @Param('id', new IdParamPipe('Payment')) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<PaymentResponse> {
    return this.payments.get(id, actor);
  }

  @Post(':id/reverse')
  @Roles('finance')
  @IdempotencyKeyHeader(false)
  @ApiOperation({ summary: 'Reverse a payment: mirror entry, receipt cancelled, pledge reopened' })
  @ApiOkResponse({ type: PaymentResponse, description: 'The payment, reversed.' })
  @ApiAcceptedResponse({
    type: ApprovalRequestResponse,
    description:
      'Only with four-eyes control on (FOUR_EYES=on): nothing is posted yet; the answer is the pending approval request, which a different finance key approves at POST /v1/approval-requests/{id}/approve.',
  })
  @ApiProblems({
    badRequest: 'Invalid body.',
    notFound: 'No such payment.',
    conflict:
      'ALREADY_REVERSED, INVALID_PLEDGE_STATE (written-off pledge), IDEMPOTENCY_KEY_REUSED, or with four-eyes control APPROVAL_PENDING.',
    unprocessable: 'DATE_IN_FUTURE or DATE_OUT_OF_ORDER (before receivedOn).',
  })
  async reverse(
    @Param('id', new IdParamPipe('Payment')) id: string,
    @Body() body: ReversePaymentDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PaymentResponse | ApprovalRequestResponse> {
    return sendOutcome(
      res,
      await this.payments.reverse(id, body.reason, body.reversedOn, actor, fingerprint),
    );
  }
}
