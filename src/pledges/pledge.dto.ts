import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '#src/common/http/pagination.js';
import {
  IsAmountString,
  IsConfirmedOnOfNewPledge,
  IsCurrencyCode,
  IsEarmark,
  IsIsoDate,
  Trim,
} from '#src/common/validation.js';
import { PLEDGE_STATUSES, type PledgeStatus } from '#src/pledges/pledge.entity.js';

export class InstalmentDto {
  @ApiProperty({ format: 'date', example: '2027-03-31' })
  @IsIsoDate()
  dueOn: string;

  @ApiProperty({ example: '1000000', description: 'In the pledge currency.' })
  @IsString({ message: 'must be a decimal string such as "1250.00" (not a JSON number)' })
  amount: string;
}

export class CreatePledgeDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  donorId: string;

  @ApiProperty({ example: 'JPY' })
  @IsCurrencyCode()
  currency: string;

  @ApiProperty({
    example: '3000000',
    description: 'Decimal string, no more decimals than the currency allows.',
  })
  @IsAmountString()
  amount: string;

  @ApiProperty({
    example: 'participation:NAIROBI-2009',
    description: '`unearmarked` or `participation:<conference code>`.',
  })
  @IsEarmark()
  earmark: string;

  @ApiProperty({ enum: ['announced', 'confirmed'], example: 'confirmed' })
  @IsIn(['announced', 'confirmed'])
  status: 'announced' | 'confirmed';

  @ApiProperty({ format: 'date', example: '2026-10-15' })
  @IsIsoDate()
  pledgedOn: string;

  @ApiPropertyOptional({
    format: 'date',
    example: '2026-11-02',
    description: 'Required when status is confirmed.',
  })
  @IsConfirmedOnOfNewPledge()
  confirmedOn?: string;

  @ApiPropertyOptional({ example: 'JPN/UNFSSC/2026/04', maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 200)
  reference?: string;

  @ApiPropertyOptional({
    type: [InstalmentDto],
    description: 'When given, must sum exactly to the amount.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(120)
  @IsObject({ each: true, message: 'must be a list of objects { dueOn, amount }' })
  @ValidateNested({ each: true })
  @Type(() => InstalmentDto)
  instalments?: InstalmentDto[];
}

export class ConfirmPledgeDto {
  @ApiProperty({ format: 'date', example: '2026-11-02' })
  @IsIsoDate()
  confirmedOn: string;
}

export class CancelPledgeDto {
  @ApiProperty({ example: 'Announcement withdrawn by the Permanent Mission', maxLength: 500 })
  @Trim()
  @IsString()
  @Length(1, 500)
  reason: string;

  @ApiProperty({ format: 'date', example: '2026-11-20' })
  @IsIsoDate()
  cancelledOn: string;
}

export class WriteOffPledgeDto {
  @ApiProperty({
    example: 'Balance waived by the Executive Board decision 2026/12',
    maxLength: 500,
  })
  @Trim()
  @IsString()
  @Length(1, 500)
  reason: string;

  @ApiProperty({ format: 'date', example: '2026-11-20' })
  @IsIsoDate()
  writtenOffOn: string;
}

export class PledgeQueryDto extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  donorId?: string;

  @ApiPropertyOptional({ enum: PLEDGE_STATUSES })
  @IsOptional()
  @IsIn(PLEDGE_STATUSES)
  status?: PledgeStatus;
}

export class InstalmentResponse {
  @ApiProperty({ format: 'date', example: '2027-03-31' })
  dueOn: string;

  @ApiProperty({ example: '1000000' })
  amount: string;
}

export class PledgeResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) donorId: string;
  @ApiProperty({ example: 'JPY' }) currency: string;
  @ApiProperty({ example: '3000000' }) amount: string;
  @ApiProperty({ example: 'participation:NAIROBI-2009' }) earmark: string;
  @ApiProperty({ enum: PLEDGE_STATUSES, example: 'confirmed' }) status: PledgeStatus;
  @ApiProperty({ format: 'date', example: '2026-10-15' }) pledgedOn: string;
  @ApiProperty({ format: 'date', nullable: true, type: String, example: '2026-11-02' })
  confirmedOn: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'JPN/UNFSSC/2026/04' }) reference:
    string | null;
  @ApiProperty({ type: [InstalmentResponse] }) instalments: InstalmentResponse[];
  @ApiProperty({ example: '0' }) paidAmount: string;
  @ApiProperty({ example: '0' }) writtenOffAmount: string;
  @ApiProperty({
    example: '3000000',
    description: 'Still to be paid: amount − paid − written off (0 unless confirmed).',
  })
  outstandingAmount: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '19867.55',
    description: 'USD at the confirmation rate.',
  })
  carryingUsd: string | null;
  @ApiProperty({ example: '0.00', description: 'Carrying value relieved by payments so far.' })
  relievedUsd: string;
  @ApiProperty({ nullable: true, type: String, example: '151' }) confirmRate: string | null;
  @ApiProperty({ format: 'date', nullable: true, type: String, example: '2026-11-01' })
  confirmRateEffectiveOn: string | null;
}

export class PledgePage {
  @ApiProperty({ type: [PledgeResponse] }) items: PledgeResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}
