import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { ConferenceCodePipe } from '#src/common/http/code-param.pipe.js';
import { IdempotencyKeyHeader, Fingerprint } from '#src/common/http/idempotency.decorator.js';
import { sendOutcome } from '#src/common/http/idempotent-response.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '#src/common/http/pagination.js';
import {
  AllocationPage,
  AllocationRunDto,
  AllocationRunResponse,
} from '#src/travel-support/allocation-run.dto.js';
import { AllocationsService } from '#src/travel-support/allocations.service.js';
import {
  ConferencePage,
  ConferenceResponse,
  CreateConferenceDto,
  PatchConferenceDto,
} from '#src/travel-support/conference.dto.js';
import { ConferencesService } from '#src/travel-support/conferences.service.js';
import {
  CreateTravelRequestDto,
  TravelRequestPage,
  TravelRequestResponse,
} from '#src/travel-support/travel-request.dto.js';
import { TravelRequestsService } from '#src/travel-support/travel-requests.service.js';

@ApiTags('travel-support')
@Controller('v1/conferences')
export class ConferencesController {
  constructor(
    private readonly conferences: ConferencesService,
    private readonly requests: TravelRequestsService,
    private readonly allocations: AllocationsService,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a conference whose participation the fund supports' })
  @ApiCreatedResponse({ type: ConferenceResponse })
  @ApiProblems({ badRequest: 'Invalid body.', conflict: 'CONFERENCE_EXISTS.' })
  create(
    @Body() body: CreateConferenceDto,
    @CurrentActor() actor: Actor,
  ): Promise<ConferenceResponse> {
    return this.conferences.create(body, actor);
  }

  @Get()
  @Roles('admin', 'finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'List conferences' })
  @ApiOkResponse({ type: ConferencePage })
  @ApiProblems({ badRequest: 'Invalid cursor or limit.' })
  list(@Query() query: PageQuery): Promise<ConferencePage> {
    return this.conferences.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Get(':code')
  @Roles('admin', 'finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'One conference with its parameters' })
  @ApiOkResponse({ type: ConferenceResponse })
  @ApiProblems({ notFound: 'No such conference.' })
  get(@Param('code', ConferenceCodePipe) code: string): Promise<ConferenceResponse> {
    return this.conferences.get(code);
  }

  @Patch(':code')
  @Roles('admin')
  @ApiOperation({ summary: 'Change parameters until the first committed allocation run' })
  @ApiOkResponse({ type: ConferenceResponse })
  @ApiProblems({
    badRequest: 'Invalid body.',
    notFound: 'No such conference.',
    conflict: 'CONFERENCE_LOCKED.',
  })
  patch(
    @Param('code', ConferenceCodePipe) code: string,
    @Body() body: PatchConferenceDto,
    @CurrentActor() actor: Actor,
  ): Promise<ConferenceResponse> {
    return this.conferences.patch(code, body, actor);
  }

  @Post(':code/travel-requests')
  @Roles('finance')
  @ApiOperation({ summary: "Record a Government's nomination of delegates" })
  @ApiCreatedResponse({ type: TravelRequestResponse })
  @ApiProblems({
    badRequest: 'Invalid body.',
    notFound: 'No such conference.',
    conflict: 'REQUEST_EXISTS.',
    unprocessable: 'UNKNOWN_COUNTRY, COUNTRY_NOT_ELIGIBLE or DATE_IN_FUTURE.',
  })
  createRequest(
    @Param('code', ConferenceCodePipe) code: string,
    @Body() body: CreateTravelRequestDto,
    @CurrentActor() actor: Actor,
  ): Promise<TravelRequestResponse> {
    return this.requests.create(code, body, actor);
  }

  @Get(':code/travel-requests')
  @Roles('finance', 'auditor')
  @ApiOperation({ summary: 'Travel requests of a conference' })
  @ApiOkResponse({ type: TravelRequestPage })
  @ApiProblems({ badRequest: 'Invalid cursor or limit.', notFound: 'No such conference.' })
  listRequests(
    @Param('code', ConferenceCodePipe) code: string,
    @Query() query: PageQuery,
  ): Promise<TravelRequestPage> {
    return this.requests.list(code, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Post(':code/allocation-runs')
  @Roles('finance')
  @IdempotencyKeyHeader(false)
  @ApiOperation({
    summary: 'Run the allocation rule: preview (writes nothing) or commit (obligations)',
  })
  @ApiCreatedResponse({ type: AllocationRunResponse })
  @ApiProblems({
    badRequest: 'Invalid body, or conference parameters not yet entered.',
    notFound: 'No such conference.',
    conflict: 'IDEMPOTENCY_KEY_REUSED.',
    unprocessable: 'DATE_IN_FUTURE.',
  })
  async run(
    @Param('code', ConferenceCodePipe) code: string,
    @Body() body: AllocationRunDto,
    @Fingerprint() fingerprint: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AllocationRunResponse> {
    return sendOutcome(
      res,
      await this.allocations.run(code, body.mode, body.effectiveOn, actor, fingerprint),
    );
  }

  @Get(':code/allocations')
  @Roles('finance', 'auditor')
  @ApiOperation({ summary: 'Allocations (obligations) of a conference' })
  @ApiOkResponse({ type: AllocationPage })
  @ApiProblems({ badRequest: 'Invalid cursor or limit.', notFound: 'No such conference.' })
  listAllocations(
    @Param('code', ConferenceCodePipe) code: string,
    @Query() query: PageQuery,
  ): Promise<AllocationPage> {
    return this.allocations.list(code, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }
}
