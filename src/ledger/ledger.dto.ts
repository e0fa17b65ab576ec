import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class LedgerEntriesQuery {
  @ApiPropertyOptional({
    minimum: 0,
    default: 0,
    description: 'Return entries with a greater sequence number.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  afterSeq?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class JournalLineResponse {
  @ApiProperty({ example: '1100' }) account: string;
  @ApiProperty({ enum: ['debit', 'credit'] }) side: 'debit' | 'credit';
  @ApiProperty({ example: '6600.66' }) amountUsd: string;
  @ApiProperty({ example: 'participation:NAIROBI-2009' }) earmark: string;
  @ApiProperty({ example: 'JPY' }) currency: string;
  @ApiProperty({ example: '1000000' }) amountOriginal: string;
  @ApiProperty({ example: '151.5' }) rate: string;
  @ApiProperty({ format: 'date', example: '2026-11-16' }) rateEffectiveOn: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) donorId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) pledgeId: string | null;
}

export class JournalEntryResponse {
  @ApiProperty({ example: 42 }) seq: number;
  @ApiProperty({ format: 'date', example: '2026-11-20' }) effectiveOn: string;
  @ApiProperty({ example: 'payment_received' }) kind: string;
  @ApiProperty({ example: 'payment' }) sourceType: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) sourceId: string | null;
  @ApiProperty({ nullable: true, type: Number, example: null }) reversesSeq: number | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-20T10:15:00.000Z' }) recordedAt: string;
  @ApiProperty({ example: '0'.repeat(64) }) previousHash: string;
  @ApiProperty({ example: 'a3f1…' }) hash: string;
  @ApiProperty({ type: [JournalLineResponse] }) lines: JournalLineResponse[];
}

export class JournalPage {
  @ApiProperty({ type: [JournalEntryResponse] }) entries: JournalEntryResponse[];
  @ApiProperty({
    nullable: true,
    type: Number,
    example: null,
    description: 'Pass as afterSeq for the next page; null on the last.',
  })
  nextAfterSeq: number | null;
}

export class ChainVerificationResponse {
  @ApiProperty({ example: true }) valid: boolean;
  @ApiProperty({ example: 42 }) entries: number;
  @ApiProperty({ nullable: true, type: Number, example: 42 }) headSeq: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
  })
  headHash: string | null;
  @ApiProperty({ nullable: true, type: Number, example: null }) firstBrokenSeq: number | null;
}
