import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { IatiExportQuery } from '#src/exports/iati-export.dto.js';
import { ExportsService } from '#src/exports/exports.service.js';

@ApiTags('exports')
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get('iati')
  @Roles('auditor', 'finance')
  @ApiProduces('application/xml')
  @ApiOperation({
    summary: 'The fund as an IATI 2.03 activity file for a calendar year',
    description:
      'Incoming pledges (13), incoming commitments (11), incoming funds (1) and outgoing ' +
      'commitments of travel support (2) dated in the year, in their original currency; ' +
      'cancellations, write-offs, reversals and releases are negative values. See ' +
      'docs/decisions/0011-iati-export.md.',
  })
  @ApiOkResponse({
    description: 'An `iati-activities` document valid against the IATI 2.03 activity schema.',
    schema: { type: 'string' },
  })
  @ApiProblems({ badRequest: 'Missing year, or not an integer from 1990 to 2100.' })
  async iati(
    @Query() query: IatiExportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const xml = await this.exports.iati(query.year);
    res.setHeader('Content-Type', 'application/xml; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `inline; filename="unfssc-iati-${String(query.year)}.xml"`,
    );
    return xml;
  }
}
