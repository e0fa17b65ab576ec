import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { type Role, ROLES } from '#src/auth/role.js';

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Treasury desk', minLength: 1, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: ROLES, example: 'finance' })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Required for a donor key: the only donor it may read.',
  })
  @IsOptional()
  @IsUUID()
  donorId?: string;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Treasury desk' })
  name: string;

  @ApiProperty({ enum: ROLES, example: 'finance' })
  role: Role;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  donorId: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-11-28T09:30:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  revokedAt: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    description:
      'The key itself, shown only in this response. Send it as `Authorization: Bearer <key>`.',
    example: 'unf_3f9a1c2b4d5e6f70_Jq9x...',
  })
  key: string;
}

export class ApiKeyPage {
  @ApiProperty({ type: [ApiKeyResponse] })
  items: ApiKeyResponse[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}
