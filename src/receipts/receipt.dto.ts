import { ApiProperty } from '@nestjs/swagger';

export class ReceiptPayloadResponse {
  @ApiProperty({ example: 'UNFSSC-2026-000001' }) number: string;
  @ApiProperty({ example: '7K3QX9M2PD4WZ8RT6BNH' }) verificationCode: string;
  @ApiProperty({ format: 'uuid' }) donorId: string;
  @ApiProperty({ example: 'Japan' }) donorName: string;
  @ApiProperty({ nullable: true, type: String, example: 'JPN/UNFSSC/2026/04' }) pledgeReference:
    string | null;
  @ApiProperty({ example: 'JPY' }) currency: string;
  @ApiProperty({ example: '1000000' }) amount: string;
  @ApiProperty({ format: 'date', example: '2026-11-20' }) receivedOn: string;
  @ApiProperty({ example: '151.5' }) rate: string;
  @ApiProperty({ format: 'date', example: '2026-11-16' }) rateEffectiveOn: string;
  @ApiProperty({ example: '6600.66' }) amountUsd: string;
  @ApiProperty({ example: 'participation:NAIROBI-2009' }) earmark: string;
  @ApiProperty({ nullable: true, type: String, example: 'SWIFT MT103 20261120-7781' })
  bankReference: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-20T10:15:00.000Z' }) issuedAt: string;
}

export class SignedReceiptResponse {
  @ApiProperty({ type: ReceiptPayloadResponse, description: 'The signed fields.' })
  receipt: ReceiptPayloadResponse;

  @ApiProperty({
    description: 'Base64 Ed25519 signature over the canonical JSON of `receipt`.',
    example:
      'YCLmxiKNNPYD8URS5dYcyqKUlC3wdVRuS/aVJPvtEaLVvWftswwbI6xbBrMXYZn+3ogd8Bc9aelRKByIKUwmAA==',
  })
  signature: string;

  @ApiProperty({ example: '3f9a1c2b4d5e6f70' })
  keyId: string;

  @ApiProperty({ enum: ['issued', 'cancelled'], example: 'issued' })
  status: 'issued' | 'cancelled';

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  cancelledAt: string | null;
}

export class SigningKeyResponse {
  @ApiProperty({ example: '3f9a1c2b4d5e6f70' }) keyId: string;
  @ApiProperty({
    example: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA...\n-----END PUBLIC KEY-----\n',
  })
  publicKeyPem: string;
}

export class SigningKeyPage {
  @ApiProperty({ type: [SigningKeyResponse] }) items: SigningKeyResponse[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: null;
}
