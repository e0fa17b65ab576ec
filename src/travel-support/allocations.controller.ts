import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { IdempotencyKeyHeader, Fingerprint } from '#src/common/http/idempotency.decorator.js';
import { sendOutcome } from '#src/common/http/idempotent-response.js';
import { IdParamPipe } from '#src/common/http/id-param.pipe.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import {
  AllocationResponse,
  ReleaseAllocationDto,
} from '#src/travel-support/allocation-run.dto.js';
import { AllocationsService } from '#src/travel-support/allocations.service.js';

@ApiTags('travel-support')
@Controller('v1/allocations')
export class AllocationsController {
  constructor(private readonly allocations: AllocationsService) {}

  @Post(':id/release')
  @Roles('finance')
  @IdempotencyKeyHeader(false)
  @ApiOperation({
    summary:
      'Release an unused obligation (Dr 2100 / Cr 5100); its money returns to the budget from releasedOn',
  })
  @ApiOkResponse({ type: AllocationResponse })
  @ApiProblems({
    badRequest: 'Invalid body.',
    notFound: 'No such allocation.',
    conflict: 'ALREADY_RELEASED or IDEMPOTENCY_KEY_REUSED.',
    unprocessable: "DATE_IN_FUTURE or DATE_OUT_OF_ORDER (before the allocation's effectiveOn).",
  })
  async release(
    @Param('id', new IdParamPipe('Allocation')) id: string,
    @Body() body: ReleaseAllocationDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AllocationResponse> {
    return sendOutcome(
      res,
      await this.allocations.release(id, body.reason, body.releasedOn, actor, fingerprint),
    );
  }
}
