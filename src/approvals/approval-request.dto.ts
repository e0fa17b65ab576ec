import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import {
  APPROVAL_ACTIONS,
  APPROVAL_OUTCOMES,
  type ApprovalAction,
} from '#src/approvals/approval.entity.js';
import { PageQuery } from '#src/common/http/pagination.js';
import { Trim } from '#src/common/validation.js';

export const APPROVAL_STATUSES = ['pending', ...APPROVAL_OUTCOMES] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * The body of the request as the requester sent it: `{ reason, reversedOn }` for a reversal,
 * `{ reason, writtenOffOn }` for a write-off.
 */
export class ApprovalRequestBody {
  @ApiProperty({ example: 'Returned by the bank: wrong beneficiary account' })
  reason: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-11-25', description: 'A reversal.' })
  reversedOn?: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-11-25', description: 'A write-off.' })
  writtenOffOn?: string;
}

export class ApprovalRequestResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: APPROVAL_ACTIONS, example: 'payment.reverse' })
  action: ApprovalAction;

  @ApiProperty({ enum: ['payment', 'pledge'], example: 'payment' })
  resourceType: 'payment' | 'pledge';

  @ApiProperty({ format: 'uuid', description: 'The payment or pledge the operation applies to.' })
  resourceId: string;

  @ApiProperty({ type: ApprovalRequestBody })
  request: ApprovalRequestBody;

  @ApiProperty({ format: 'uuid', description: 'The API key that asked for the operation.' })
  requestedBy: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-25T09:30:00.000Z' })
  requestedAt: string;

  @ApiProperty({ enum: APPROVAL_STATUSES, example: 'pending' })
  status: ApprovalStatus;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The API key that approved or rejected; null while pending.',
  })
  decidedBy: string | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    example: '2026-11-25T11:02:00.000Z',
  })
  decidedAt: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'The bank confirmed the funds were credited',
    description: "The rejection's reason, or the approver's optional comment; null while pending.",
  })
  decisionReason: string | null;
}

export class ApprovalRequestPage {
  @ApiProperty({ type: [ApprovalRequestResponse] }) items: ApprovalRequestResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}

export class ApprovalRequestQueryDto extends PageQuery {
  @ApiPropertyOptional({ enum: APPROVAL_STATUSES })
  @IsOptional()
  @IsIn(APPROVAL_STATUSES)
  status?: ApprovalStatus;
}

/** Approving executes the operation exactly as requested: the body only carries a comment. */
export class ApproveRequestDto {
  @ApiPropertyOptional({
    example: 'Checked against the bank statement of 25 November',
    maxLength: 500,
  })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 500)
  comment?: string;
}

export class RejectRequestDto {
  @ApiProperty({ example: 'The bank confirmed the funds were credited', maxLength: 500 })
  @Trim()
  @IsString()
  @Length(1, 500)
  reason: string;
}
