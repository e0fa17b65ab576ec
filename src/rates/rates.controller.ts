import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { DEFAULT_PAGE_SIZE } from '#src/common/http/pagination.js';
import {
  RateImportResponse,
  RatePage,
  RateQueryDto,
  RateResponse,
  SetRateDto,
} from '#src/rates/rate.dto.js';
import { RatesService } from '#src/rates/rates.service.js';

@ApiTags('rates')
@Controller('v1/rates')
export class RatesController {
  constructor(private readonly rates: RatesService) {}

  @Put(':currency/:effectiveOn')
  @Roles('finance')
  @ApiOperation({
    summary:
      'Set the UN operational rate of a currency from a date (201 when new, 200 when changed or unchanged)',
  })
  @ApiBody({ type: SetRateDto })
  @ApiCreatedResponse({ type: RateResponse, description: 'The rate was created.' })
  @ApiOkResponse({
    type: RateResponse,
    description: 'The rate was changed, or already had this value.',
  })
  @ApiProblems({
    badRequest: 'Invalid currency (USD cannot be set), date or rate.',
    conflict: 'RATE_IN_USE: the rate has been used by a posted entry.',
  })
  async set(
    @Param('currency') currency: string,
    @Param('effectiveOn') effectiveOn: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RateResponse> {
    const outcome = await this.rates.setRate(currency, effectiveOn, body, actor);
    res.status(outcome.created ? 201 : 200);
    return outcome.rate;
  }

  @Get()
  @Roles('admin', 'finance', 'auditor', 'donor')
  @ApiOperation({ summary: 'List rates by currency and effective date' })
  @ApiOkResponse({ type: RatePage })
  @ApiProblems({ badRequest: 'Invalid filter, cursor or limit.' })
  list(@Query() query: RateQueryDto): Promise<RatePage> {
    return this.rates.list({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }

  @Post('import')
  @HttpCode(200)
  @Roles('finance')
  @ApiOperation({ summary: 'Import rates from CSV (currency,effectiveOn,rate), all or nothing' })
  @ApiConsumes('text/csv')
  @ApiBody({
    schema: {
      type: 'string',
      example: 'currency,effectiveOn,rate\nEUR,2026-11-01,0.9234\nJPY,2026-11-01,151.2',
    },
  })
  @ApiOkResponse({ type: RateImportResponse })
  @ApiProblems({
    badRequest: 'Every bad line, each named `line N`.',
    conflict: 'RATE_IN_USE: lines that would change used rates.',
  })
  import(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<RateImportResponse> {
    return this.rates.importCsv(body, actor);
  }
}
