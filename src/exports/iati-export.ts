// The IATI 2.03 activity file of the fund (docs/decisions/0011-iati-export.md): facts of the ledger
// in, one `iati-activities` document out. Pure: no clock, no database, no Nest, so the same facts
// and the same `generatedAt` always give the same bytes.
import type { DonorType } from '#src/donors/donor.entity.js';
import { Dec, type Decimal, formatAmount } from '#src/common/money/money.js';

/**
 * The fund as an IATI reporting organisation. `XI-IATI-UNFSSC` is a PLACEHOLDER, not a registered
 * identifier: before the first publication the fund must replace `ref` with the organisation
 * identifier it registers with IATI (the iati-identifier below is derived from it, and IATI
 * forbids changing an activity identifier once published). Type 40 is "Multilateral" in IATI's
 * OrganisationType codelist, the type of a UN trust fund.
 */
export const IATI_REPORTING_ORG = {
  ref: 'XI-IATI-UNFSSC',
  type: '40',
  name: 'United Nations Fund for South-South Cooperation',
} as const;

export const IATI_VERSION = '2.03';

/** One activity for the whole fund; the suffix after the organisation identifier is ours. */
export const IATI_ACTIVITY_IDENTIFIER = `${IATI_REPORTING_ORG.ref}-FUND`;

/** IATI TransactionType codes used here: what flows in (pledges, commitments, funds) and out. */
export const TRANSACTION_TYPE = {
  incomingFunds: '1',
  outgoingCommitment: '2',
  incomingCommitment: '11',
  incomingPledge: '13',
} as const;
export type TransactionTypeCode = (typeof TRANSACTION_TYPE)[keyof typeof TRANSACTION_TYPE];

// Contributions benefit developing countries as a whole until an allocation names one. OECD DAC
// region 998 ("Developing countries, unspecified", region vocabulary 1) says so, and lets every
// transaction carry a recipient, as IATI requires once any transaction names a recipient country.
const UNSPECIFIED_DEVELOPING_REGION = { code: '998', vocabulary: '1' } as const;

// IATI OrganisationType codes for the donor types whose IATI type is certain; an NGO may be
// international or national and "other" is anything, so those carry no type rather than a guess.
const ORGANISATION_TYPE: Record<DonorType, string | null> = {
  member_state: '10',
  private_sector: '70',
  ifi: '40',
  igo: '40',
  un_entity: '40',
  ngo: null,
  other: null,
};
const GOVERNMENT = '10';

export interface DonorRecord {
  name: string;
  type: DonorType;
}

export interface PledgeRecord {
  id: string;
  donor: DonorRecord;
  currency: string;
  /** Decimal text in the pledge currency, as stored. */
  amount: string;
  earmark: string;
  status: 'announced' | 'confirmed' | 'partially_paid' | 'paid' | 'cancelled' | 'written_off';
  pledgedOn: string;
  confirmedOn: string | null;
  confirmRateEffectiveOn: string | null;
  reference: string | null;
  writtenOffAmount: string;
  /** Set by a cancellation or a write-off, the only two events that close a pledge early. */
  closedOn: string | null;
}

export interface PaymentRecord {
  id: string;
  donor: DonorRecord;
  currency: string;
  amount: string;
  earmark: string;
  receivedOn: string;
  rateEffectiveOn: string;
  receiptNumber: string;
  reversedOn: string | null;
}

export interface AllocationRecord {
  id: string;
  conferenceCode: string;
  countryAlpha2: string;
  countryName: string;
  delegatesFunded: number;
  amountUsd: string;
  effectiveOn: string;
  releasedOn: string | null;
}

export interface IatiExportInput {
  year: number;
  /** When the document is generated; passed in so that the output never depends on the clock. */
  generatedAt: Date;
  /** The earliest effective date of any fact in the ledger (the activity's actual start). */
  firstFactOn: string | null;
  pledges: readonly PledgeRecord[];
  payments: readonly PaymentRecord[];
  allocations: readonly AllocationRecord[];
}

interface Organisation {
  ref: string | null;
  type: string | null;
  name: string;
}

export interface IatiTransaction {
  /** The ledger's own identifier of the fact (pledge id, receipt number, allocation id). */
  ref: string;
  type: TransactionTypeCode;
  date: string;
  /** Signed: a cancellation, write-off, reversal or release is the negative of what it undoes. */
  value: Decimal;
  currency: string;
  valueDate: string;
  description: string;
  provider: Organisation;
  receiver: Organisation;
  recipientCountry: string | null;
}

const FUND: Organisation = {
  ref: IATI_REPORTING_ORG.ref,
  type: IATI_REPORTING_ORG.type,
  name: IATI_REPORTING_ORG.name,
};

const donorOrganisation = (donor: DonorRecord): Organisation => ({
  ref: null,
  type: ORGANISATION_TYPE[donor.type],
  name: donor.name,
});

/**
 * Pledges: every pledge is a statement of intent (13) on `pledgedOn` — SPEC 6 counts even a pledge
 * created confirmed as announced from then — and a cancellation withdraws it (−13). A confirmed
 * pledge is a firm commitment (11) on `confirmedOn`, valued at the date of the rate that set its
 * carrying value; a write-off takes the written-off balance back (−11) at that same rate date.
 * An announcement converts nothing, so its value date is the event's own date.
 */
export function pledgeTransactions(pledge: PledgeRecord): IatiTransaction[] {
  const base = {
    ref: pledge.id,
    currency: pledge.currency,
    provider: donorOrganisation(pledge.donor),
    receiver: FUND,
    recipientCountry: null,
  };
  const amount = new Dec(pledge.amount);
  const of = `pledge of ${pledge.donor.name}, earmark ${pledge.earmark}`;
  const reference = pledge.reference === null ? '' : ` (reference ${pledge.reference})`;
  const out: IatiTransaction[] = [
    {
      ...base,
      type: TRANSACTION_TYPE.incomingPledge,
      date: pledge.pledgedOn,
      value: amount,
      valueDate: pledge.pledgedOn,
      description: `Announced ${of}${reference}`,
    },
  ];
  if (pledge.status === 'cancelled' && pledge.closedOn !== null) {
    out.push({
      ...base,
      type: TRANSACTION_TYPE.incomingPledge,
      date: pledge.closedOn,
      value: amount.negated(),
      valueDate: pledge.closedOn,
      description: `Cancelled ${of}${reference}`,
    });
  }
  if (pledge.confirmedOn !== null && pledge.confirmRateEffectiveOn !== null) {
    out.push({
      ...base,
      type: TRANSACTION_TYPE.incomingCommitment,
      date: pledge.confirmedOn,
      value: amount,
      valueDate: pledge.confirmRateEffectiveOn,
      description: `Confirmed ${of}${reference}`,
    });
    if (pledge.status === 'written_off' && pledge.closedOn !== null) {
      out.push({
        ...base,
        type: TRANSACTION_TYPE.incomingCommitment,
        date: pledge.closedOn,
        value: new Dec(pledge.writtenOffAmount).negated(),
        valueDate: pledge.confirmRateEffectiveOn,
        description: `Balance written off, ${of}${reference}`,
      });
    }
  }
  return out;
}

/**
 * Payments: incoming funds (1) on `receivedOn`, valued at the date of the rate used; a reversal
 * is the same amount negated on `reversedOn`, at the same rate date because the mirror entry of
 * SPEC 7 reuses the payment's rate.
 */
export function paymentTransactions(payment: PaymentRecord): IatiTransaction[] {
  const base = {
    ref: payment.receiptNumber,
    type: TRANSACTION_TYPE.incomingFunds,
    currency: payment.currency,
    valueDate: payment.rateEffectiveOn,
    provider: donorOrganisation(payment.donor),
    receiver: FUND,
    recipientCountry: null,
  };
  const amount = new Dec(payment.amount);
  const of = `payment of ${payment.donor.name}, receipt ${payment.receiptNumber}, earmark ${payment.earmark}`;
  const out: IatiTransaction[] = [
    {
      ...base,
      date: payment.receivedOn,
      value: amount,
      description: `Received ${of}`,
    },
  ];
  if (payment.reversedOn !== null) {
    out.push({
      ...base,
      date: payment.reversedOn,
      value: amount.negated(),
      description: `Reversed ${of}`,
    });
  }
  return out;
}

/**
 * Allocations: an outgoing commitment (2) of travel support to the Government of the country,
 * in USD (rate 1, so the value date is the event's date); a release is its negative on
 * `releasedOn`.
 */
export function allocationTransactions(allocation: AllocationRecord): IatiTransaction[] {
  const base = {
    ref: allocation.id,
    type: TRANSACTION_TYPE.outgoingCommitment,
    currency: 'USD',
    provider: FUND,
    receiver: { ref: null, type: GOVERNMENT, name: `Government of ${allocation.countryName}` },
    recipientCountry: allocation.countryAlpha2,
  };
  const amount = new Dec(allocation.amountUsd);
  const delegates = `${String(allocation.delegatesFunded)} delegate${allocation.delegatesFunded === 1 ? '' : 's'}`;
  const of = `travel support for ${delegates} of ${allocation.countryName} to conference ${allocation.conferenceCode}`;
  const out: IatiTransaction[] = [
    {
      ...base,
      date: allocation.effectiveOn,
      value: amount,
      valueDate: allocation.effectiveOn,
      description: `Committed ${of}`,
    },
  ];
  if (allocation.releasedOn !== null) {
    out.push({
      ...base,
      date: allocation.releasedOn,
      value: amount.negated(),
      valueDate: allocation.releasedOn,
      description: `Released ${of}`,
    });
  }
  return out;
}

// Within a day, transactions follow the life of money: promised, committed, received, spent.
const TYPE_ORDER: Record<TransactionTypeCode, number> = { '13': 0, '11': 1, '1': 2, '2': 3 };

function compareTransactions(a: IatiTransaction, b: IatiTransaction): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  if (a.type !== b.type) return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  if (a.ref !== b.ref) return a.ref < b.ref ? -1 : 1;
  // The same fact undone on its own day: what was done comes before its undoing.
  return Number(a.value.isNegative()) - Number(b.value.isNegative());
}

/**
 * Every transaction of the year (transaction date from 1 January to 31 December), in a fixed
 * order: date, then type in the order money moves, then ref. The caller may pass facts of other
 * years; only their events inside the year are kept, so the year is decided here, once.
 */
export function iatiTransactions(input: IatiExportInput): IatiTransaction[] {
  const from = `${String(input.year)}-01-01`;
  const to = `${String(input.year)}-12-31`;
  return [
    ...input.pledges.flatMap(pledgeTransactions),
    ...input.payments.flatMap(paymentTransactions),
    ...input.allocations.flatMap(allocationTransactions),
  ]
    .filter((transaction) => transaction.date >= from && transaction.date <= to)
    .sort(compareTransactions);
}

/** The `iati-activities` document for the year: UTF-8, two-space indentation, final newline. */
export function buildIatiActivities(input: IatiExportInput): string {
  const transactions = iatiTransactions(input);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<iati-activities version="${IATI_VERSION}" generated-datetime="${isoSeconds(input.generatedAt)}">`,
    '  <iati-activity xml:lang="en" hierarchy="1">',
    ...activityHeader(input, transactions).map(indent(4)),
    ...transactions.flatMap(transactionElement).map(indent(4)),
    '  </iati-activity>',
    '</iati-activities>',
  ];
  return `${lines.join('\n')}\n`;
}

function activityHeader(input: IatiExportInput, transactions: IatiTransaction[]): string[] {
  const year = String(input.year);
  // Without any fact yet the fund has not started: the activity's start is then only planned
  // (type 1), on the first day of the year asked for. Otherwise it is the actual start (type 2).
  const start =
    input.firstFactOn === null
      ? { type: '1', on: `${year}-01-01` }
      : { type: '2', on: input.firstFactOn };
  return [
    element('iati-identifier', {}, text(IATI_ACTIVITY_IDENTIFIER)),
    ...organisationElement('reporting-org', { ref: FUND.ref, type: FUND.type }, FUND.name),
    ...narrativeElement(
      'title',
      {},
      `${IATI_REPORTING_ORG.name}: contributions and travel support`,
    ),
    ...narrativeElement(
      'description',
      { type: '1' },
      'Voluntary contributions to the United Nations Fund for South-South Cooperation and the ' +
        'travel support it grants to delegates of developing countries, least developed ' +
        'countries first (General Assembly resolution 64/1, paragraph 11). Transactions ' +
        `dated in ${year}; amounts in the currency of each pledge, payment or allocation.`,
    ),
    ...participatingOrganisations(transactions),
    element('activity-status', { code: '2' }),
    element('activity-date', { type: start.type, 'iso-date': start.on }),
  ];
}

/**
 * The fund is accountable (role 2); every donor with a transaction in the year is a funder
 * (role 1), once, ordered by name in code-point order then type, so the order never depends on
 * the order of the rows read.
 */
function participatingOrganisations(transactions: IatiTransaction[]): string[] {
  const funders = new Map<string, Organisation>();
  for (const transaction of transactions) {
    if (transaction.provider === FUND) continue;
    const key = `${transaction.provider.name}\u0000${transaction.provider.type ?? ''}`;
    funders.set(key, transaction.provider);
  }
  const sorted = [...funders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    ...organisationElement(
      'participating-org',
      { ref: FUND.ref, role: '2', type: FUND.type },
      FUND.name,
    ),
    ...sorted.flatMap(([, funder]) =>
      organisationElement('participating-org', { role: '1', type: funder.type }, funder.name),
    ),
  ];
}

function transactionElement(transaction: IatiTransaction): string[] {
  const recipient =
    transaction.recipientCountry === null
      ? element('recipient-region', UNSPECIFIED_DEVELOPING_REGION)
      : element('recipient-country', { code: transaction.recipientCountry });
  return [
    `<transaction${attributes({ ref: transaction.ref })}>`,
    ...[
      element('transaction-type', { code: transaction.type }),
      element('transaction-date', { 'iso-date': transaction.date }),
      element(
        'value',
        { currency: transaction.currency, 'value-date': transaction.valueDate },
        formatAmount(transaction.value, transaction.currency),
      ),
      ...narrativeElement('description', {}, transaction.description),
      ...organisationElement(
        'provider-org',
        orgAttributes(transaction.provider),
        transaction.provider.name,
      ),
      ...organisationElement(
        'receiver-org',
        orgAttributes(transaction.receiver),
        transaction.receiver.name,
      ),
      recipient,
    ].map(indent(2)),
    '</transaction>',
  ];
}

const orgAttributes = (organisation: Organisation) => ({
  ref: organisation.ref,
  type: organisation.type,
});

type Attributes = Record<string, string | null>;

function organisationElement(name: string, attrs: Attributes, orgName: string): string[] {
  return narrativeElement(name, attrs, orgName);
}

function narrativeElement(name: string, attrs: Attributes, content: string): string[] {
  return [
    `<${name}${attributes(attrs)}>`,
    `  <narrative>${text(content)}</narrative>`,
    `</${name}>`,
  ];
}

/** An element on one line; `content` must already be escaped text (or absent for an empty one). */
function element(name: string, attrs: Attributes, content?: string): string {
  return content === undefined
    ? `<${name}${attributes(attrs)}/>`
    : `<${name}${attributes(attrs)}>${content}</${name}>`;
}

/** Attributes in the order given; a null value leaves the attribute out. */
function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => ` ${name}="${attribute(value)}"`)
    .join('');
}

const indent =
  (spaces: number) =>
  (line: string): string =>
    `${' '.repeat(spaces)}${line}`;

// XML 1.0 allows tab, newline, carriage return and everything from U+0020 except U+FFFE and
// U+FFFF; any other code point (a stray control character pasted into a donor name) would make
// the whole file unparsable, so it becomes U+FFFD, the replacement character, instead.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Character data: `&` and `<` must be escaped, `>` is escaped too so `]]>` can never appear. */
export function text(value: string): string {
  return value
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * An attribute value between double quotes: quotes of both kinds are escaped, and so are tab,
 * newline and carriage return, which a parser would otherwise normalise to spaces.
 */
export function attribute(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** `2009-12-31T12:00:00Z`: whole seconds in UTC, the form xsd:dateTime and readers expect. */
function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
