import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { IdParamPipe } from '#src/common/http/id-param.pipe.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '#src/common/http/pagination.js';
import { CreateDonorDto, DonorPage, DonorResponse } from '#src/donors/donor.dto.js';
import { DonorsService } from '#src/donors/donors.service.js';

@ApiTags('donors')
@Controller('v1/donors')
export class DonorsController {
  constructor(private readonly donors: DonorsService) {}

  @Post()
  @Roles('finance')
  @ApiOperation({ summary: 'Record a donor (at most one per Member State)' })
  @ApiCreatedResponse({ type: DonorResponse })
  @ApiProblems({
    badRequest: 'Invalid body; countryCode is required for a member_state.',
    conflict: 'DONOR_EXISTS: the Member State already has a donor.',
    unprocessable: 'UNKNOWN_COUNTRY: countryCode is not in the country table.',
  })
  create(@Body() body: CreateDonorDto, @CurrentActor() actor: Actor): Promise<DonorResponse> {
    return this.donors.create(body, actor);
  }

  @Get()
  @Roles('admin', 'finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'List donors by name (a donor key sees only its own donor)' })
  @ApiOkResponse({ type: DonorPage })
  @ApiProblems({ badRequest: 'Invalid cursor or limit.' })
  list(@Query() query: PageQuery, @CurrentActor() actor: Actor): Promise<DonorPage> {
    return this.donors.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor, actor);
  }

  @Get(':id')
  @Roles('admin', 'finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'One donor' })
  @ApiOkResponse({ type: DonorResponse })
  @ApiProblems({ notFound: 'No such donor (or not the donor of this key).' })
  get(
    @Param('id', new IdParamPipe('Donor')) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<DonorResponse> {
    return this.donors.get(id, actor);
  }
}
