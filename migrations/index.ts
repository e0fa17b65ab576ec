import { Foundation1764320000000 } from '#migrations/1764320000000-Foundation.js';
import { AppendOnlyAudit1764320000001 } from '#migrations/1764320000001-AppendOnlyAudit.js';
import { Ledger1764320000100 } from '#migrations/1764320000100-Ledger.js';
import { LedgerRules1764320000101 } from '#migrations/1764320000101-LedgerRules.js';
import { ReferenceData1764320000102 } from '#migrations/1764320000102-ReferenceData.js';
import { TravelSupport1764320000200 } from '#migrations/1764320000200-TravelSupport.js';
import { TravelSupportRules1764320000201 } from '#migrations/1764320000201-TravelSupportRules.js';
import { DayBalances1764320000300 } from '#migrations/1764320000300-DayBalances.js';
import { ContributionFacts1764320000301 } from '#migrations/1764320000301-ContributionFacts.js';
import { TriggerSearchPath1764320000302 } from '#migrations/1764320000302-TriggerSearchPath.js';
import { RunningTotals1764320000303 } from '#migrations/1764320000303-RunningTotals.js';
import { FourEyes1764320000400 } from '#migrations/1764320000400-FourEyes.js';
import { RateLimits1764320000401 } from '#migrations/1764320000401-RateLimits.js';
import { DayBalanceBlocks1764320000500 } from '#migrations/1764320000500-DayBalanceBlocks.js';

/** Every migration in the order it runs. Migrations are never edited once they have landed. */
export const MIGRATIONS: Function[] = [
  Foundation1764320000000,
  AppendOnlyAudit1764320000001,
  Ledger1764320000100,
  LedgerRules1764320000101,
  ReferenceData1764320000102,
  TravelSupport1764320000200,
  TravelSupportRules1764320000201,
  DayBalances1764320000300,
  ContributionFacts1764320000301,
  TriggerSearchPath1764320000302,
  RunningTotals1764320000303,
  FourEyes1764320000400,
  RateLimits1764320000401,
  DayBalanceBlocks1764320000500,
];
