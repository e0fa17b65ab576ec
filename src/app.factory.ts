import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import swaggerUi from 'swagger-ui-express';
import { DataSource } from 'typeorm';
import { AppModule } from '#src/app.module.js';
import { SYSTEM_ACTOR } from '#src/auth/actor.js';
import { ApiKeysService, type CreatedApiKey } from '#src/auth/api-keys.service.js';
import { createValidationPipe } from '#src/common/errors/validation.js';
import { buildOpenApiDocument } from '#src/common/http/openapi-document.js';
import { requestIdMiddleware } from '#src/common/http/request-id.js';
import type { AppConfig } from '#src/config/config.js';
import type { DatabaseTarget } from '#src/database/database-options.js';
import { EmbeddedPostgres } from '#src/database/embedded-postgres.js';
import { runMigrations } from '#src/database/migrate.js';
import { installPublicReceiptFastPath } from '#src/receipts/public-receipt.fast-path.js';

export interface RunningApp {
  app: INestApplication;
  /** The admin key created by the very first start of an empty database, else null. */
  bootstrapKey: CreatedApiKey | null;
  embedded: boolean;
  /** Closes the application, then the embedded database if this process started it. */
  close(): Promise<void>;
}

/**
 * Builds the whole application: database (embedded when no DATABASE_URL), migrations, HTTP
 * pipeline and the first admin key. `main.ts` and the HTTP tests both start the API through here.
 */
export async function createApp(config: AppConfig): Promise<RunningApp> {
  const embedded = config.databaseUrl
    ? null
    : await EmbeddedPostgres.start(config.dataDir, 'API server');
  const target: DatabaseTarget = embedded
    ? { url: embedded.url, embedded: true }
    : { url: config.databaseUrl!, embedded: false };
  try {
    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.register(config, target),
      {
        bodyParser: false,
        bufferLogs: true,
      },
    );
    app.useLogger(app.get(Logger));
    configureHttp(app, config);
    await runMigrations(app.get(DataSource), target.embedded);
    const bootstrapKey = await app.get(ApiKeysService).createBootstrapKey(SYSTEM_ACTOR);
    return {
      app,
      bootstrapKey,
      embedded: target.embedded,
      close: async () => {
        await app.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  const securityHeaders = helmet();
  installPublicReceiptFastPath(app, securityHeaders);
  app.use(requestIdMiddleware);
  app.use(securityHeaders);
  app.useGlobalPipes(createValidationPipe());

  const document = buildOpenApiDocument(app);
  app.use('/openapi.json', (_req: Request, res: Response) => void res.json(document));
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(document, { customSiteTitle: 'UNFSSC Contribution Ledger API' }),
  );
}
