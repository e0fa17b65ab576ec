// Proves the conference resource of SPEC 10: NAIROBI-2009 is seeded with its real dates and no
// invented money parameters, so a run on it is refused until they are entered; an admin creates
// conferences (a second one with the same code is refused) and changes their parameters until a
// run is committed, after which they are frozen; any key reads them, only admin writes them; and
// a malformed body answers 400 naming every field at fault, never a 500.
import type { Response } from 'supertest';
import { Factories, TravelFactories } from './support/factories.js';
import { expectProblem, fieldsOf } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY_MS = 86_400_000;
const tomorrow = (): string => new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);

const MISSING_PARAMETERS = [
  'conference.dsaRateUsd',
  'conference.dsaNights',
  'conference.terminalExpensesUsd',
  'conference.maxDelegatesLdc',
  'conference.maxDelegatesOther',
];

describe('travel conferences', () => {
  let t: TestApp;
  let f: Factories;
  let tf: TravelFactories;
  const keys = {} as Record<'admin' | 'finance' | 'auditor' | 'donor', string>;
  const as = (role: keyof typeof keys) => ({ Authorization: `Bearer ${keys[role]}` });

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    tf = new TravelFactories(t, f);
    keys.admin = t.adminKey;
    keys.finance = f.financeKey;
    keys.auditor = await t.createKey('auditor');
    keys.donor = await t.createKey('donor', (await f.donor()).id);
  });
  afterAll(async () => {
    await t?.close();
  });

  const patch = (code: string, body: unknown, role: keyof typeof keys = 'admin') =>
    t
      .http()
      .patch(`/v1/conferences/${code}`)
      .set(as(role))
      .send(body as object);

  describe('NAIROBI-2009, seeded', () => {
    it('has the dates of resolution 64/1 (1–3 December 2009) and every money parameter null', async () => {
      const response = await t.http().get('/v1/conferences/NAIROBI-2009').set(as('auditor'));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        code: 'NAIROBI-2009',
        name: 'High-level United Nations Conference on South-South Cooperation',
        city: 'Nairobi',
        startsOn: '2009-12-01',
        endsOn: '2009-12-03',
        nominationDeadline: null,
        dsaRateUsd: null,
        dsaNights: null,
        terminalExpensesUsd: null,
        maxDelegatesLdc: null,
        maxDelegatesOther: null,
        useUnearmarked: false,
        ldcGraceYears: 0,
        locked: false,
      });
    });

    it.each(['preview', 'commit'] as const)(
      'refuses a %s run with 400 VALIDATION_FAILED naming each of the five missing parameters, and writes nothing',
      async (mode) => {
        const count = async () =>
          t.sql<{ runs: string; entries: string }>(
            `SELECT (SELECT count(*) FROM allocation_runs)::text AS runs,
                    (SELECT count(*) FROM journal_entries)::text AS entries`,
          );
        const before = await count();
        const response = await tf.runRequest('NAIROBI-2009', mode, '2009-11-20');
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(fieldsOf(response)).toEqual(MISSING_PARAMETERS);
        expect(await count()).toEqual(before);
        const conference = await t.http().get('/v1/conferences/NAIROBI-2009').set(as('finance'));
        expect(conference.body.locked).toBe(false);
      },
    );
  });

  describe('reading', () => {
    it.each(['admin', 'finance', 'auditor', 'donor'] as const)(
      'lets the %s key list conferences and read one',
      async (role) => {
        const list = await t.http().get('/v1/conferences').set(as(role));
        expect(list.status).toBe(200);
        expect(list.body.items.map((c: { code: string }) => c.code)).toContain('NAIROBI-2009');
        const one = await t.http().get('/v1/conferences/NAIROBI-2009').set(as(role));
        expect(one.status).toBe(200);
        expect(one.body.code).toBe('NAIROBI-2009');
      },
    );

    it('pages through the conferences one at a time, in code order, each once', async () => {
      await tf.conference({ code: 'PAGES-A' });
      await tf.conference({ code: 'PAGES-B' });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const response: Response = await t
          .http()
          .get(`/v1/conferences?limit=1${query}`)
          .set(as('finance'));
        expect(response.body.items).toHaveLength(1);
        seen.push(response.body.items[0].code);
        cursor = response.body.nextCursor;
      } while (cursor !== null && seen.length < 1000);
      expect(seen).toEqual([...new Set(seen)].sort());
      expect(seen).toEqual(expect.arrayContaining(['NAIROBI-2009', 'PAGES-A', 'PAGES-B']));
    });

    it('answers 404 for a conference that does not exist', async () => {
      expectProblem(
        await t.http().get('/v1/conferences/NO-SUCH-CONF').set(as('donor')),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('creating', () => {
    it('answers 201 with the conference, money as USD strings, and reads back the same', async () => {
      const response = await tf.conferenceRequest(
        tf.conferenceBody({
          code: 'BAPA40-2019',
          name: 'Second High-level United Nations Conference on South-South Cooperation',
          city: 'Buenos Aires',
          startsOn: '2019-03-20',
          endsOn: '2019-03-22',
          nominationDeadline: '2019-02-15',
          dsaRateUsd: '250',
          dsaNights: 4,
          terminalExpensesUsd: '100.5',
          maxDelegatesLdc: 2,
          maxDelegatesOther: 1,
          useUnearmarked: true,
          ldcGraceYears: 3,
        }),
      );
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        code: 'BAPA40-2019',
        name: 'Second High-level United Nations Conference on South-South Cooperation',
        city: 'Buenos Aires',
        startsOn: '2019-03-20',
        endsOn: '2019-03-22',
        nominationDeadline: '2019-02-15',
        dsaRateUsd: '250.00',
        dsaNights: 4,
        terminalExpensesUsd: '100.50',
        maxDelegatesLdc: 2,
        maxDelegatesOther: 1,
        useUnearmarked: true,
        ldcGraceYears: 3,
        locked: false,
      });
      const read = await t.http().get('/v1/conferences/BAPA40-2019').set(as('donor'));
      expect(read.body).toEqual(response.body);
    });

    it('accepts money parameters of zero', async () => {
      const conference = await tf.conference({
        code: 'ZERO-DSA-2026',
        dsaRateUsd: '0',
        dsaNights: 0,
        terminalExpensesUsd: '0.00',
        maxDelegatesOther: 0,
      });
      expect(conference).toMatchObject({
        dsaRateUsd: '0.00',
        dsaNights: 0,
        terminalExpensesUsd: '0.00',
        maxDelegatesOther: 0,
      });
    });

    it('refuses a second conference with the same code with 409 CONFERENCE_EXISTS and keeps the first', async () => {
      const first = await tf.conference({ code: 'TWICE-2026', city: 'Bangkok' });
      const second = await tf.conferenceRequest(
        tf.conferenceBody({ code: 'TWICE-2026', city: 'Doha' }),
      );
      expectProblem(second, 409, 'CONFERENCE_EXISTS');
      const read = await t.http().get('/v1/conferences/TWICE-2026').set(as('finance'));
      expect(read.body).toEqual(first);
    });

    it('refuses a second NAIROBI-2009', async () => {
      const response = await tf.conferenceRequest(tf.conferenceBody({ code: 'NAIROBI-2009' }));
      expectProblem(response, 409, 'CONFERENCE_EXISTS');
    });

    it.each(['finance', 'auditor', 'donor'] as const)(
      'refuses the %s key with 403 and creates nothing',
      async (role) => {
        const body = tf.conferenceBody({ code: `BY-${role.toUpperCase()}` });
        const response = await t.http().post('/v1/conferences').set(as(role)).send(body);
        expectProblem(response, 403, 'FORBIDDEN');
        expectProblem(
          await t.http().get(`/v1/conferences/BY-${role.toUpperCase()}`).set(as('admin')),
          404,
          'NOT_FOUND',
        );
      },
    );

    it('refuses a body with every field wrong with 400 naming each of them', async () => {
      const response = await tf.conferenceRequest({
        code: 'lower-case',
        name: '',
        city: 42,
        startsOn: '2026-02-30',
        endsOn: '20261007',
        nominationDeadline: 'next week',
        dsaRateUsd: 250,
        dsaNights: '4',
        terminalExpensesUsd: '-1.00',
        maxDelegatesLdc: 1.5,
        maxDelegatesOther: -1,
        useUnearmarked: 'yes',
        ldcGraceYears: null,
        budgetUsd: '100000.00',
      });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(
        new Set([
          'budgetUsd',
          'code',
          'name',
          'city',
          'startsOn',
          'endsOn',
          'nominationDeadline',
          'dsaRateUsd',
          'dsaNights',
          'terminalExpensesUsd',
          'maxDelegatesLdc',
          'maxDelegatesOther',
          'useUnearmarked',
          'ldcGraceYears',
        ]),
      );
    });

    it('refuses an empty body naming all 13 fields', async () => {
      const response = await tf.conferenceRequest({});
      expectProblem(response, 400, 'VALIDATION_FAILED');
      const fields = Object.keys(tf.conferenceBody());
      expect(fields).toHaveLength(13);
      expect(new Set(fieldsOf(response))).toEqual(new Set(fields));
    });

    it('refuses a conference that ends before it starts, naming endsOn', async () => {
      const response = await tf.conferenceRequest(
        tf.conferenceBody({ code: 'BACKWARDS', startsOn: '2026-10-05', endsOn: '2026-10-04' }),
      );
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(response)).toEqual(['endsOn']);
    });

    it('refuses a code longer than 40 characters, naming code', async () => {
      const response = await tf.conferenceRequest(tf.conferenceBody({ code: 'A'.repeat(41) }));
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(response)).toEqual(['code']);
    });
  });

  describe('changing parameters', () => {
    it('answers 200 with the conference as changed, and reads back the same', async () => {
      await tf.conference({ code: 'PATCH-2026', dsaRateUsd: '300.00', maxDelegatesLdc: 2 });
      const response = await patch('PATCH-2026', {
        dsaRateUsd: '275.50',
        maxDelegatesLdc: 3,
        nominationDeadline: '2026-09-07',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        code: 'PATCH-2026',
        dsaRateUsd: '275.50',
        maxDelegatesLdc: 3,
        nominationDeadline: '2026-09-07',
        dsaNights: 4,
        locked: false,
      });
      const read = await t.http().get('/v1/conferences/PATCH-2026').set(as('auditor'));
      expect(read.body).toEqual(response.body);
    });

    it('lets the parameters of NAIROBI-2009 be entered by PATCH, as the seed expects', async () => {
      // Done on a copy of its shape, so that the seeded conference stays as the other tests see it.
      await tf.conference({ code: 'NAIROBI-COPY', startsOn: '2009-12-01', endsOn: '2009-12-03' });
      const response = await patch('NAIROBI-COPY', {
        dsaRateUsd: '252.00',
        dsaNights: 4,
        terminalExpensesUsd: '86.00',
        maxDelegatesLdc: 2,
        maxDelegatesOther: 1,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ dsaRateUsd: '252.00', terminalExpensesUsd: '86.00' });
    });

    it.each(['finance', 'auditor', 'donor'] as const)(
      'refuses the %s key with 403 and changes nothing',
      async (role) => {
        const code = `PATCH-BY-${role.toUpperCase()}`;
        const created = await tf.conference({ code });
        expectProblem(await patch(code, { dsaNights: 9 }, role), 403, 'FORBIDDEN');
        const read = await t.http().get(`/v1/conferences/${code}`).set(as('admin'));
        expect(read.body).toEqual(created);
      },
    );

    it('refuses a change of code, naming code', async () => {
      await tf.conference({ code: 'KEEP-CODE' });
      const response = await patch('KEEP-CODE', { code: 'OTHER-CODE' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(response)).toEqual(['code']);
    });

    it('refuses an end date before the start it already has, naming endsOn', async () => {
      await tf.conference({ code: 'KEEP-DATES', startsOn: '2026-10-05', endsOn: '2026-10-07' });
      const response = await patch('KEEP-DATES', { endsOn: '2026-10-01' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(response)).toEqual(['endsOn']);
    });

    it('refuses wrong types and unknown fields with 400 naming each', async () => {
      await tf.conference({ code: 'PATCH-TYPES' });
      const response = await patch('PATCH-TYPES', {
        dsaRateUsd: 275.5,
        dsaNights: '4',
        useUnearmarked: 'no',
        budgetUsd: '1.00',
      });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(
        new Set(['dsaRateUsd', 'dsaNights', 'useUnearmarked', 'budgetUsd']),
      );
    });

    // A null is a wrong type for every parameter (SPEC 13: 400 VALIDATION_FAILED naming the
    // field, never a 500): it would also erase a parameter a run needs.
    it.each([
      ['dsaRateUsd', 'PATCH-NULL-DSA'],
      ['terminalExpensesUsd', 'PATCH-NULL-TERMINAL'],
      ['dsaNights', 'PATCH-NULL-NIGHTS'],
      ['maxDelegatesLdc', 'PATCH-NULL-MAX'],
      ['name', 'PATCH-NULL-NAME'],
      ['useUnearmarked', 'PATCH-NULL-UNEARMARKED'],
    ])('refuses %s: null with 400 naming it, and keeps the value', async (field, code) => {
      const created = await tf.conference({ code });
      const response = await patch(code, { [field]: null });
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(fieldsOf(response)).toContain(field);
      const read = await t.http().get(`/v1/conferences/${code}`).set(as('admin'));
      expect(read.body).toEqual(created);
    });

    it('answers 404 for a conference that does not exist', async () => {
      expectProblem(await patch('NO-SUCH-CONF', { dsaNights: 3 }), 404, 'NOT_FOUND');
    });

    it('still allows changes after a preview, which commits nothing', async () => {
      await tf.conference({ code: 'PREVIEW-ONLY' });
      await tf.cash('participation:PREVIEW-ONLY', '5000.00', '2026-05-04');
      await tf.travelRequest('PREVIEW-ONLY', 'MWI', '2026-07-01', ['1200.00']);
      await tf.run('PREVIEW-ONLY', 'preview', '2026-07-02');
      const response = await patch('PREVIEW-ONLY', { dsaNights: 5 });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ dsaNights: 5, locked: false });
    });
  });

  describe('after a committed run', () => {
    let created: Record<string, unknown>;
    let spentUsd: string;
    let locked: Response;

    beforeAll(async () => {
      // 5,000.00 USD received, PSC 8% = 400.00, budget 4,600.00; Malawi's delegate costs
      // 1,200.00 + 300.00 × 4 + 100.00 = 2,500.00 and is funded.
      created = await tf.conference({ code: 'FROZEN-2026' });
      await tf.cash('participation:FROZEN-2026', '5000.00', '2026-05-04');
      await tf.travelRequest('FROZEN-2026', 'MWI', '2026-07-01', ['1200.00']);
      spentUsd = (await tf.run('FROZEN-2026', 'commit', '2026-07-02')).spentUsd;
      locked = await patch('FROZEN-2026', { dsaRateUsd: '350.00' });
    });

    it('refuses any change with 409 CONFERENCE_LOCKED once a commit has obligated 2,500.00', () => {
      expect(spentUsd).toBe('2500.00');
      expectProblem(locked, 409, 'CONFERENCE_LOCKED');
    });

    it('keeps the parameters as they were, and says the conference is locked', async () => {
      const read = await t.http().get('/v1/conferences/FROZEN-2026').set(as('finance'));
      expect(read.body).toEqual({ ...created, locked: true });
    });

    it('refuses even a change to a field a run does not use', async () => {
      expectProblem(await patch('FROZEN-2026', { city: 'Mombasa' }), 409, 'CONFERENCE_LOCKED');
    });

    it('locks a conference whose commit funded nothing as well: the run was committed', async () => {
      await tf.conference({ code: 'FROZEN-EMPTY' });
      await tf.travelRequest('FROZEN-EMPTY', 'NER', '2026-07-01', ['1200.00']);
      const run = await tf.run('FROZEN-EMPTY', 'commit', '2026-07-02');
      expect({ budgetUsd: run.budgetUsd, spentUsd: run.spentUsd }).toEqual({
        budgetUsd: '0.00',
        spentUsd: '0.00',
      });
      expectProblem(await patch('FROZEN-EMPTY', { dsaNights: 2 }), 409, 'CONFERENCE_LOCKED');
    });
  });

  describe('allocation run bodies', () => {
    beforeAll(async () => {
      await tf.conference({ code: 'RUN-BODIES' });
    });

    it('refuses an unknown mode, a bad date and an unknown field with 400 naming each', async () => {
      const response = await t
        .http()
        .post('/v1/conferences/RUN-BODIES/allocation-runs')
        .set(f.auth())
        .send({ mode: 'dry-run', effectiveOn: '2026-13-01', budgetUsd: '1.00' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(new Set(['mode', 'effectiveOn', 'budgetUsd']));
    });

    it('refuses an empty body naming mode and effectiveOn', async () => {
      const response = await t
        .http()
        .post('/v1/conferences/RUN-BODIES/allocation-runs')
        .set(f.auth())
        .send({});
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(new Set(['mode', 'effectiveOn']));
    });

    it('refuses a run dated tomorrow with 422 DATE_IN_FUTURE naming effectiveOn', async () => {
      const response = await tf.runRequest('RUN-BODIES', 'preview', tomorrow());
      expectProblem(response, 422, 'DATE_IN_FUTURE');
      expect(fieldsOf(response)).toEqual(['effectiveOn']);
    });

    it('answers 404 for a run of a conference that does not exist', async () => {
      expectProblem(await tf.runRequest('NO-SUCH-CONF', 'commit', '2026-07-02'), 404, 'NOT_FOUND');
    });

    it('refuses a release body without reason and with a bad date, naming both', async () => {
      const response = await t
        .http()
        .post('/v1/allocations/00000000-0000-4000-8000-000000000000/release')
        .set(f.auth())
        .send({ releasedOn: '2026-02-30' });
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(new Set(fieldsOf(response))).toEqual(new Set(['reason', 'releasedOn']));
    });
  });
});
