import {
  type DynamicModule,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
} from '@nestjs/common';
import { bodyMiddleware } from '#src/common/http/body.js';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { ApprovalsController } from '#src/approvals/approvals.controller.js';
import { ApprovalsService } from '#src/approvals/approvals.service.js';
import { RateLimits } from '#src/auth/rate-limits.js';
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
import { ReadReplicas } from '#src/database/read-replicas.js';
import { HealthController } from '#src/health/health.controller.js';
import { HeaderChecksInterceptor } from '#src/common/http/idempotency.decorator.js';
import { IdempotencyService } from '#src/common/http/idempotency.service.js';
import { DonorsController } from '#src/donors/donors.controller.js';
import { DonorsService } from '#src/donors/donors.service.js';
import { JournalService } from '#src/ledger/journal.service.js';
import { LedgerController } from '#src/ledger/ledger.controller.js';
import { LedgerQuery } from '#src/ledger/ledger.query.js';
import { PaymentsController } from '#src/payments/payments.controller.js';
import { PaymentsService } from '#src/payments/payments.service.js';
import { PledgesController } from '#src/pledges/pledges.controller.js';
import { PledgesService } from '#src/pledges/pledges.service.js';
import { RatesController } from '#src/rates/rates.controller.js';
import { RatesService } from '#src/rates/rates.service.js';
import { ReceiptsController } from '#src/receipts/receipts.controller.js';
import { ReceiptsService } from '#src/receipts/receipts.service.js';
import { ExportsController } from '#src/exports/exports.controller.js';
import { ExportsService } from '#src/exports/exports.service.js';
import { ReportsController } from '#src/reports/reports.controller.js';
import { ReportsService } from '#src/reports/reports.service.js';
import { CountriesController } from '#src/reference-data/countries.controller.js';
import { CountriesService } from '#src/reference-data/countries.service.js';
import { AllocationsController } from '#src/travel-support/allocations.controller.js';
import { AllocationsService } from '#src/travel-support/allocations.service.js';
import { ConferencesController } from '#src/travel-support/conferences.controller.js';
import { ConferencesService } from '#src/travel-support/conferences.service.js';
import { TravelRequestsService } from '#src/travel-support/travel-requests.service.js';

/**
 * The application, built from a validated configuration and a database target chosen by the
 * caller (a real server, or the embedded one it started), so tests build it the same way.
 */
@Module({})
export class AppModule implements NestModule {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Bodies are read after the request logger (a module middleware of LoggerModule, which is
   * imported first), so that a body refused by the parser is still logged under its request id.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(...bodyMiddleware(this.config.bodyLimitBytes)).forRoutes('*');
  }

  static register(config: AppConfig, target: DatabaseTarget): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggerParams(config)),
        TypeOrmModule.forRoot(buildDataSourceOptions(config, target)),
        TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }),
      ],
      controllers: [
        HealthController,
        ApiKeysController,
        AuditEventsController,
        RatesController,
        DonorsController,
        PledgesController,
        PaymentsController,
        ApprovalsController,
        ReceiptsController,
        LedgerController,
        CountriesController,
        ConferencesController,
        AllocationsController,
        ReportsController,
        ExportsController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: HeaderChecksInterceptor },
        AuditService,
        ReadReplicas,
        AuditEventsQuery,
        ApiKeysService,
        RateLimits,
        IdempotencyService,
        JournalService,
        LedgerQuery,
        RatesService,
        DonorsService,
        PledgesService,
        PaymentsService,
        ApprovalsService,
        ReceiptsService,
        CountriesService,
        ConferencesService,
        TravelRequestsService,
        AllocationsService,
        ReportsService,
        ExportsService,
      ],
    };
  }
}
