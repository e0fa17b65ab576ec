import { Controller, Get, Param, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Actor } from '#src/auth/actor.js';
import { CurrentActor, Public, Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems, problemRef } from '#src/common/http/openapi.js';
import { SignedReceiptResponse, SigningKeyPage } from '#src/receipts/receipt.dto.js';
import { ReceiptsService } from '#src/receipts/receipts.service.js';

// Routes that need a key get their 503 from buildOpenApiDocument; public ones say it here.
const UNAVAILABLE = 'SERVICE_UNAVAILABLE: the database cannot be reached.';

@ApiTags('receipts')
@Controller()
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Get('v1/receipts/:number')
  @Roles('finance', 'auditor', 'donor')
  @ApiExtraModels(SignedReceiptResponse)
  @ApiOperation({
    summary:
      'A receipt with its signature; `Accept: application/pdf` gives a printable one-page PDF',
  })
  @ApiOkResponse({
    description: 'JSON, or the PDF when asked for with `Accept: application/pdf`.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SignedReceiptResponse) } },
      'application/pdf': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiProblems({ notFound: 'No such receipt (or not the donor of this key).' })
  async get(
    @Param('number') number: string,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SignedReceiptResponse | StreamableFile> {
    const view = await this.receipts.getByNumber(number, actor);
    if (req.accepts(['application/json', 'application/pdf']) !== 'application/pdf') return view;
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="${view.receipt.number}.pdf"`);
    return new StreamableFile(await this.receipts.pdf(view));
  }

  @Get('v1/public/receipts/:verificationCode')
  @Public()
  @ApiOperation({ summary: 'Verify a receipt by the code printed on it (no key needed)' })
  @ApiOkResponse({ type: SignedReceiptResponse, description: 'The receipt and its signature.' })
  @ApiProblems({ notFound: 'No receipt has this verification code.' })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE, ...problemRef() })
  verify(@Param('verificationCode') code: string): Promise<SignedReceiptResponse> {
    return this.receipts.getByVerificationCode(code);
  }

  @Get('v1/public/signing-keys')
  @Public()
  @ApiOperation({ summary: 'Public keys that sign receipts, for offline verification' })
  @ApiOkResponse({
    type: SigningKeyPage,
    description: 'The keys that sign receipts, for offline verification.',
  })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE, ...problemRef() })
  signingKeys(): Promise<SigningKeyPage> {
    return this.receipts.signingKeys();
  }
}
