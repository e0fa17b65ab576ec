import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { PageQuery } from '#src/common/http/pagination.js';
import { IsDateOrUtcTimestamp } from '#src/common/validation.js';

export class AuditEventQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Earliest occurrence, inclusive (date or UTC timestamp).',
    example: '2026-11-01',
  })
  @IsOptional()
  @IsDateOrUtcTimestamp()
  from?: string;

  @ApiPropertyOptional({
    description: 'Latest occurrence, exclusive (date or UTC timestamp).',
    example: '2026-12-01',
  })
  @IsOptional()
  @IsDateOrUtcTimestamp()
  to?: string;
}

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-28T09:30:00.000Z' })
  occurredAt: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  apiKeyId: string | null;

  @ApiProperty({
    example: 'finance',
    description: 'Role of the key, or `system` for the command line.',
  })
  role: string;

  @ApiProperty({ example: 'api_key.created' })
  action: string;

  @ApiProperty({ example: 'api_key' })
  resourceType: string;

  @ApiProperty({ nullable: true, type: String, example: '5f2b8c1e-0d7a-4a57-9d9e-3f1f0c7b2a10' })
  resourceId: string | null;

  @ApiProperty({ nullable: true, type: String, example: '9b1d3c2e-6f4a-4e8b-a0c7-1d2e3f4a5b6c' })
  requestId: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'pay-2026-11-28-0001' })
  idempotencyKey: string | null;
}

export class AuditEventPage {
  @ApiProperty({ type: [AuditEventResponse] })
  items: AuditEventResponse[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}
