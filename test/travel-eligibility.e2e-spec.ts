// Proves who may receive travel support and with which priority (SPEC 10): the country list of
// 1 December 2009 has 249 countries and exactly 49 LDCs with the graduations and additions the
// spec names, and a travel request is judged at its conference's start (developing, LDC with the
// grace period after graduation, late after the deadline, tier 1–4), is refused with the right
// problem when the country is unknown, not eligible, already nominated or the date is in the
// future, and is recorded as a memo entry of the journal on its nomination date.
import type { Response } from 'supertest';
import { Factories, TravelFactories } from './support/factories.js';
import { expectProblem, fieldsOf } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY_MS = 86_400_000;
/** Tomorrow as the API counts days: in UTC. */
const tomorrow = (): string => new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);

interface CountryView {
  alpha3: string;
  alpha2: string;
  m49: string;
  name: string;
  ldc: boolean;
  developing: boolean;
}

describe('travel eligibility', () => {
  let t: TestApp;
  let f: Factories;
  let tf: TravelFactories;
  let auditor: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    tf = new TravelFactories(t, f);
    auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Every page of GET /v1/countries?on=… with the given page size, in order. */
  const countryPages = async (on: string, limit: number): Promise<CountryView[][]> => {
    const pages: CountryView[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const response: Response = await t
        .http()
        .get(`/v1/countries?on=${on}&limit=${limit}${query}`)
        .set(auditor);
      expect(response.status).toBe(200);
      pages.push(response.body.items);
      cursor = response.body.nextCursor;
    } while (cursor !== null && pages.length < 10);
    return pages;
  };

  const countryOn = async (alpha3: string, on: string): Promise<CountryView | undefined> =>
    (await countryPages(on, 500)).flat().find((country) => country.alpha3 === alpha3);

  describe('the country list on 1 December 2009, the opening day of the Nairobi conference', () => {
    let pages: CountryView[][];
    let countries: CountryView[];

    beforeAll(async () => {
      pages = await countryPages('2009-12-01', 100);
      countries = pages.flat();
    });

    it('pages 100 at a time through all 249 ISO 3166-1 entries, each once, in alpha-3 order', () => {
      // 249 = 100 + 100 + 49.
      expect(pages.map((page) => page.length)).toEqual([100, 100, 49]);
      const codes = countries.map((country) => country.alpha3);
      expect(new Set(codes).size).toBe(249);
      expect(codes).toEqual([...codes].sort());
      expect(countries[0]).toEqual({
        alpha3: 'ABW',
        alpha2: 'AW',
        m49: '533',
        name: 'Aruba',
        ldc: false,
        developing: false,
      });
    });

    it('counts exactly 49 LDCs, every one of them developing', () => {
      const ldcs = countries.filter((country) => country.ldc);
      expect(ldcs).toHaveLength(49);
      expect(ldcs.filter((country) => !country.developing)).toEqual([]);
    });

    it('no longer counts Botswana (1994) and Cabo Verde (December 2007) as LDCs; both stay developing as G-77 members', () => {
      const byCode = new Map(countries.map((country) => [country.alpha3, country]));
      expect(byCode.get('BWA')).toMatchObject({ ldc: false, developing: true });
      expect(byCode.get('CPV')).toMatchObject({
        name: 'Cabo Verde',
        ldc: false,
        developing: true,
      });
    });

    it('counts Maldives, Samoa, Equatorial Guinea, Vanuatu, Bhutan and Sao Tome and Principe as LDCs before their graduations', () => {
      const byCode = new Map(countries.map((country) => [country.alpha3, country]));
      for (const code of ['MDV', 'WSM', 'GNQ', 'VUT', 'BTN', 'STP'])
        expect({ code, ldc: byCode.get(code)?.ldc }).toEqual({ code, ldc: true });
    });

    it('counts Tuvalu as developing only because it is an LDC: it is not a G-77 member', async () => {
      const tuvalu = countries.find((country) => country.alpha3 === 'TUV');
      expect(tuvalu).toMatchObject({ name: 'Tuvalu', ldc: true, developing: true });
      expect(
        await t.sql("SELECT 1 FROM grouping_memberships WHERE grouping = 'g77' AND alpha3 = 'TUV'"),
      ).toEqual([]);
    });

    it('counts China as developing though it is neither a G-77 member nor an LDC', async () => {
      expect(countries.find((country) => country.alpha3 === 'CHN')).toMatchObject({
        ldc: false,
        developing: true,
      });
      expect(
        await t.sql("SELECT 1 FROM grouping_memberships WHERE grouping = 'g77' AND alpha3 = 'CHN'"),
      ).toEqual([]);
    });

    it('counts France as neither developing nor an LDC', () => {
      expect(countries.find((country) => country.alpha3 === 'FRA')).toEqual({
        alpha3: 'FRA',
        alpha2: 'FR',
        m49: '250',
        name: 'France',
        ldc: false,
        developing: false,
      });
    });
  });

  describe('membership changes at their effective dates', () => {
    it('graduates Maldives on 1 January 2011: an LDC on 31 December 2010, not on 1 January 2011 nor on 1 January 2012', async () => {
      expect((await countryOn('MDV', '2010-12-31'))?.ldc).toBe(true);
      expect(await countryOn('MDV', '2011-01-01')).toMatchObject({ ldc: false, developing: true });
      expect(await countryOn('MDV', '2012-01-01')).toMatchObject({ ldc: false, developing: true });
    });

    it('adds South Sudan on 18 December 2012: not an LDC (nor developing) the day before, an LDC on 1 January 2013', async () => {
      // South Sudan joined the G-77 only in 2014, so before its inclusion it is not developing.
      expect(await countryOn('SSD', '2012-12-17')).toMatchObject({
        ldc: false,
        developing: false,
      });
      expect(await countryOn('SSD', '2012-12-18')).toMatchObject({ ldc: true, developing: true });
      expect(await countryOn('SSD', '2013-01-01')).toMatchObject({
        name: 'South Sudan',
        ldc: true,
        developing: true,
      });
    });

    it('has 44 LDCs on 1 January 2025, after the graduations of 2011 to 2024 and the addition of 2012', async () => {
      // 49 − Maldives, Samoa, Equatorial Guinea, Vanuatu, Bhutan, Sao Tome and Principe (6) + South Sudan (1) = 44.
      const countries = (await countryPages('2025-01-01', 500)).flat();
      expect(countries.filter((country) => country.ldc)).toHaveLength(44);
    });

    it('refuses a date that is not a calendar date', async () => {
      const response = await t.http().get('/v1/countries?on=2009-02-30').set(auditor);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(response)).toEqual(['on']);
    });
  });

  describe('a travel request is judged at the start of its conference', () => {
    /** A conference starting on `startsOn` with the given LDC grace, nominations due a month before. */
    const conferenceStarting = async (
      code: string,
      startsOn: string,
      ldcGraceYears: number,
      nominationDeadline: string,
    ) =>
      tf.conference({
        code,
        startsOn,
        endsOn: startsOn,
        nominationDeadline,
        ldcGraceYears,
      });

    beforeAll(async () => {
      await conferenceStarting('MALE-2012-G0', '2012-06-01', 0, '2012-05-01');
      await conferenceStarting('MALE-2012-G3', '2012-06-01', 3, '2012-05-01');
      await conferenceStarting('LAST-GRACE-DAY', '2013-12-31', 3, '2013-11-30');
      await conferenceStarting('GRACE-OVER', '2014-01-01', 3, '2013-11-30');
      await conferenceStarting('JUBA-2013', '2013-01-01', 0, '2012-12-01');
    });

    it('treats Maldives as an ordinary developing country (tier 2) at a conference of 1 June 2012 without grace, though it was an LDC when nominated', async () => {
      const request = await tf.travelRequest('MALE-2012-G0', 'MDV', '2010-06-01', ['1450.00']);
      expect(request).toMatchObject({
        conferenceCode: 'MALE-2012-G0',
        countryCode: 'MDV',
        nominatedOn: '2010-06-01',
        late: false,
        ldc: false,
        tier: 2,
      });
    });

    it('keeps Maldives an LDC (tier 1) at the same date with 3 years of grace: graduated 2011-01-01, grace until 2014-01-01', async () => {
      const request = await tf.travelRequest('MALE-2012-G3', 'MDV', '2012-04-02', ['1450.00']);
      expect(request).toMatchObject({ late: false, ldc: true, tier: 1 });
    });

    it('ends the grace exactly 3 years after graduation: LDC at a start of 2013-12-31, not at 2014-01-01', async () => {
      const lastDay = await tf.travelRequest('LAST-GRACE-DAY', 'MDV', '2013-10-01', ['900.00']);
      const over = await tf.travelRequest('GRACE-OVER', 'MDV', '2013-10-01', ['900.00']);
      expect({ ldc: lastDay.ldc, tier: lastDay.tier }).toEqual({ ldc: true, tier: 1 });
      expect({ ldc: over.ldc, tier: over.tier }).toEqual({ ldc: false, tier: 2 });
    });

    it('counts South Sudan, nominated on 2012-11-01, as an LDC at a conference starting 2013-01-01 (added 2012-12-18)', async () => {
      const request = await tf.travelRequest('JUBA-2013', 'SSD', '2012-11-01', ['2100.00']);
      expect(request).toMatchObject({ ldc: true, late: false, tier: 1 });
    });

    it('refuses South Sudan at a conference starting 2012-06-01, when it was neither an LDC nor a G-77 member', async () => {
      const response = await tf.travelRequestRequest('MALE-2012-G0', {
        countryCode: 'SSD',
        nominatedOn: '2012-04-02',
        nominationReference: 'SSD/MFA/2012/1',
        delegates: [{ name: 'A. Delegate', airfareUsd: '2100.00' }],
      });
      expectProblem(response, 422, 'COUNTRY_NOT_ELIGIBLE');
      expect(fieldsOf(response)).toEqual(['countryCode']);
    });
  });

  describe('refusals', () => {
    const body = (overrides: Record<string, unknown> = {}) => ({
      countryCode: 'KEN',
      nominatedOn: '2026-07-01',
      nominationReference: 'KEN/MFA/2026/17',
      delegates: [{ name: 'A. Delegate', airfareUsd: '800.00' }],
      ...overrides,
    });
    let code: string;

    beforeAll(async () => {
      code = (await tf.conference({ code: 'REFUSALS-2026' })).code as string;
    });

    const counts = async () =>
      t.sql<{ requests: string; entries: string }>(
        `SELECT (SELECT count(*) FROM travel_requests)::text AS requests,
                (SELECT count(*) FROM journal_entries)::text AS entries`,
      );

    it('refuses France, not a developing country, with 422 COUNTRY_NOT_ELIGIBLE naming countryCode', async () => {
      const response = await tf.travelRequestRequest(code, body({ countryCode: 'FRA' }));
      const problem = expectProblem(response, 422, 'COUNTRY_NOT_ELIGIBLE');
      expect(problem.errors).toEqual([{ field: 'countryCode', message: expect.any(String) }]);
    });

    it("refuses 'XXX' with 422 UNKNOWN_COUNTRY naming countryCode", async () => {
      const response = await tf.travelRequestRequest(code, body({ countryCode: 'XXX' }));
      expectProblem(response, 422, 'UNKNOWN_COUNTRY');
      expect(fieldsOf(response)).toEqual(['countryCode']);
    });

    it('refuses a nomination dated tomorrow with 422 DATE_IN_FUTURE naming nominatedOn', async () => {
      const response = await tf.travelRequestRequest(
        code,
        body({ countryCode: 'GHA', nominatedOn: tomorrow() }),
      );
      expectProblem(response, 422, 'DATE_IN_FUTURE');
      expect(fieldsOf(response)).toEqual(['nominatedOn']);
    });

    it('refuses a second request of the same country for the same conference with 409 REQUEST_EXISTS', async () => {
      const first = await tf.travelRequest(code, 'UGA', '2026-07-01', ['1200.00']);
      const second = await tf.travelRequestRequest(
        code,
        body({ countryCode: 'UGA', nominationReference: 'UGA/MFA/2026/2' }),
      );
      expectProblem(second, 409, 'REQUEST_EXISTS');
      const listed = await t.http().get(`/v1/conferences/${code}/travel-requests`).set(f.auth());
      expect(
        listed.body.items.filter((item: { countryCode: string }) => item.countryCode === 'UGA'),
      ).toEqual([first]);
    });

    it('accepts the same country at another conference', async () => {
      const other = await tf.conference({ code: 'REFUSALS-OTHER-2026' });
      const request = await tf.travelRequest(other.code as string, 'UGA', '2026-07-01', ['900.00']);
      expect(request).toMatchObject({ conferenceCode: 'REFUSALS-OTHER-2026', countryCode: 'UGA' });
    });

    it('answers 404 for a conference that does not exist', async () => {
      expectProblem(await tf.travelRequestRequest('NO-SUCH-CONF', body()), 404, 'NOT_FOUND');
    });

    it('refuses a malformed body with 400 naming every offending field', async () => {
      const response = await tf.travelRequestRequest(code, {
        countryCode: 'ken',
        nominatedOn: '2026-06-31',
        nominationReference: '',
        delegates: [{ name: 'A. Delegate', airfareUsd: 800 }, { airfareUsd: '0.00' }],
        priority: 1,
      });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(
        new Set([
          'priority',
          'countryCode',
          'nominatedOn',
          'nominationReference',
          'delegates[0].airfareUsd',
          'delegates[1].name',
          'delegates[1].airfareUsd',
        ]),
      );
      const empty = await tf.travelRequestRequest(code, body({ delegates: [] }));
      expectProblem(empty, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(empty)).toEqual(['delegates']);
    });

    it('writes neither a request nor a journal entry when it refuses', async () => {
      await tf.travelRequest(code, 'TCD', '2026-07-01', ['1700.00']);
      const before = await counts();
      const responses = await Promise.all([
        tf.travelRequestRequest(code, body({ countryCode: 'FRA' })),
        tf.travelRequestRequest(code, body({ countryCode: 'XXX' })),
        tf.travelRequestRequest(code, body({ countryCode: 'MLI', nominatedOn: tomorrow() })),
        tf.travelRequestRequest(code, body({ countryCode: 'TCD' })),
      ]);
      expect(responses.map((response) => response.body.code)).toEqual([
        'COUNTRY_NOT_ELIGIBLE',
        'UNKNOWN_COUNTRY',
        'DATE_IN_FUTURE',
        'REQUEST_EXISTS',
      ]);
      expect(await counts()).toEqual(before);
    });
  });

  describe('late nominations and tiers', () => {
    // Deadline 2026-08-31: a nomination on that day is on time, one a day later is late.
    const requests: Record<string, Record<string, unknown>> = {};

    beforeAll(async () => {
      const { code } = await tf.conference({
        code: 'TIERS-2026',
        nominationDeadline: '2026-08-31',
      });
      for (const [country, nominatedOn] of [
        ['NER', '2026-08-30'],
        ['GHA', '2026-08-31'],
        ['MWI', '2026-09-01'],
        ['KEN', '2026-09-15'],
      ])
        requests[country] = await tf.travelRequest(code as string, country, nominatedOn, [
          '1000.00',
        ]);
    });

    it('gives an LDC on time tier 1 and another developing country nominated on the deadline tier 2', () => {
      expect(requests.NER).toMatchObject({ late: false, ldc: true, tier: 1 });
      expect(requests.GHA).toMatchObject({ late: false, ldc: false, tier: 2 });
    });

    it('accepts a nomination after the deadline, marks it late and gives it tier 3 (LDC) or 4 (other)', () => {
      expect(requests.MWI).toMatchObject({ late: true, ldc: true, tier: 3 });
      expect(requests.KEN).toMatchObject({ late: true, ldc: false, tier: 4 });
    });

    it('lists the requests of the conference as they were created', async () => {
      const listed = await t.http().get('/v1/conferences/TIERS-2026/travel-requests').set(auditor);
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({
        items: [requests.NER, requests.GHA, requests.MWI, requests.KEN],
        nextCursor: null,
      });
    });

    it('answers with every field of SPEC 10 and the airfares as USD strings', () => {
      expect(requests.NER).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        conferenceCode: 'TIERS-2026',
        countryCode: 'NER',
        nominatedOn: '2026-08-30',
        nominationReference: 'NER/MFA/2026-08-30',
        late: false,
        ldc: true,
        tier: 1,
        delegates: [{ name: 'Delegate 1 of NER', airfareUsd: '1000.00' }],
      });
    });
  });

  describe('the journal', () => {
    it('records each request as a memo entry of kind travel_request, effective on its nomination date, with no lines', async () => {
      const { code } = await tf.conference({ code: 'MEMO-2026' });
      const request = await tf.travelRequest(code as string, 'HTI', '2026-03-16', ['650.00']);
      const entries = await tf.journal();
      const memo = entries.filter((entry) => entry.sourceId === request.id);
      expect(memo).toEqual([
        expect.objectContaining({
          kind: 'travel_request',
          sourceType: 'travel_request',
          sourceId: request.id,
          effectiveOn: '2026-03-16',
          lines: [],
        }),
      ]);
      const verification = await t.http().get('/v1/ledger/verify').set(auditor);
      expect(verification.body).toMatchObject({ valid: true, firstBrokenSeq: null });
    });
  });

  describe('changing a conference before any commit', () => {
    // SPEC 10 judges LDC status at startsOn with the conference's ldcGraceYears, and lateness
    // against its nominationDeadline; PATCH may change both until a run is committed. A request
    // must then be judged by the parameters the conference has, not by those it had when the
    // request arrived, or the allocation ranks it in a tier the rule does not give it.
    let before: Record<string, unknown>;
    let patched: Response;

    beforeAll(async () => {
      await tf.conference({
        code: 'REJUDGE-2012',
        startsOn: '2012-06-01',
        endsOn: '2012-06-03',
        nominationDeadline: '2012-05-01',
        ldcGraceYears: 0,
      });
      before = await tf.travelRequest('REJUDGE-2012', 'MDV', '2012-05-15', ['1450.00']);
      patched = await t
        .http()
        .patch('/v1/conferences/REJUDGE-2012')
        .set(tf.admin())
        .send({ ldcGraceYears: 3, nominationDeadline: '2012-05-31' });
    });

    it('first judges Maldives, nominated 2012-05-15 after the deadline of 2012-05-01 without grace, late and not an LDC: tier 4', () => {
      expect(before).toMatchObject({ late: true, ldc: false, tier: 4 });
      expect(patched.status).toBe(200);
    });

    it('lists the request on time (2012-05-15 ≤ 2012-05-31) and an LDC (grace until 2014-01-01), tier 1, once the deadline and grace change', async () => {
      const listed = await t
        .http()
        .get('/v1/conferences/REJUDGE-2012/travel-requests')
        .set(auditor);
      expect(listed.body.items).toEqual([
        expect.objectContaining({ countryCode: 'MDV', late: false, ldc: true, tier: 1 }),
      ]);
    });

    it('ranks the request in tier 1 in an allocation run after the change', async () => {
      const preview = await tf.run('REJUDGE-2012', 'preview', '2026-01-05');
      expect(preview.lines).toEqual([
        expect.objectContaining({ countryCode: 'MDV', tier: 1, ldc: true, late: false }),
      ]);
    });
  });
});
