import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { Trim } from '#src/common/validation.js';
import { DONOR_TYPES, type DonorType } from '#src/donors/donor.entity.js';

export class CreateDonorDto {
  @ApiProperty({ example: 'Republic of Korea', minLength: 1, maxLength: 200 })
  @Trim()
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: DONOR_TYPES, example: 'member_state' })
  @IsIn(DONOR_TYPES)
  type: DonorType;

  @ApiPropertyOptional({
    example: 'KOR',
    description: 'ISO 3166-1 alpha-3; required for a member_state.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 3166-1 alpha-3 code such as KOR' })
  countryCode?: string;
}

export class DonorResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Republic of Korea' })
  name: string;

  @ApiProperty({ enum: DONOR_TYPES, example: 'member_state' })
  type: DonorType;

  @ApiProperty({ type: String, nullable: true, example: 'KOR' })
  countryCode: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-11-28T09:30:00.000Z' })
  createdAt: string;
}

export class DonorPage {
  @ApiProperty({ type: [DonorResponse] })
  items: DonorResponse[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}
