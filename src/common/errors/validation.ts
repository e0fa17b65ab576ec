import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, type FieldError } from '#src/common/errors/domain-error.js';

/**
 * Flattens class-validator's tree into `{ field, message }` pairs with full paths
 * (`instalments[1].amount`), so a client sees every offending field at once.
 */
export function flattenValidationErrors(
  errors: readonly ValidationError[],
  parent = '',
): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(parent, error.property);
    for (const message of Object.values(error.constraints ?? {})) {
      result.push({
        field: path,
        message: message.replace(/^property (\S+) should not exist$/, 'is not an allowed field'),
      });
    }
    if (error.children && error.children.length > 0) {
      result.push(...flattenValidationErrors(error.children, path));
    }
  }
  return result;
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/**
 * The global pipe: unknown fields are refused (not stripped) and nothing is coerced, because a
 * finance API that silently drops or converts a field can record a different fact than was sent.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => DomainError.validation(flattenValidationErrors(errors)),
  });
}
