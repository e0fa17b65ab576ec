import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { IsIsoDate, Trim } from '#src/common/validation.js';

export class AllocationRunDto {
  @ApiProperty({
    enum: ['preview', 'commit'],
    example: 'preview',
    description: 'A preview writes nothing.',
  })
  @IsIn(['preview', 'commit'])
  mode: 'preview' | 'commit';

  @ApiProperty({
    format: 'date',
    example: '2009-11-16',
    description: 'Date of the obligations; cash received on or before it counts.',
  })
  @IsIsoDate()
  effectiveOn: string;
}

export class AllocationRunLineResponse {
  @ApiProperty({ example: 'MWI' }) countryCode: string;
  @ApiProperty({ example: 1, enum: [1, 2, 3, 4] }) tier: number;
  @ApiProperty({ example: true }) ldc: boolean;
  @ApiProperty({ example: false }) late: boolean;
  @ApiProperty({ example: 2 }) delegatesRequested: number;
  @ApiProperty({ example: 2, description: 'Delegates this run funds.' }) delegatesFunded: number;
  @ApiProperty({ example: '2900.00' }) airfareUsd: string;
  @ApiProperty({ example: '2000.00' }) dsaUsd: string;
  @ApiProperty({ example: '200.00' }) terminalUsd: string;
  @ApiProperty({ example: '5100.00' }) amountUsd: string;
  @ApiProperty({ enum: ['funded', 'partially_funded', 'not_funded'], example: 'funded' })
  decision: string;
  @ApiProperty({ example: 'Funded 2 of 2 delegates' }) reason: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Set on lines a commit funded.',
  })
  allocationId: string | null;
}

export class AllocationRunResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'NAIROBI-2009' }) conferenceCode: string;
  @ApiProperty({ enum: ['preview', 'commit'] }) mode: 'preview' | 'commit';
  @ApiProperty({ format: 'date', example: '2009-11-16' }) effectiveOn: string;
  @ApiProperty({ example: '48000.00' }) budgetUsd: string;
  @ApiProperty({ example: '45900.00' }) spentUsd: string;
  @ApiProperty({
    example: '9f2c…',
    description: 'SHA-256 of the canonical inputs: the same inputs give the same hash and lines.',
  })
  inputsHash: string;
  @ApiProperty({ type: [AllocationRunLineResponse] }) lines: AllocationRunLineResponse[];
}

export class ReleaseAllocationDto {
  @ApiProperty({ example: 'Delegate could not travel' })
  @Trim()
  @IsString()
  @Length(1, 500)
  reason: string;

  @ApiProperty({ format: 'date', example: '2009-12-10' })
  @IsIsoDate()
  releasedOn: string;
}

export class AllocationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'MWI' }) countryCode: string;
  @ApiProperty({ example: 2 }) delegatesFunded: number;
  @ApiProperty({ example: '5100.00' }) amountUsd: string;
  @ApiProperty({ enum: ['committed', 'released'] }) status: 'committed' | 'released';
  @ApiProperty({ format: 'date', example: '2009-11-16' }) effectiveOn: string;
  @ApiProperty({ format: 'date', nullable: true, type: String, example: null }) releasedOn:
    string | null;
}

export class AllocationPage {
  @ApiProperty({ type: [AllocationResponse] }) items: AllocationResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}
