import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
  type ResponseObject,
} from '@nestjs/swagger';
import { canonicalJson } from '#src/common/canonical-json.js';
import { PUBLIC_EXTENSION, problemRef } from '#src/common/http/openapi.js';
import { FieldErrorSchema, ProblemSchema } from '#src/common/http/problem.schema.js';

/** The name of the one security scheme: an API key sent as a bearer token. */
export const API_KEY_SCHEME = 'apiKey';

/** What each tag groups, shown above its operations in Swagger UI. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  health: 'Liveness and readiness probes (no key needed).',
  'api-keys': 'API keys and their roles (admin).',
  audit: 'The audit trail of every change.',
  rates: 'Exchange rates to USD by currency and date.',
  donors: 'Member States and other contributors.',
  pledges: 'Pledges and their lifecycle.',
  payments: 'Payments against pledges or unpledged, and their reversals.',
  approvals:
    'Four-eyes control (FOUR_EYES=on): reversals and write-offs requested by one finance key, decided by another.',
  receipts: 'Signed receipts, their public verification and the signing keys.',
  ledger: 'The hash-chained journal and its verification.',
  'reference-data': 'Countries and their groupings at a date.',
  'travel-support': 'Conferences, travel requests, allocation runs and releases.',
  reports: 'Read-only reports at a point of the journal.',
  exports: 'Exports in standard formats.',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

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
    .addServer('/', 'The server that serves this document')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'unf_...',
        description: 'An API key: `Authorization: Bearer unf_...`',
      },
      API_KEY_SCHEME,
    )
    // Every route needs a key unless it says otherwise, as the guard does: a route that forgets
    // `@Public()` is documented as secured, never as open.
    .addSecurityRequirements(API_KEY_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemSchema, FieldErrorSchema],
    operationIdFactory: operationId,
  });
  completeOperations(document);
  document.tags = usedTags(document).map((name) =>
    TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name },
  );
  return document;
}

/**
 * The document as committed in `openapi/openapi.json`: keys sorted at every depth (so that a
 * regenerated file differs from the committed one only where the API changed), two-space
 * indentation and a final newline.
 */
export function formatOpenApiDocument(document: unknown): string {
  return `${writeSorted(JSON.parse(canonicalJson(document)), '')}\n`;
}

function writeSorted(value: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + writeSorted(item, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // Sorted here rather than relying on the parsed object: JavaScript enumerates integer-like
    // keys ("200", "404") before all others, whatever order they were written in.
    const keys = Object.keys(record).sort();
    if (keys.length === 0) return '{}';
    const members = keys.map(
      (key) => `${inner}${JSON.stringify(key)}: ${writeSorted(record[key], inner)}`,
    );
    return `{\n${members.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** `PaymentsController.create` → `paymentsCreate`: camelCase, unique, stable across versions. */
function operationId(controllerKey: string, methodKey: string): string {
  const resource = controllerKey.replace(/Controller$/, '');
  return `${resource.charAt(0).toLowerCase()}${resource.slice(1)}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
}

/**
 * Adds what the decorators cannot say or every route shares:
 * - `security: []` on public routes (@nestjs/swagger drops an empty security list, so
 *   `@Public()` leaves a marker that is replaced here);
 * - 413 and 415 on routes with a body, answered by the body middleware before any controller;
 * - 503 on routes that need a key, because the guard reads the key from the database;
 * - 429 on routes that need a key and on the public data routes (decision 0018).
 */
function completeOperations(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = (item as Record<string, unknown>)[method] as
        (Record<string, unknown> & { responses: Record<string, ResponseObject> }) | undefined;
      if (!operation) continue;
      const isPublic = operation[PUBLIC_EXTENSION] === true;
      delete operation[PUBLIC_EXTENSION];
      if (isPublic) operation.security = [];
      const add = (status: string, description: string): void => {
        operation.responses[status] ??= { description, ...problemRef() };
      };
      if (operation.requestBody) {
        add('413', 'PAYLOAD_TOO_LARGE: the body exceeds the size limit.');
        add('415', 'UNSUPPORTED_MEDIA_TYPE: the body is not JSON (or CSV where accepted).');
      }
      if (!isPublic) add('503', 'SERVICE_UNAVAILABLE: the database cannot be reached.');
      if (!isPublic) {
        add(
          '429',
          'TOO_MANY_REQUESTS: this address has used up its failed authentications of the minute; ' +
            'a key that fails is refused until the time in `Retry-After` (a valid key is served).',
        );
      } else if (path.startsWith('/v1/public/')) {
        add(
          '429',
          'TOO_MANY_REQUESTS: this address has used up its requests of the minute to the public ' +
            'endpoints; retry after the time in `Retry-After`.',
        );
      }
    }
  }
}

/** The tags the operations use, in the order their controllers are registered. */
function usedTags(document: OpenAPIObject): string[] {
  const tags = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = (item as Record<string, { tags?: string[] } | undefined>)[method];
      for (const tag of operation?.tags ?? []) tags.add(tag);
    }
  }
  return [...tags];
}
