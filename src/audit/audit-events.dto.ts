import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { PageQuery } from '#src/common/http/pagination.js';

export class AuditEventQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Earliest occurrence, inclusive (date or UTC timestamp).',
    example: '2026-11-01',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    description: 'Latest occurrence, exclusive (date or UTC timestamp).',
    example: '2026-12-01',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
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

  @ApiProperty({ nullable: true, type: String })
  resourceId: string | null;

  @ApiProperty({ nullable: true, type: String })
  requestId: string | null;

  @ApiProperty({ nullable: true, type: String })
  idempotencyKey: string | null;
}

export class AuditEventPage {
  @ApiProperty({ type: [AuditEventResponse] })
  items: AuditEventResponse[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}
