import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '#src/common/errors/error-code.js';

export class FieldErrorSchema {
  @ApiProperty({ example: 'amount' })
  field: string;

  @ApiProperty({ example: 'must have at most 2 decimals for USD' })
  message: string;
}

/** OpenAPI description of the problem document every error carries (RFC 9457). */
export class ProblemSchema {
  @ApiProperty({ example: 'urn:unfssc:problem:validation-failed' })
  type: string;

  @ApiProperty({ example: 'Validation failed' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'amount: must have at most 2 decimals for USD' })
  detail: string;

  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_FAILED })
  code: ErrorCode;

  @ApiPropertyOptional({ example: '/v1/payments' })
  instance?: string;

  @ApiPropertyOptional({ example: '5f2b8c1e-0d7a-4a57-9d9e-3f1f0c7b2a10' })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldErrorSchema] })
  errors?: FieldErrorSchema[];
}
