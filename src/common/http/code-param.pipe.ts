import { type PipeTransform } from '@nestjs/common';
import { DomainError } from '#src/common/errors/domain-error.js';

const CONFERENCE_CODE = /^[A-Z0-9][A-Z0-9-]{0,39}$/;

/**
 * A conference code in a path that no conference could have (bad characters, too long, a NUL
 * byte) names no conference: 404, before it reaches SQL.
 */
export class ConferenceCodePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!CONFERENCE_CODE.test(value))
      throw DomainError.notFound('Conference', JSON.stringify(value.slice(0, 64)));
    return value;
  }
}
