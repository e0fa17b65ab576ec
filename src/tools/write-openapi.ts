import 'reflect-metadata';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '#src/app.module.js';
import { buildOpenApiDocument, formatOpenApiDocument } from '#src/common/http/openapi-document.js';
import { loadConfig } from '#src/config/config.js';

// `npm run openapi:generate`: writes the committed OpenAPI document, openapi/openapi.json. CI
// compares it with the document the running API serves (test/openapi.e2e-spec.ts), so a route
// change without a regenerated document fails the build.

export const OPENAPI_FILE = 'openapi/openapi.json';

/**
 * The OpenAPI document, built without a database. In Nest's preview mode the modules are scanned
 * and the controllers' metadata read, but no provider is instantiated: the TypeORM connection
 * is never opened, so the address below is never dialled.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = await NestFactory.create(
    AppModule.register(config, { url: 'postgres://preview.invalid/none', embedded: false }),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const file = resolve(process.argv[2] ?? OPENAPI_FILE);
  const text = formatOpenApiDocument(await generateOpenApiDocument());
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`Wrote ${file} (${text.length} characters)\n`);
}

// Run only when this file is the program, not when a test imports it.
function isProgram(): boolean {
  const script = process.argv[1];
  try {
    return script !== undefined && import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isProgram()) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `The OpenAPI document could not be written: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
