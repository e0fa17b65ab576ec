import { ApprovalDecision, ApprovalRequest } from '#src/approvals/approval.entity.js';
import { ApiKey } from '#src/auth/api-key.entity.js';
import { AuditEvent } from '#src/audit/audit-event.entity.js';
import { IdempotencyKey } from '#src/common/http/idempotency-key.entity.js';
import { Donor } from '#src/donors/donor.entity.js';
import {
  Account,
  AccountBalance,
  AccountDayBalance,
  JournalEntry,
  JournalLine,
  LedgerHead,
} from '#src/ledger/journal.entity.js';
import { Payment, PaymentReversal } from '#src/payments/payment.entity.js';
import { Pledge } from '#src/pledges/pledge.entity.js';
import { Rate } from '#src/rates/rate.entity.js';
import {
  ContributionDayTotal,
  ContributionFact,
  ContributionTotal,
} from '#src/reports/contribution-facts.entity.js';
import { Receipt, ReceiptCounter, ReceiptSigningKey } from '#src/receipts/receipt.entity.js';
import { Country, GroupingMembership, LdcMembership } from '#src/reference-data/country.entity.js';
import {
  Allocation,
  AllocationRelease,
  AllocationRun,
  Conference,
  TravelDelegate,
  TravelRequest,
} from '#src/travel-support/travel-support.entity.js';

/** Every entity, listed once, so the API, the CLI and the migration tool agree. */
export const ENTITIES = [
  Account,
  AccountBalance,
  AccountDayBalance,
  Allocation,
  AllocationRelease,
  AllocationRun,
  Conference,
  ContributionDayTotal,
  ContributionFact,
  ContributionTotal,
  TravelDelegate,
  TravelRequest,
  ApiKey,
  ApprovalDecision,
  ApprovalRequest,
  AuditEvent,
  Country,
  Donor,
  GroupingMembership,
  IdempotencyKey,
  JournalEntry,
  JournalLine,
  LdcMembership,
  LedgerHead,
  Payment,
  PaymentReversal,
  Pledge,
  Rate,
  Receipt,
  ReceiptCounter,
  ReceiptSigningKey,
];
