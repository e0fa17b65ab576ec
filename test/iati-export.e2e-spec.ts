// Proves GET /v1/exports/iati (docs/decisions/0011-iati-export.md) through HTTP on a year of the
// fund worked out by hand: an announced EUR pledge, a confirmed JPY pledge, JPY payments (one
// reversed), an unpledged USD payment and the NAIROBI-2009 travel support committed and partly
// released become incoming pledges (13), an incoming commitment (11), incoming funds (1) and
// outgoing commitments (2) with the right dates, value dates, signs and currencies; the file is
// valid against the IATI 2.03 activity schema; another year holds only its own events; and only
// auditor and finance keys may fetch it, with a 400 for a bad year.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { Factories } from './support/factories.js';
import { expectProblem, fieldsOf } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

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

interface WrittenTransaction {
  type: string;
  date: string;
  value: string;
  currency: string;
  valueDate: string;
  provider: string;
  receiver: string;
  recipient: string;
}

const first = (block: string, pattern: RegExp): string => pattern.exec(block)?.[1] ?? '';

/** The transactions of a file as it writes them, in file order (the layout is the builder's). */
function transactionsOf(xml: string): WrittenTransaction[] {
  return [...xml.matchAll(/<transaction ref="[^"]*">([\s\S]*?)<\/transaction>/g)].map(
    ([, block]) => ({
      type: first(block, /<transaction-type code="(\d+)"\/>/),
      date: first(block, /<transaction-date iso-date="([\d-]+)"\/>/),
      value: first(block, /<value [^>]*>([^<]*)<\/value>/),
      currency: first(block, /<value currency="([A-Z]{3})"/),
      valueDate: first(block, /value-date="([\d-]+)"/),
      provider: first(block, /<provider-org[^>]*>\s*<narrative>([^<]*)<\/narrative>/),
      receiver: first(block, /<receiver-org[^>]*>\s*<narrative>([^<]*)<\/narrative>/),
      recipient: first(block, /<recipient-(?:country|region) code="([^"]+)"/),
    }),
  );
}

const FUND = 'United Nations Fund for South-South Cooperation';
const NGO_NAME = 'Fonds <A&B> "C" \'D\'';
const NGO_ESCAPED = 'Fonds &lt;A&amp;B&gt; "C" \'D\'';

describe('IATI export', () => {
  let t: TestApp;
  let f: Factories;
  const keys = {} as Record<'admin' | 'finance' | 'auditor' | 'donor', string>;
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });
  const exportOf = (year: string, role: keyof typeof keys = 'auditor') =>
    t.http().get(`/v1/exports/iati?year=${year}`).set(as(role));

  const ok = (response: { status: number; body: unknown }, status: number, what: string) => {
    if (response.status !== status)
      throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  };

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    keys.admin = t.adminKey;
    keys.finance = f.financeKey;
    keys.auditor = await t.createKey('auditor');
    keys.donor = await t.createKey('donor', (await f.donor()).id);

    await f.rate('EUR', '2009-01-01', '0.75');
    await f.rate('JPY', '2009-03-01', '100');
    await f.rate('JPY', '2009-04-01', '98');
    const japan = await f.memberState('JPN');
    const norway = await f.memberState('NOR');
    const ngo = await f.donor({ name: NGO_NAME, type: 'ngo' });

    await f.pledge({
      donorId: ngo.id,
      currency: 'EUR',
      amount: '5000.00',
      status: 'announced',
      pledgedOn: '2009-02-10',
    });
    const pledge = await f.pledge({
      donorId: japan.id,
      currency: 'JPY',
      amount: '3000000',
      earmark: 'participation:NAIROBI-2009',
      pledgedOn: '2009-03-02',
      confirmedOn: '2009-03-16',
      reference: 'JPN/2009/1',
    });
    const jpy = { donorId: japan.id, pledgeId: pledge.id, currency: 'JPY', amount: '1000000' };
    const returned = await f.pay({ ...jpy, receivedOn: '2009-04-20' });
    await f.reverse(returned.id, '2009-05-04');
    await f.pay({ ...jpy, receivedOn: '2009-06-15' });
    const cash = { donorId: norway.id, currency: 'USD', earmark: 'participation:NAIROBI-2009' };
    await f.pay({ ...cash, amount: '10000.00', receivedOn: '2009-10-01' });
    await f.pay({ ...cash, amount: '500.00', receivedOn: '2010-01-05' });

    // NAIROBI-2009: a delegate costs airfare + 250.00 × 4 nights + 100.00, so Malawi's two
    // delegates (900.00 and 1,000.00) cost 4,100.00 and Kenya's one (300.00) 1,400.00.
    ok(
      await t.http().patch('/v1/conferences/NAIROBI-2009').set(as('admin')).send({
        nominationDeadline: '2009-11-06',
        dsaRateUsd: '250.00',
        dsaNights: 4,
        terminalExpensesUsd: '100.00',
        maxDelegatesLdc: 2,
        maxDelegatesOther: 1,
      }),
      200,
      'conference parameters',
    );
    const requests = [
      { countryCode: 'MWI', nominatedOn: '2009-10-10', airfares: ['900.00', '1000.00'] },
      { countryCode: 'KEN', nominatedOn: '2009-10-12', airfares: ['300.00'] },
    ];
    for (const { countryCode, nominatedOn, airfares } of requests) {
      ok(
        await t
          .http()
          .post('/v1/conferences/NAIROBI-2009/travel-requests')
          .set(f.auth())
          .send({
            countryCode,
            nominatedOn,
            nominationReference: `${countryCode}/2009/1`,
            delegates: airfares.map((airfareUsd, i) => ({ name: `Delegate ${i}`, airfareUsd })),
          }),
        201,
        'travel request',
      );
    }
    const run = await t
      .http()
      .post('/v1/conferences/NAIROBI-2009/allocation-runs')
      .set(f.auth())
      .set('Idempotency-Key', randomUUID())
      .send({ mode: 'commit', effectiveOn: '2009-11-16' });
    ok(run, 201, 'allocation run');
    const kenya = (
      run.body as { lines: { countryCode: string; allocationId: string }[] }
    ).lines.find((line) => line.countryCode === 'KEN');
    ok(
      await t
        .http()
        .post(`/v1/allocations/${kenya!.allocationId}/release`)
        .set(f.auth())
        .send({ reason: 'The delegate could not travel', releasedOn: '2009-11-30' }),
      200,
      'release',
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('the year 2009', () => {
    let xml: string;

    beforeAll(async () => {
      const response = await exportOf('2009');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
      xml = response.text;
    });

    it('is valid against the IATI 2.03 activity schema', async () => {
      await expect(schemaErrors(xml)).resolves.toEqual([]);
      expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<iati-activities /);
      expect(xml).toContain('version="2.03"');
    });

    it('writes every event of the year with its code, date, value date, value and currency', () => {
      const rows = transactionsOf(xml).map((x) => [
        x.type,
        x.date,
        x.value,
        x.currency,
        x.valueDate,
        x.recipient,
      ]);
      // Kenya and Malawi are committed on the same day; their order there follows the
      // allocation ids, which are random, so that day is compared without its order.
      const sameDay = (row: string[]) => row[1] === '2009-11-16';
      expect(rows.filter((row) => !sameDay(row))).toEqual([
        ['13', '2009-02-10', '5000.00', 'EUR', '2009-02-10', '998'],
        ['13', '2009-03-02', '3000000', 'JPY', '2009-03-02', '998'],
        // Confirmed at the JPY rate effective 2009-03-01: that is the value date.
        ['11', '2009-03-16', '3000000', 'JPY', '2009-03-01', '998'],
        ['1', '2009-04-20', '1000000', 'JPY', '2009-04-01', '998'],
        // The reversal undoes the payment at the payment's own rate date.
        ['1', '2009-05-04', '-1000000', 'JPY', '2009-04-01', '998'],
        ['1', '2009-06-15', '1000000', 'JPY', '2009-04-01', '998'],
        ['1', '2009-10-01', '10000.00', 'USD', '2009-10-01', '998'],
        ['2', '2009-11-30', '-1400.00', 'USD', '2009-11-30', 'KE'],
      ]);
      expect(rows.filter(sameDay)).toEqual(
        expect.arrayContaining([
          ['2', '2009-11-16', '4100.00', 'USD', '2009-11-16', 'MW'],
          ['2', '2009-11-16', '1400.00', 'USD', '2009-11-16', 'KE'],
        ]),
      );
      expect(rows.filter(sameDay)).toHaveLength(2);
    });

    it('counts 2 incoming pledges, 1 incoming commitment, 4 incoming funds, 3 outgoing commitments', () => {
      const count = (code: string) => transactionsOf(xml).filter((x) => x.type === code).length;
      expect({ 13: count('13'), 11: count('11'), 1: count('1'), 2: count('2') }).toEqual({
        13: 2,
        11: 1,
        1: 4,
        2: 3,
      });
    });

    it('names donors as providers and Governments as receivers, escaping the names', () => {
      const transactions = transactionsOf(xml);
      expect(transactions[0]).toMatchObject({ provider: NGO_ESCAPED, receiver: FUND });
      expect(transactions[1]).toMatchObject({ provider: 'Government of JPN', receiver: FUND });
      const outgoing = transactions.filter((x) => x.type === '2');
      expect(outgoing.map((x) => x.provider)).toEqual([FUND, FUND, FUND]);
      expect(outgoing.map((x) => x.receiver).sort()).toEqual([
        'Government of Kenya',
        'Government of Kenya',
        'Government of Malawi',
      ]);
      expect(xml).not.toContain(NGO_NAME);
    });

    it('lists each donor of the year once as a funding organisation', () => {
      const funders = [...xml.matchAll(/<participating-org role="1"[^>]*>\s*<narrative>([^<]*)</g)];
      expect(funders.map(([, name]) => name)).toEqual([
        NGO_ESCAPED,
        'Government of JPN',
        'Government of NOR',
      ]);
    });

    it('gives the same transactions when asked again', async () => {
      const again = await exportOf('2009', 'finance');
      const withoutClock = (text: string) => text.replace(/generated-datetime="[^"]*"/, '');
      expect(withoutClock(again.text)).toBe(withoutClock(xml));
    });
  });

  describe('another year', () => {
    it('holds only its own events: the payment of 5 January 2010', async () => {
      const response = await exportOf('2010');
      expect(response.status).toBe(200);
      await expect(schemaErrors(response.text)).resolves.toEqual([]);
      expect(transactionsOf(response.text)).toEqual([
        {
          type: '1',
          date: '2010-01-05',
          value: '500.00',
          currency: 'USD',
          valueDate: '2010-01-05',
          provider: 'Government of NOR',
          receiver: FUND,
          recipient: '998',
        },
      ]);
      // The activity still starts on the ledger's first fact, whatever the year.
      expect(response.text).toContain('<activity-date type="2" iso-date="2009-02-10"/>');
    });

    it('is a valid file without transactions for a year without events', async () => {
      const response = await exportOf('1995');
      expect(response.status).toBe(200);
      expect(transactionsOf(response.text)).toEqual([]);
      await expect(schemaErrors(response.text)).resolves.toEqual([]);
    });
  });

  describe('access and validation', () => {
    it.each(['admin', 'donor'] as const)('refuses a %s key with 403', async (role) => {
      expectProblem(await exportOf('2009', role), 403, 'FORBIDDEN');
    });

    it('refuses a request without a key with 401', async () => {
      expectProblem(await t.http().get('/v1/exports/iati?year=2009'), 401, 'UNAUTHENTICATED');
    });

    it.each(['abc', '2009.5', '1989', '2101', ''])('answers 400 for year=%p', async (year) => {
      const response = await exportOf(year);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(new Set(['year']));
    });

    it('answers 400 without a year', async () => {
      const response = await t.http().get('/v1/exports/iati').set(as('auditor'));
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(new Set(['year']));
    });
  });
});
