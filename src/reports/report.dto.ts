import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsIsoDate } from '#src/common/validation.js';

export class ReportQuery {
  @ApiPropertyOptional({
    format: 'date',
    example: '2026-12-31',
    description: 'Effective date; default today (UTC).',
  })
  @IsOptional()
  @IsIsoDate()
  asOf?: string;

  @ApiPropertyOptional({
    // No example: Swagger UI would send it, and a sequence past the head is refused.
    description:
      'Journal sequence as known; default the head. Pin both (as returned) to reproduce a report byte for byte.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  asOfSeq?: number;
}

export class TravelSupportReportQuery extends ReportQuery {
  @ApiProperty({ example: 'NAIROBI-2009' })
  @IsString()
  @Matches(/^[A-Z0-9][A-Z0-9-]{0,39}$/, { message: 'must be a conference code' })
  conference: string;
}

abstract class ReportEnvelope {
  @ApiProperty({ format: 'date', example: '2026-12-31' }) asOf: string;
  @ApiProperty({ example: 120 }) asOfSeq: number;
  @ApiProperty({
    example: '5d41402abc4b2a76b9719d911017c592…',
    description: 'SHA-256 of the canonical JSON of { rows, totals }.',
  })
  contentHash: string;
}

export class ContributionRowResponse {
  @ApiProperty({ format: 'uuid' }) donorId: string;
  @ApiProperty({ example: 'Japan' }) donorName: string;
  @ApiProperty({ example: 'JPY' }) currency: string;
  @ApiProperty({ example: '0' }) announced: string;
  @ApiProperty({ example: '3000000' }) confirmed: string;
  @ApiProperty({ example: '2000000' }) paid: string;
  @ApiProperty({ example: '0' }) unpledged: string;
  @ApiProperty({ example: '0' }) writtenOff: string;
  @ApiProperty({ example: '1000000' }) outstanding: string;
  @ApiProperty({ example: '20000.00' }) confirmedUsd: string;
  @ApiProperty({ example: '14250.00' }) receivedUsd: string;
}

export class CurrencyTotalsResponse {
  @ApiProperty({ example: 'JPY' }) currency: string;
  @ApiProperty({ example: '0' }) announced: string;
  @ApiProperty({ example: '3000000' }) confirmed: string;
  @ApiProperty({ example: '2000000' }) paid: string;
  @ApiProperty({ example: '0' }) unpledged: string;
  @ApiProperty({ example: '0' }) writtenOff: string;
  @ApiProperty({ example: '1000000' }) outstanding: string;
}

export class ContributionTotalsResponse {
  @ApiProperty({ type: [CurrencyTotalsResponse] }) byCurrency: CurrencyTotalsResponse[];
  @ApiProperty({ example: '20000.00' }) confirmedUsd: string;
  @ApiProperty({ example: '14250.00' }) receivedUsd: string;
}

export class ContributionsReport extends ReportEnvelope {
  @ApiProperty({ type: [ContributionRowResponse] }) rows: ContributionRowResponse[];
  @ApiProperty({ type: ContributionTotalsResponse }) totals: ContributionTotalsResponse;
}

export class FundStatusRowResponse {
  @ApiProperty({ example: 'participation:NAIROBI-2009' }) earmark: string;
  @ApiProperty({ example: '10000.00' }) receivedUsd: string;
  @ApiProperty({ example: '0.00' }) fxGainLossUsd: string;
  @ApiProperty({ example: '800.00' }) pscUsd: string;
  @ApiProperty({ example: '9100.00' }) obligatedUsd: string;
  @ApiProperty({ example: '0.00' }) releasedUsd: string;
  @ApiProperty({ example: '0.00' }) reserveUsd: string;
  @ApiProperty({ example: '100.00' }) availableUsd: string;
}

export class FundStatusTotalsResponse {
  @ApiProperty({ example: '10000.00' }) receivedUsd: string;
  @ApiProperty({ example: '0.00' }) fxGainLossUsd: string;
  @ApiProperty({ example: '800.00' }) pscUsd: string;
  @ApiProperty({ example: '9100.00' }) obligatedUsd: string;
  @ApiProperty({ example: '0.00' }) releasedUsd: string;
  @ApiProperty({ example: '0.00' }) reserveUsd: string;
  @ApiProperty({ example: '100.00' }) availableUsd: string;
}

export class FundStatusReport extends ReportEnvelope {
  @ApiProperty({ type: [FundStatusRowResponse] }) rows: FundStatusRowResponse[];
  @ApiProperty({ type: FundStatusTotalsResponse }) totals: FundStatusTotalsResponse;
}

export class TravelSupportRowResponse {
  @ApiProperty({ example: 'MWI' }) countryCode: string;
  @ApiProperty({ example: 'Malawi' }) countryName: string;
  @ApiProperty({ example: true }) ldc: boolean;
  @ApiProperty({ example: 1 }) tier: number;
  @ApiProperty({ example: 2 }) delegatesRequested: number;
  @ApiProperty({ example: 2 }) delegatesFunded: number;
  @ApiProperty({ example: '4100.00' }) obligatedUsd: string;
}

export class TravelSupportTotalsResponse {
  @ApiProperty({ example: 3 }) countriesFunded: number;
  @ApiProperty({ example: 2 }) ldcCountriesFunded: number;
  @ApiProperty({ example: '0.6667' }) ldcShareOfCountries: string;
  @ApiProperty({ example: '0.8462' }) ldcShareOfUsd: string;
  @ApiProperty({ example: 4 }) delegatesFunded: number;
  @ApiProperty({ example: '9100.00' }) obligatedUsd: string;
}

export class TravelSupportReport extends ReportEnvelope {
  @ApiProperty({ type: [TravelSupportRowResponse] }) rows: TravelSupportRowResponse[];
  @ApiProperty({ type: TravelSupportTotalsResponse }) totals: TravelSupportTotalsResponse;
}

export class TrialBalanceRowResponse {
  @ApiProperty({ example: '1100' }) account: string;
  @ApiProperty({ example: 'Cash' }) name: string;
  @ApiProperty({ example: '10000.00' }) debitUsd: string;
  @ApiProperty({ example: '0.00' }) creditUsd: string;
  @ApiProperty({ example: '10000.00', description: 'debitUsd − creditUsd.' }) balanceUsd: string;
}

export class TrialBalanceTotalsResponse {
  @ApiProperty({ example: '19900.00' }) debitUsd: string;
  @ApiProperty({ example: '19900.00' }) creditUsd: string;
}

export class TrialBalanceReport extends ReportEnvelope {
  @ApiProperty({ type: [TrialBalanceRowResponse] }) rows: TrialBalanceRowResponse[];
  @ApiProperty({ type: TrialBalanceTotalsResponse }) totals: TrialBalanceTotalsResponse;
}
