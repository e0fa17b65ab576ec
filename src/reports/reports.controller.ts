import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import {
  ContributionsReport,
  FundStatusReport,
  ReportQuery,
  TravelSupportReport,
  TravelSupportReportQuery,
  TrialBalanceReport,
} from '#src/reports/report.dto.js';
import { ReportsService } from '#src/reports/reports.service.js';

const COLUMNS = {
  contributions: [
    'donorId',
    'donorName',
    'currency',
    'announced',
    'confirmed',
    'paid',
    'unpledged',
    'writtenOff',
    'outstanding',
    'confirmedUsd',
    'receivedUsd',
  ],
  fundStatus: [
    'earmark',
    'receivedUsd',
    'fxGainLossUsd',
    'pscUsd',
    'obligatedUsd',
    'releasedUsd',
    'reserveUsd',
    'availableUsd',
  ],
  travelSupport: [
    'countryCode',
    'countryName',
    'ldc',
    'tier',
    'delegatesRequested',
    'delegatesFunded',
    'obligatedUsd',
  ],
  trialBalance: ['account', 'name', 'debitUsd', 'creditUsd', 'balanceUsd'],
};

/** A report answers JSON, or its rows as CSV (a string) with `Accept: text/csv`. */
function ApiReportResponse(model: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiOkResponse({
      description:
        'JSON, or the rows as CSV with `Accept: text/csv` (a header line of the JSON field names).',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(model) } },
        'text/csv': {
          schema: {
            type: 'string',
            example:
              'account,name,debitUsd,creditUsd,balanceUsd\n1100,Cash,10000.00,0.00,10000.00\n',
          },
        },
      },
    }),
  );
}

const POINT =
  'Pin `asOf` and `asOfSeq` (returned in every answer) to reproduce the report byte for byte.';

@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('contributions')
  @Roles('finance', 'auditor', 'donor')
  @ApiOperation({
    summary: 'Pledges and payments per donor and currency (a donor key: its own rows)',
    description: POINT,
  })
  @ApiReportResponse(ContributionsReport)
  @ApiProblems({ badRequest: 'Invalid asOf or asOfSeq (after the journal head).' })
  async contributions(
    @Query() query: ReportQuery,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return asCsvIfAsked(
      req,
      res,
      await this.reports.contributions(query, actor),
      COLUMNS.contributions,
      'contributions',
    );
  }

  @Get('fund-status')
  @Roles('finance', 'auditor')
  @ApiOperation({
    summary: 'Cash-basis availability per earmark (the travel budget of a conference)',
    description: POINT,
  })
  @ApiReportResponse(FundStatusReport)
  @ApiProblems({ badRequest: 'Invalid asOf or asOfSeq (after the journal head).' })
  async fundStatus(
    @Query() query: ReportQuery,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return asCsvIfAsked(
      req,
      res,
      await this.reports.fundStatus(query),
      COLUMNS.fundStatus,
      'fund-status',
    );
  }

  @Get('travel-support')
  @Roles('finance', 'auditor')
  @ApiOperation({
    summary: 'Travel requests and standing obligations of a conference, with the LDC shares',
    description: POINT,
  })
  @ApiReportResponse(TravelSupportReport)
  @ApiProblems({
    badRequest: 'Missing conference, or invalid asOf or asOfSeq.',
    notFound: 'No such conference.',
  })
  async travelSupport(
    @Query() query: TravelSupportReportQuery,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return asCsvIfAsked(
      req,
      res,
      await this.reports.travelSupport(query),
      COLUMNS.travelSupport,
      'travel-support',
    );
  }

  @Get('trial-balance')
  @Roles('finance', 'auditor')
  @ApiOperation({
    summary: 'Gross debits and credits per account; the totals are equal',
    description: POINT,
  })
  @ApiReportResponse(TrialBalanceReport)
  @ApiProblems({ badRequest: 'Invalid asOf or asOfSeq (after the journal head).' })
  async trialBalance(
    @Query() query: ReportQuery,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return asCsvIfAsked(
      req,
      res,
      await this.reports.trialBalance(query),
      COLUMNS.trialBalance,
      'trial-balance',
    );
  }
}

/**
 * With `Accept: text/csv`, the rows as CSV under a header of the JSON field names; the report
 * point and content hash travel in headers so the CSV stays reproducible and checkable.
 */
function asCsvIfAsked<
  T extends { asOf: string; asOfSeq: number; contentHash: string; rows: object[] },
>(req: Request, res: Response, report: T, columns: string[], name: string): T | string {
  res.setHeader('X-Report-As-Of', report.asOf);
  res.setHeader('X-Report-As-Of-Seq', String(report.asOfSeq));
  res.setHeader('X-Content-Hash', report.contentHash);
  if (req.accepts(['application/json', 'text/csv']) !== 'text/csv') return report;
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader(
    'Content-Disposition',
    `inline; filename="${name}-${report.asOf}-${report.asOfSeq}.csv"`,
  );
  return stringify(report.rows as Record<string, unknown>[], {
    header: true,
    columns,
    cast: { boolean: (value) => String(value) },
  });
}
