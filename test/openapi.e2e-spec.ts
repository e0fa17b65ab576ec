// Proves that the committed OpenAPI document (openapi/openapi.json) is the one the API serves,
// that it documents every operation fully (summary, success schema, every error as a problem
// document, security) and that the security it documents is what the guard enforces.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { formatOpenApiDocument } from '#src/common/http/openapi-document.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const COMMITTED_FILE = join(process.cwd(), 'openapi', 'openapi.json');
const PROBLEM_REF = '#/components/schemas/ProblemSchema';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Json = Record<string, unknown>;
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
}
interface Media {
  schema?: Schema;
}
interface Response {
  description?: string;
  content?: Record<string, Media>;
}
interface Operation {
  summary?: string;
  tags?: string[];
  security?: Json[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, Media> };
  responses: Record<string, Response>;
}
interface Document {
  security?: Json[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Located {
  name: string;
  method: (typeof METHODS)[number];
  path: string;
  operation: Operation;
}

function operationsOf(document: Document): Located[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      name: `${method.toUpperCase()} ${path}`,
      method,
      path,
      operation: item[method],
    })),
  );
}

const isPublic = (operation: Operation): boolean => operation.security?.length === 0;

/** JSON pointers where two documents differ, for a failure message a person can act on. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object';
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) return [at || '/'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .sort()
    .flatMap((key) =>
      differences(
        (a as Json)[key],
        (b as Json)[key],
        `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      ),
    );
}

/** What is wrong with the documentation of one operation; empty when nothing is. */
function findingsOf({ name, method, operation }: Located, document: Document): string[] {
  const findings: string[] = [];
  const say = (text: string): void => void findings.push(`${name}: ${text}`);
  const responses = Object.entries(operation.responses ?? {});
  const parameters = operation.parameters ?? [];

  if (!operation.summary?.trim()) say('no summary (@ApiOperation)');
  if (!operation.tags?.length) say('no tag (@ApiTags)');
  const successes = responses.filter(([status]) => /^2\d\d$/.test(status));
  const described = successes.filter(
    ([status, response]) =>
      status === '204' ||
      Object.values(response.content ?? {}).some((media) => media.schema !== undefined),
  );
  if (described.length === 0) say('no 2xx response with a schema (@ApiOkResponse({ type }))');

  for (const [status, response] of responses) {
    for (const [mediaType, media] of Object.entries(response.content ?? {})) {
      if (!mediaType.endsWith('json') && media.schema?.type !== 'string') {
        say(`${status} ${mediaType} is described with a JSON schema; use { type: 'string' }`);
      }
    }
    if (!/^[45]/.test(status)) continue;
    const media = Object.keys(response.content ?? {});
    const ref = response.content?.['application/problem+json']?.schema?.$ref;
    if (media.join() !== 'application/problem+json' || ref !== PROBLEM_REF) {
      say(`${status} is not application/problem+json with the ProblemSchema (ApiProblems)`);
    }
  }

  const has = (status: string): boolean => operation.responses?.[status] !== undefined;
  if (!isPublic(operation)) {
    const security = operation.security ?? document.security ?? [];
    if (!security.some((requirement) => 'apiKey' in requirement)) say('no apiKey security');
    for (const status of ['401', '403']) if (!has(status)) say(`no ${status} (@Roles)`);
  }
  const takesInput =
    operation.requestBody !== undefined || parameters.some((p) => p.in === 'query');
  if (takesInput && !has('400')) say('takes a body or query parameters but documents no 400');
  // A PUT names the resource it creates, so an unknown path value is not a 404 there.
  if (parameters.some((p) => p.in === 'path') && method !== 'put' && !has('404')) {
    say('has a path parameter but documents no 404');
  }
  return findings;
}

/**
 * A property Swagger UI can show a realistic value for: its own example, an enum, a format it
 * fills in, or a reference to a schema whose properties have theirs.
 */
function exemplified(schema: Schema): boolean {
  if (schema.example !== undefined || schema.enum || schema.$ref) return true;
  if (schema.allOf || schema.oneOf) return true;
  if (schema.format && ['uuid', 'date', 'date-time', 'binary'].includes(schema.format)) return true;
  if (schema.type === 'array' && schema.items) return exemplified(schema.items);
  return false;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let served: Document;

  beforeAll(async () => {
    t = await startTestApp();
    const response = await t.http().get('/openapi.json');
    expect(response.status).toBe(200);
    served = response.body as Document;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is committed as openapi/openapi.json exactly as generated', () => {
    const committedText = existsSync(COMMITTED_FILE) ? readFileSync(COMMITTED_FILE, 'utf8') : '{}';
    const generatedText = formatOpenApiDocument(served);
    if (committedText !== generatedText) {
      const changed = differences(served, JSON.parse(committedText) as unknown);
      throw new Error(
        'openapi/openapi.json differs from the document the API serves. Run `npm run openapi:generate` ' +
          `and commit the result.\nChanged (${changed.length}):\n  ${changed.slice(0, 30).join('\n  ')}` +
          (changed.length > 30 ? `\n  ... and ${changed.length - 30} more` : '') +
          (changed.length === 0 ? '\n  (only key order or formatting)' : ''),
      );
    }
  });

  it('is a valid OpenAPI 3 document', async () => {
    await expect(SwaggerParser.validate(structuredClone(served) as never)).resolves.toBeDefined();
  });

  it('documents every operation: summary, success schema, errors as problems, security', () => {
    const findings = operationsOf(served).flatMap((located) => findingsOf(located, served));
    expect(findings).toEqual([]);
  });

  it('gives every schema property an example (or an enum or format Swagger UI fills in)', () => {
    const missing = Object.entries(served.components.schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(([, property]) => !exemplified(property))
        .map(([property]) => `${name}.${property}`),
    );
    expect(missing).toEqual([]);
  });

  it('documents as public exactly the operations the guard lets through without a key', async () => {
    const mismatches: string[] = [];
    for (const { name, method, path, operation } of operationsOf(served)) {
      const url = path.replace(/\{[^}]+\}/g, UNKNOWN_ID);
      const response = await t.http()[method](url);
      if (isPublic(operation) === (response.status === 401)) {
        mismatches.push(
          `${name}: documented ${isPublic(operation) ? 'public' : 'secured'}, ` +
            `answered ${response.status} without a key`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });
});
