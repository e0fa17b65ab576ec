import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import {
  ChainVerificationResponse,
  JournalPage,
  LedgerEntriesQuery,
} from '#src/ledger/ledger.dto.js';
import { LedgerQuery } from '#src/ledger/ledger.query.js';

@ApiTags('ledger')
@Controller('v1/ledger')
export class LedgerController {
  constructor(private readonly ledger: LedgerQuery) {}

  @Get('entries')
  @Roles('auditor', 'finance')
  @ApiOperation({
    summary: 'The journal in sequence order, with the hash chain (see docs/audit-verification.md)',
  })
  @ApiOkResponse({ type: JournalPage })
  @ApiProblems({ badRequest: 'Invalid afterSeq or limit.' })
  entries(@Query() query: LedgerEntriesQuery): Promise<JournalPage> {
    return this.ledger.page(query.afterSeq ?? 0, query.limit ?? 100);
  }

  @Get('verify')
  @Roles('auditor')
  @ApiOperation({ summary: "Recompute the whole hash chain and every entry's balance" })
  @ApiOkResponse({ type: ChainVerificationResponse })
  verify(): Promise<ChainVerificationResponse> {
    return this.ledger.verify();
  }
}
