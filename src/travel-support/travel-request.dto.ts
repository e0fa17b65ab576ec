import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsObject,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { IsIsoDate, IsUsdAmountString, Trim } from '#src/common/validation.js';

export class DelegateDto {
  @ApiProperty({ example: 'Hon. A. Delegate' })
  @Trim()
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ example: '1450.00', description: 'Economy airfare in USD.' })
  @IsUsdAmountString()
  airfareUsd: string;
}

export class CreateTravelRequestDto {
  @ApiProperty({ example: 'MWI', description: 'ISO 3166-1 alpha-3.' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 3166-1 alpha-3 code such as MWI' })
  countryCode: string;

  @ApiProperty({ format: 'date', example: '2009-11-02' })
  @IsIsoDate()
  nominatedOn: string;

  @ApiProperty({ example: 'MWI/MFA/2009/311' })
  @Trim()
  @IsString()
  @Length(1, 200)
  nominationReference: string;

  @ApiProperty({ type: [DelegateDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsObject({ each: true, message: 'must be a list of objects { name, airfareUsd }' })
  @ValidateNested({ each: true })
  @Type(() => DelegateDto)
  delegates: DelegateDto[];
}

export class DelegateResponse {
  @ApiProperty({ example: 'Hon. A. Delegate' }) name: string;
  @ApiProperty({ example: '1450.00' }) airfareUsd: string;
}

export class TravelRequestResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'NAIROBI-2009' }) conferenceCode: string;
  @ApiProperty({ example: 'MWI' }) countryCode: string;
  @ApiProperty({ format: 'date', example: '2009-11-02' }) nominatedOn: string;
  @ApiProperty({ example: 'MWI/MFA/2009/311' }) nominationReference: string;
  @ApiProperty({ example: false, description: 'Nominated after the nomination deadline.' })
  late: boolean;
  @ApiProperty({
    example: true,
    description: 'An LDC at the conference start (with the grace period).',
  })
  ldc: boolean;
  @ApiProperty({ example: 1, enum: [1, 2, 3, 4] }) tier: number;
  @ApiProperty({ type: [DelegateResponse] }) delegates: DelegateResponse[];
}

export class TravelRequestPage {
  @ApiProperty({ type: [TravelRequestResponse] }) items: TravelRequestResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}
