import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AuditEventsController } from '#src/audit/audit-events.controller.js';
import { AuditEventsQuery } from '#src/audit/audit-events.query.js';
import { AuditService } from '#src/audit/audit.service.js';
import { ApiKeyGuard } from '#src/auth/api-key.guard.js';
import { ApiKeysController } from '#src/auth/api-keys.controller.js';
import { ApiKeysService } from '#src/auth/api-keys.service.js';
import { ProblemFilter } from '#src/common/errors/problem.filter.js';
import { loggerParams } from '#src/common/logging.js';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { buildDataSourceOptions, type DatabaseTarget } from '#src/database/database-options.js';
import { HealthController } from '#src/health/health.controller.js';

/**
 * The application, built from a validated configuration and a database target chosen by the
 * caller (a real server, or the embedded one it started), so tests build it the same way.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig, target: DatabaseTarget): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggerParams(config)),
        TypeOrmModule.forRoot(buildDataSourceOptions(config, target)),
        TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }),
      ],
      controllers: [HealthController, ApiKeysController, AuditEventsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        AuditService,
        AuditEventsQuery,
        ApiKeysService,
      ],
    };
  }
}
