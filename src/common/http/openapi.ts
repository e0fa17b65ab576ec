import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ProblemSchema } from '#src/common/http/problem.schema.js';

/**
 * Marks an operation as answering without a key. `buildOpenApiDocument` replaces it with
 * `security: []`, which @nestjs/swagger cannot write from a decorator.
 */
export const PUBLIC_EXTENSION = 'x-unfssc-public';

/** The response content of every error: an RFC 9457 problem document. */
export function problemRef(): { content: Record<string, { schema: { $ref: string } }> } {
  return {
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
  };
}

/** Documents the error responses of a route, each with the problem schema. */
export function ApiProblems(options: {
  badRequest?: string;
  notFound?: string;
  conflict?: string;
  unprocessable?: string;
}): MethodDecorator & ClassDecorator {
  const decorators = [];
  if (options.badRequest)
    decorators.push(ApiBadRequestResponse({ description: options.badRequest, ...problemRef() }));
  if (options.notFound)
    decorators.push(ApiNotFoundResponse({ description: options.notFound, ...problemRef() }));
  if (options.conflict)
    decorators.push(ApiConflictResponse({ description: options.conflict, ...problemRef() }));
  if (options.unprocessable) {
    decorators.push(
      ApiUnprocessableEntityResponse({ description: options.unprocessable, ...problemRef() }),
    );
  }
  return applyDecorators(...decorators);
}
