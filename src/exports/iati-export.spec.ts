// Proves the IATI builder of docs/decisions/0011-iati-export.md on hand-made facts: which ledger
// events become which transaction, with which sign, date, value date and currency; that only the
// year asked for is written; that the same facts give the same bytes in any order; that text is
// escaped (a donor called <&"'>) so the file stays well-formed; and that every document built
// here is valid against the IATI 2.03 activity schema kept in test/fixtures/iati.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import {
  type AllocationRecord,
  attribute,
  buildIatiActivities,
  iatiTransactions,
  type IatiExportInput,
  type PaymentRecord,
  type PledgeRecord,
  text,
} from '#src/exports/iati-export.js';

const SCHEMA_DIR = join(process.cwd(), 'test', 'fixtures', 'iati');
const schemaFile = (fileName: string) => ({
  fileName,
  contents: readFileSync(join(SCHEMA_DIR, fileName), 'utf8'),
});

/** Validates a document against the IATI 2.03 activity schema; resolves to the error lines. */
async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'export.xml', contents: xml }],
    schema: [schemaFile('iati-activities-schema.xsd')],
    preload: [schemaFile('iati-common.xsd'), schemaFile('xml.xsd')],
  });
  return result.errors.map((error) => error.rawMessage);
}

const GENERATED_AT = new Date('2010-01-15T09:30:00.123Z');
const JAPAN = { name: 'Government of Japan', type: 'member_state' as const };
const ACME = { name: 'Fonds <A&B> "C" \'D\'', type: 'ngo' as const };

const announced: PledgeRecord = {
  id: '00000000-0000-4000-8000-000000000001',
  donor: ACME,
  currency: 'EUR',
  amount: '5000.00',
  earmark: 'unearmarked',
  status: 'announced',
  pledgedOn: '2009-02-10',
  confirmedOn: null,
  confirmRateEffectiveOn: null,
  reference: null,
  writtenOffAmount: '0',
  closedOn: null,
};

const confirmed: PledgeRecord = {
  id: '00000000-0000-4000-8000-000000000002',
  donor: JAPAN,
  currency: 'JPY',
  amount: '3000000',
  earmark: 'participation:NAIROBI-2009',
  status: 'partially_paid',
  pledgedOn: '2009-03-02',
  confirmedOn: '2009-03-16',
  confirmRateEffectiveOn: '2009-03-01',
  reference: 'JPN/2009/1',
  writtenOffAmount: '0',
  closedOn: null,
};

const reversedPayment: PaymentRecord = {
  id: '00000000-0000-4000-8000-000000000003',
  donor: JAPAN,
  currency: 'JPY',
  amount: '1000000',
  earmark: 'participation:NAIROBI-2009',
  receivedOn: '2009-04-20',
  rateEffectiveOn: '2009-04-01',
  receiptNumber: 'UNFSSC-2009-000001',
  reversedOn: '2009-05-04',
};

const releasedAllocation: AllocationRecord = {
  id: '00000000-0000-4000-8000-000000000004',
  conferenceCode: 'NAIROBI-2009',
  countryAlpha2: 'MW',
  countryName: 'Malawi',
  delegatesFunded: 2,
  amountUsd: '4500.00',
  effectiveOn: '2009-11-16',
  releasedOn: '2009-11-30',
};

const input = (overrides: Partial<IatiExportInput> = {}): IatiExportInput => ({
  year: 2009,
  generatedAt: GENERATED_AT,
  firstFactOn: '2009-02-10',
  pledges: [announced, confirmed],
  payments: [reversedPayment],
  allocations: [releasedAllocation],
  ...overrides,
});

/** Transactions as the file writes them: type, date, value, currency and value date. */
const summary = (facts: IatiExportInput) =>
  iatiTransactions(facts).map((t) => [
    t.type,
    t.date,
    t.value.toFixed(),
    t.currency,
    t.valueDate,
    t.recipientCountry,
  ]);

describe('IATI export builder', () => {
  describe('one year of the fund: two pledges, a reversed JPY payment, a released allocation', () => {
    it('writes each event as its transaction, undoings as negative values, in date order', () => {
      expect(summary(input())).toEqual([
        ['13', '2009-02-10', '5000', 'EUR', '2009-02-10', null],
        ['13', '2009-03-02', '3000000', 'JPY', '2009-03-02', null],
        // Confirmation: valued at the date of the rate that set the carrying value.
        ['11', '2009-03-16', '3000000', 'JPY', '2009-03-01', null],
        ['1', '2009-04-20', '1000000', 'JPY', '2009-04-01', null],
        // The reversal mirrors the payment at the payment's own rate date.
        ['1', '2009-05-04', '-1000000', 'JPY', '2009-04-01', null],
        ['2', '2009-11-16', '4500', 'USD', '2009-11-16', 'MW'],
        ['2', '2009-11-30', '-4500', 'USD', '2009-11-30', 'MW'],
      ]);
    });

    it('formats values with the decimals of their currency, signs included', () => {
      const xml = buildIatiActivities(input());
      expect(xml).toContain('<value currency="JPY" value-date="2009-04-01">-1000000</value>');
      expect(xml).toContain('<value currency="USD" value-date="2009-11-30">-4500.00</value>');
      expect(xml).toContain('<value currency="EUR" value-date="2009-02-10">5000.00</value>');
    });

    it('is valid against the IATI 2.03 activity schema', async () => {
      await expect(schemaErrors(buildIatiActivities(input()))).resolves.toEqual([]);
    });

    it('would fail that check without a required element, so the check can fail', async () => {
      const withoutStatus = buildIatiActivities(input()).replace('<activity-status code="2"/>', '');
      const errors = await schemaErrors(withoutStatus);
      expect(errors.join('\n')).toMatch(/activity-date.*not expected/);
    });

    it('gives the same bytes for the same facts in any order, whatever the clock says', () => {
      const first = buildIatiActivities(input());
      const shuffled = buildIatiActivities(
        input({ pledges: [confirmed, announced], payments: [reversedPayment] }),
      );
      expect(shuffled).toBe(first);
      expect(first).toContain('generated-datetime="2010-01-15T09:30:00Z"');
    });
  });

  describe('cancellations and write-offs', () => {
    it('withdraws a cancelled pledge (−13) and takes back a written-off balance (−11)', () => {
      const cancelled: PledgeRecord = {
        ...announced,
        status: 'cancelled',
        closedOn: '2009-06-01',
      };
      const writtenOff: PledgeRecord = {
        ...confirmed,
        status: 'written_off',
        writtenOffAmount: '2000000',
        closedOn: '2009-12-01',
      };
      expect(
        summary(input({ pledges: [cancelled, writtenOff], payments: [], allocations: [] })),
      ).toEqual([
        ['13', '2009-02-10', '5000', 'EUR', '2009-02-10', null],
        ['13', '2009-03-02', '3000000', 'JPY', '2009-03-02', null],
        ['11', '2009-03-16', '3000000', 'JPY', '2009-03-01', null],
        ['13', '2009-06-01', '-5000', 'EUR', '2009-06-01', null],
        ['11', '2009-12-01', '-2000000', 'JPY', '2009-03-01', null],
      ]);
    });
  });

  describe('the year', () => {
    it('keeps only events dated from 1 January to 31 December of the year asked for', () => {
      const acrossYears: PaymentRecord = {
        ...reversedPayment,
        receivedOn: '2009-12-31',
        reversedOn: '2010-01-01',
      };
      const facts = { pledges: [], allocations: [], payments: [acrossYears] };
      expect(summary(input({ ...facts, year: 2009 }))).toEqual([
        ['1', '2009-12-31', '1000000', 'JPY', '2009-04-01', null],
      ]);
      expect(summary(input({ ...facts, year: 2010 }))).toEqual([
        ['1', '2010-01-01', '-1000000', 'JPY', '2009-04-01', null],
      ]);
    });

    it('writes a valid activity without transactions for an empty ledger', async () => {
      const xml = buildIatiActivities(
        input({ firstFactOn: null, pledges: [], payments: [], allocations: [] }),
      );
      expect(xml).not.toContain('<transaction');
      // With no fact yet, the start can only be planned (type 1), on the first day of the year.
      expect(xml).toContain('<activity-date type="1" iso-date="2009-01-01"/>');
      await expect(schemaErrors(xml)).resolves.toEqual([]);
    });
  });

  describe('escaping', () => {
    it('escapes text and attribute values', () => {
      expect(text('<&"\'>')).toBe('&lt;&amp;"\'&gt;');
      expect(attribute('<&"\'>\t\n')).toBe('&lt;&amp;&quot;&apos;&gt;&#9;&#10;');
    });

    it('keeps a donor called Fonds <A&B> "C" \'D\' readable and the file valid', async () => {
      const xml = buildIatiActivities(input());
      expect(xml).toContain('<narrative>Fonds &lt;A&amp;B&gt; "C" \'D\'</narrative>');
      expect(xml).not.toContain('<A&B>');
      await expect(schemaErrors(xml)).resolves.toEqual([]);
    });

    it('replaces characters XML cannot carry instead of writing an unparsable file', async () => {
      const bell = { ...announced, donor: { name: 'Bell\u0007 Foundation', type: 'ngo' as const } };
      const xml = buildIatiActivities(input({ pledges: [bell] }));
      expect(xml).toContain('<narrative>Bell\uFFFD Foundation</narrative>');
      await expect(schemaErrors(xml)).resolves.toEqual([]);
    });
  });

  describe('the whole document', () => {
    it('writes one announced pledge exactly as below', () => {
      const xml = buildIatiActivities(
        input({
          pledges: [{ ...announced, donor: JAPAN }],
          payments: [],
          allocations: [],
        }),
      );
      expect(xml).toBe(
        [
          '<?xml version="1.0" encoding="UTF-8"?>',
          '<iati-activities version="2.03" generated-datetime="2010-01-15T09:30:00Z">',
          '  <iati-activity xml:lang="en" hierarchy="1">',
          '    <iati-identifier>XI-IATI-UNFSSC-FUND</iati-identifier>',
          '    <reporting-org ref="XI-IATI-UNFSSC" type="40">',
          '      <narrative>United Nations Fund for South-South Cooperation</narrative>',
          '    </reporting-org>',
          '    <title>',
          '      <narrative>United Nations Fund for South-South Cooperation: contributions and travel support</narrative>',
          '    </title>',
          '    <description type="1">',
          '      <narrative>Voluntary contributions to the United Nations Fund for South-South Cooperation and the travel support it grants to delegates of developing countries, least developed countries first (General Assembly resolution 64/1, paragraph 11). Transactions dated in 2009; amounts in the currency of each pledge, payment or allocation.</narrative>',
          '    </description>',
          '    <participating-org ref="XI-IATI-UNFSSC" role="2" type="40">',
          '      <narrative>United Nations Fund for South-South Cooperation</narrative>',
          '    </participating-org>',
          '    <participating-org role="1" type="10">',
          '      <narrative>Government of Japan</narrative>',
          '    </participating-org>',
          '    <activity-status code="2"/>',
          '    <activity-date type="2" iso-date="2009-02-10"/>',
          '    <transaction ref="00000000-0000-4000-8000-000000000001">',
          '      <transaction-type code="13"/>',
          '      <transaction-date iso-date="2009-02-10"/>',
          '      <value currency="EUR" value-date="2009-02-10">5000.00</value>',
          '      <description>',
          '        <narrative>Announced pledge of Government of Japan, earmark unearmarked</narrative>',
          '      </description>',
          '      <provider-org type="10">',
          '        <narrative>Government of Japan</narrative>',
          '      </provider-org>',
          '      <receiver-org ref="XI-IATI-UNFSSC" type="40">',
          '        <narrative>United Nations Fund for South-South Cooperation</narrative>',
          '      </receiver-org>',
          '      <recipient-region code="998" vocabulary="1"/>',
          '    </transaction>',
          '  </iati-activity>',
          '</iati-activities>',
          '',
        ].join('\n'),
      );
    });
  });
});
