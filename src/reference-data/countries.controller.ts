import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/auth/auth.decorators.js';
import { todayUtc } from '#src/common/dates.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { DEFAULT_PAGE_SIZE } from '#src/common/http/pagination.js';
import { CountriesService } from '#src/reference-data/countries.service.js';
import { CountryPage, CountryQueryDto } from '#src/travel-support/conference.dto.js';

@ApiTags('reference-data')
@Controller('v1/countries')
export class CountriesController {
  constructor(private readonly countries: CountriesService) {}

  @Get()
  @Roles('admin', 'finance', 'auditor', 'donor')
  @ApiOperation({
    summary:
      'Countries with their LDC and developing status on a date (sources: docs/reference-data.md)',
  })
  @ApiOkResponse({ type: CountryPage })
  @ApiProblems({ badRequest: 'Invalid date, cursor or limit.' })
  list(@Query() query: CountryQueryDto): Promise<CountryPage> {
    return this.countries.list(
      query.on ?? todayUtc(),
      query.limit ?? DEFAULT_PAGE_SIZE,
      query.cursor,
    );
  }
}
