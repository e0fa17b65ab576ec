import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '#src/auth/actor.js';
import {
  ApiKeyPage,
  ApiKeyResponse,
  CreateApiKeyDto,
  CreatedApiKeyResponse,
} from '#src/auth/api-key.dto.js';
import { ApiKeysService } from '#src/auth/api-keys.service.js';
import { CurrentActor, Roles } from '#src/auth/auth.decorators.js';
import { ApiProblems } from '#src/common/http/openapi.js';
import { IdParamPipe } from '#src/common/http/id-param.pipe.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '#src/common/http/pagination.js';

@ApiTags('api-keys')
@Roles('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is shown once in the response' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiProblems({
    badRequest: 'Invalid body (unknown field, bad role, donorId missing for a donor key).',
    notFound: 'The donor does not exist.',
  })
  create(
    @Body() body: CreateApiKeyDto,
    @CurrentActor() actor: Actor,
  ): Promise<CreatedApiKeyResponse> {
    return this.apiKeys.create(body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyPage })
  @ApiProblems({ badRequest: 'Invalid cursor or limit.' })
  list(@Query() query: PageQuery): Promise<ApiKeyPage> {
    return this.apiKeys.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key; it is refused from the next request on' })
  @ApiOkResponse({ type: ApiKeyResponse, description: 'The revoked key.' })
  @ApiProblems({ notFound: 'No such key.' })
  revoke(
    @Param('id', new IdParamPipe('API key')) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<ApiKeyResponse> {
    return this.apiKeys.revoke(id, actor);
  }
}
