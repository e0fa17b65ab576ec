import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { FieldErrorSchema, ProblemSchema } from '#src/common/http/problem.schema.js';

/** Builds the OpenAPI 3 document from the controllers' decorators. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('UNFSSC Contribution Ledger')
    .setDescription(
      'Pledges and payments to the United Nations Fund for South-South Cooperation, verifiable receipts, ' +
        'and travel support for delegates of developing countries, least developed countries first ' +
        '(General Assembly resolution 64/1, paragraph 11). Money travels as decimal strings; every error ' +
        'is an RFC 9457 problem document.',
    )
    .setVersion('1.0.0')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key: `Authorization: Bearer unf_...`',
      },
      'apiKey',
    )
    .build();
  return SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemSchema, FieldErrorSchema],
  });
}
