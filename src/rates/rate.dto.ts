import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsCurrencyCode, IsIsoDate, IsRateString } from '#src/common/validation.js';
import { PageQuery } from '#src/common/http/pagination.js';

export class SetRateDto {
  @ApiProperty({
    description: 'Units of the currency per 1 USD, as a decimal string.',
    example: '0.6712',
  })
  @IsRateString()
  rate: string;
}

export class RateResponse {
  @ApiProperty({ example: 'EUR' })
  currency: string;

  @ApiProperty({ format: 'date', example: '2026-11-01' })
  effectiveOn: string;

  @ApiProperty({ example: '0.6712', description: 'Units of the currency per 1 USD.' })
  rate: string;
}

export class RateQueryDto extends PageQuery {
  @ApiPropertyOptional({ example: 'EUR' })
  @IsOptional()
  @IsCurrencyCode()
  currency?: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-01-01' })
  @IsOptional()
  @IsIsoDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-12-31' })
  @IsOptional()
  @IsIsoDate()
  to?: string;
}

export class RatePage {
  @ApiProperty({ type: [RateResponse] })
  items: RateResponse[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}

export class RateImportResponse {
  @ApiProperty({ example: 12 })
  imported: number;
}
