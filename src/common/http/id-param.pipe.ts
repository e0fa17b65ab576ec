import { type PipeTransform } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain-error.js';
import { UUID_PATTERN } from '#src/common/http/pagination.js';

/**
 * Path ids that are not UUIDs name no resource, so they answer 404 like any unknown id rather
 * than reaching the database as a malformed value (see docs/decisions/0004-malformed-ids.md).
 */
export class IdParamPipe implements PipeTransform<string, string> {
  constructor(private readonly resource: string) {}

  transform(value: string): string {
    const id = value.toLowerCase();
    if (!UUID_PATTERN.test(id))
      throw DomainError.notFound(this.resource, JSON.stringify(value.slice(0, 64)));
    return id;
  }
}
