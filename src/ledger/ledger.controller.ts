import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import {
  ChainVerificationResponse,
  JournalPage,
  LedgerEntriesQuery,
} from '#src/ledger/ledger.dto.js';
import { JournalService } from '#src/ledger/journal.service.js';

@ApiTags('ledger')
@Controller('v1/ledger')
export class LedgerController {
  constructor(private readonly journal: JournalService) {}

  @Get('entries')
  @Roles('auditor', 'finance')
  @ApiOperation({
    summary: 'The journal in sequence order, with the hash chain (see docs/audit-verification.md)',
  })
  @ApiOkResponse({ type: JournalPage })
  @ApiProblems({ badRequest: 'Invalid afterSeq or limit.' })
  async entries(@Query() query: LedgerEntriesQuery): Promise<JournalPage> {
    const limit = query.limit ?? 100;
    const entries = await this.journal.entriesAfter(query.afterSeq ?? 0, limit + 1);
    const page = entries.slice(0, limit);
    return {
      entries: page,
      nextAfterSeq: entries.length > limit ? page[page.length - 1].seq : null,
    };
  }

  @Get('verify')
  @Roles('auditor')
  @ApiOperation({ summary: "Recompute the whole hash chain and every entry's balance" })
  @ApiOkResponse({ type: ChainVerificationResponse })
  verify(): Promise<ChainVerificationResponse> {
    return this.journal.verify();
  }
}
