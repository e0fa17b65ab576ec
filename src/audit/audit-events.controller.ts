import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditEventPage, AuditEventQuery } from '#src/audit/audit-events.dto.js';
import { AuditEventsQuery } from '#src/audit/audit-events.query.js';
import { Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { DEFAULT_PAGE_SIZE } from '#src/common/http/pagination.js';

@ApiTags('audit')
@Roles('auditor')
@Controller('v1/audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsQuery) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail: who did what, when, through which request' })
  @ApiOkResponse({ type: AuditEventPage })
  @ApiProblems({ badRequest: 'Invalid from, to, cursor or limit.' })
  list(@Query() query: AuditEventQuery): Promise<AuditEventPage> {
    return this.events.list({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
  }
}
