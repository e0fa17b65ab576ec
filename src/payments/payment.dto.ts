import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQuery } from '#src/common/http/pagination.js';
import {
  IsAmountString,
  IsCurrencyCode,
  IsPaymentEarmark,
  IsIsoDate,
  Trim,
} from '#src/common/validation.js';

export class CreatePaymentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  donorId: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The confirmed pledge this payment settles, in whole or in part.',
  })
  @IsOptional()
  @IsUUID()
  pledgeId?: string;

  @ApiProperty({ example: 'JPY' })
  @IsCurrencyCode()
  currency: string;

  @ApiProperty({ example: '1000000' })
  @IsAmountString()
  amount: string;

  @ApiProperty({ format: 'date', example: '2026-11-20' })
  @IsIsoDate()
  receivedOn: string;

  @ApiPropertyOptional({
    example: 'participation:NAIROBI-2009',
    description: "Required without a pledge; with a pledge it is the pledge's.",
  })
  @IsPaymentEarmark()
  earmark?: string;

  @ApiPropertyOptional({ example: 'SWIFT MT103 20261120-7781', maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 200)
  bankReference?: string;
}

export class ReversePaymentDto {
  @ApiProperty({ example: 'Returned by the bank: wrong beneficiary account', maxLength: 500 })
  @Trim()
  @IsString()
  @Length(1, 500)
  reason: string;

  @ApiProperty({ format: 'date', example: '2026-11-25' })
  @IsIsoDate()
  reversedOn: string;
}

export class PaymentQueryDto extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  donorId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  pledgeId?: string;
}

export class PaymentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) donorId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) pledgeId: string | null;
  @ApiProperty({ example: 'JPY' }) currency: string;
  @ApiProperty({ example: '1000000' }) amount: string;
  @ApiProperty({ format: 'date', example: '2026-11-20' }) receivedOn: string;
  @ApiProperty({ example: 'participation:NAIROBI-2009' }) earmark: string;
  @ApiProperty({ nullable: true, type: String, example: 'SWIFT MT103 20261120-7781' })
  bankReference: string | null;
  @ApiProperty({ example: '151.5', description: 'The rate used: units per USD.' }) rate: string;
  @ApiProperty({ format: 'date', example: '2026-11-16' }) rateEffectiveOn: string;
  @ApiProperty({ example: '6600.66' }) amountUsd: string;
  @ApiProperty({
    example: '6622.52',
    description: 'Carrying value of the pledge relieved; "0.00" without a pledge.',
  })
  relievedUsd: string;
  @ApiProperty({ example: '-21.86', description: 'Positive for a gain; "0.00" without a pledge.' })
  fxGainLossUsd: string;
  @ApiProperty({ example: '0.08' }) pscRate: string;
  @ApiProperty({ example: '528.05' }) pscUsd: string;
  @ApiProperty({ enum: ['posted', 'reversed'], example: 'posted' }) status: 'posted' | 'reversed';
  @ApiProperty({ example: 'UNFSSC-2026-000001' }) receiptNumber: string;
  @ApiProperty({ example: 42 }) journalEntrySeq: number;
}

export class PaymentPage {
  @ApiProperty({ type: [PaymentResponse] }) items: PaymentResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}
