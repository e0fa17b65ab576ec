import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQuery } from '#src/common/http/pagination.js';
import { IsIsoDate, IsUsdAmountString, Trim } from '#src/common/validation.js';

export const CONFERENCE_CODE = /^[A-Z0-9][A-Z0-9-]{0,39}$/;

export class CreateConferenceDto {
  @ApiProperty({
    example: 'BAPA40-2019',
    description:
      'Upper-case letters, digits and hyphens; used in the earmark participation:<code>.',
  })
  @IsString()
  @Matches(CONFERENCE_CODE, {
    message:
      'must be 1 to 40 upper-case letters, digits or hyphens, starting with a letter or digit',
  })
  code: string;

  @ApiProperty({
    example: 'Second High-level United Nations Conference on South-South Cooperation',
  })
  @Trim()
  @IsString()
  @Length(1, 300)
  name: string;

  @ApiProperty({ example: 'Buenos Aires' })
  @Trim()
  @IsString()
  @Length(1, 200)
  city: string;

  @ApiProperty({ format: 'date', example: '2019-03-20' })
  @IsIsoDate()
  startsOn: string;

  @ApiProperty({ format: 'date', example: '2019-03-22' })
  @IsIsoDate()
  endsOn: string;

  @ApiProperty({ format: 'date', example: '2019-02-15' })
  @IsIsoDate()
  nominationDeadline: string;

  @ApiProperty({
    example: '250.00',
    description: 'Daily subsistence allowance per night, USD; may be zero.',
  })
  @IsUsdAmountString({ allowZero: true })
  dsaRateUsd: string;

  @ApiProperty({ example: 4 })
  @IsInt()
  @Min(0)
  @Max(366)
  dsaNights: number;

  @ApiProperty({
    example: '100.00',
    description: 'Terminal expenses per delegate, USD; may be zero.',
  })
  @IsUsdAmountString({ allowZero: true })
  terminalExpensesUsd: string;

  @ApiProperty({ example: 2 })
  @IsInt()
  @Min(0)
  @Max(100)
  maxDelegatesLdc: number;

  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(0)
  @Max(100)
  maxDelegatesOther: number;

  @ApiProperty({
    example: false,
    description: 'Whether unearmarked cash may also fund this conference.',
  })
  @IsBoolean()
  useUnearmarked: boolean;

  @ApiProperty({
    example: 3,
    description: 'Years after graduation during which a country keeps LDC priority.',
  })
  @IsInt()
  @Min(0)
  @Max(20)
  ldcGraceYears: number;
}

/** Every parameter but the code may change until the first committed run. */
export class PatchConferenceDto extends PartialType(CreateConferenceDto) {}

export class ConferenceResponse {
  @ApiProperty({ example: 'NAIROBI-2009' }) code: string;
  @ApiProperty({ example: 'High-level United Nations Conference on South-South Cooperation' })
  name: string;
  @ApiProperty({ example: 'Nairobi' }) city: string;
  @ApiProperty({ format: 'date', example: '2009-12-01' }) startsOn: string;
  @ApiProperty({ format: 'date', example: '2009-12-03' }) endsOn: string;
  @ApiProperty({ format: 'date', nullable: true, type: String, example: '2009-11-06' })
  nominationDeadline: string | null;
  @ApiProperty({ nullable: true, type: String, example: '250.00' }) dsaRateUsd: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 4 }) dsaNights: number | null;
  @ApiProperty({ nullable: true, type: String, example: '100.00' }) terminalExpensesUsd:
    string | null;
  @ApiProperty({ nullable: true, type: Number, example: 2 }) maxDelegatesLdc: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 1 }) maxDelegatesOther: number | null;
  @ApiProperty({ example: false }) useUnearmarked: boolean;
  @ApiProperty({ example: 0 }) ldcGraceYears: number;
  @ApiProperty({
    example: false,
    description: 'True once a run has been committed: parameters are frozen.',
  })
  locked: boolean;
}

export class ConferencePage {
  @ApiProperty({ type: [ConferenceResponse] }) items: ConferenceResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}

export class CountryQueryDto extends PageQuery {
  @ApiPropertyOptional({
    format: 'date',
    example: '2009-12-01',
    description: 'Default: today (UTC).',
  })
  @IsOptional()
  @IsIsoDate()
  on?: string;
}

export class CountryResponse {
  @ApiProperty({ example: 'KEN' }) alpha3: string;
  @ApiProperty({ example: 'KE' }) alpha2: string;
  @ApiProperty({ example: '404' }) m49: string;
  @ApiProperty({ example: 'Kenya' }) name: string;
  @ApiProperty({
    example: false,
    description: 'On the UN list of least developed countries on that date.',
  })
  ldc: boolean;
  @ApiProperty({
    example: true,
    description: 'Developing for travel support: G-77 member, China, or LDC.',
  })
  developing: boolean;
}

export class CountryPage {
  @ApiProperty({ type: [CountryResponse] }) items: CountryResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}
