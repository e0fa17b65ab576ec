// Proves that simultaneous travel-support writes can never spend the same dollar (SPEC 10):
// six commits of one conference fired at once obligate what one commit would and nothing more,
// never fund one delegate twice, and each sees what the previous one spent; two conferences that
// both draw on unearmarked cash, committing at once, end in one of the two outcomes a serial
// order gives; simultaneous releases of one allocation release it once; and one Idempotency-Key
// sent with simultaneous commits commits once. The journal stays gap-free, balanced and valid.
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Response } from 'supertest';
import { Factories, TravelFactories } from './support/factories.js';
import {
  gapFreeJournal,
  journalNumbering,
  unbalancedEntries,
} from './support/ledger-invariants.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('travel support under concurrent requests', () => {
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

  const commitAll = (code: string, count: number, effectiveOn: string): Promise<Response[]> =>
    Promise.all(Array.from({ length: count }, () => tf.runRequest(code, 'commit', effectiveOn)));

  /** Delegates (request, index) held by more than one allocation that has not been released. */
  const doublyFundedDelegates = () =>
    t.sql(
      `SELECT a.request_id, i.idx, count(*)::int AS allocations
         FROM allocations a
         LEFT JOIN allocation_releases r ON r.allocation_id = a.id
         CROSS JOIN LATERAL unnest(a.delegate_indexes) AS i(idx)
        WHERE r.allocation_id IS NULL
        GROUP BY a.request_id, i.idx HAVING count(*) > 1`,
    );

  /** Per conference: unreleased allocations, their amounts in total and by earmark. */
  const obligations = async (code: string) => {
    const [row] = await t.sql<{
      count: string;
      amount: string;
      earmarked: string;
      unearmarked: string;
    }>(
      `SELECT count(*)::text AS count, COALESCE(sum(a.amount_usd), 0)::text AS amount,
              COALESCE(sum(a.earmarked_usd), 0)::text AS earmarked,
              COALESCE(sum(a.unearmarked_usd), 0)::text AS unearmarked
         FROM allocations a LEFT JOIN allocation_releases r ON r.allocation_id = a.id
        WHERE a.conference_code = $1 AND r.allocation_id IS NULL`,
      [code],
    );
    return {
      count: Number(row.count),
      amountUsd: new Decimal(row.amount).toFixed(2),
      earmarkedUsd: new Decimal(row.earmarked).toFixed(2),
      unearmarkedUsd: new Decimal(row.unearmarked).toFixed(2),
    };
  };

  const expectValidJournal = async () => {
    const numbering = await journalNumbering(t);
    expect(numbering).toEqual(gapFreeJournal(numbering.count));
    expect(await unbalancedEntries(t)).toEqual([]);
    const verification = await t.http().get('/v1/ledger/verify').set(auditor);
    expect(verification.body).toMatchObject({ valid: true, firstBrokenSeq: null });
  };

  describe('six simultaneous commits of one conference', () => {
    // 27,500.00 received − PSC 2,200.00 = 25,300.00. Costs = airfare + 1,300.00:
    //   LDCs: BFA 2,000.00 / 2,200.00; MWI 2,300.00 / 2,500.00; NER 2,800.00 / 3,000.00;
    //         MLI 3,300.00; TCD 3,800.00. Others: KEN 2,100.00; GHA 2,400.00; IND 2,900.00.
    // One commit alone: phase 1 tier 1 = 2,000 + 2,300 + 2,800 + 3,300 + 3,800 = 14,200.00 →
    // 11,100.00; tier 2 KEN, GHA, IND = 7,400.00 → 3,700.00; phase 2 BFA's second 2,200.00 →
    // 1,500.00; MWI's (2,500.00) and NER's (3,000.00) do not fit. 9 delegates, 23,800.00.
    const CODE = 'RACE-2026';
    let responses: Response[];

    beforeAll(async () => {
      await tf.conference({ code: CODE });
      await tf.cash(`participation:${CODE}`, '27500.00', '2026-05-04');
      for (const [country, airfares] of [
        ['BFA', ['700.00', '900.00']],
        ['MWI', ['1000.00', '1200.00']],
        ['NER', ['1500.00', '1700.00']],
        ['MLI', ['2000.00']],
        ['TCD', ['2500.00']],
        ['KEN', ['800.00']],
        ['GHA', ['1100.00']],
        ['IND', ['1600.00']],
      ] as const)
        await tf.travelRequest(CODE, country, '2026-07-01', [...airfares]);
      responses = await commitAll(CODE, 6, '2026-07-10');
    });

    it('answers 201 to every commit', () => {
      expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201, 201, 201]);
    });

    it('lets exactly one commit fund the 9 delegates for 23,800.00; the other five see 1,500.00 and fund nothing', () => {
      const seen = responses
        .map((response) => [response.body.budgetUsd, response.body.spentUsd])
        .sort((a, b) => new Decimal(b[0]).comparedTo(a[0]));
      expect(seen).toEqual([
        ['25300.00', '23800.00'],
        ['1500.00', '0.00'],
        ['1500.00', '0.00'],
        ['1500.00', '0.00'],
        ['1500.00', '0.00'],
        ['1500.00', '0.00'],
      ]);
    });

    it('records 8 allocations (Burkina Faso’s holds 2 delegates) worth 23,800.00, no more than the 25,300.00 of cash after PSC', async () => {
      expect(await obligations(CODE)).toEqual({
        count: 8,
        amountUsd: '23800.00',
        earmarkedUsd: '23800.00',
        unearmarkedUsd: '0.00',
      });
      const funded = await t.sql<{ delegates: string }>(
        'SELECT sum(delegates_funded)::text AS delegates FROM allocations WHERE conference_code = $1',
        [CODE],
      );
      expect(funded).toEqual([{ delegates: '9' }]);
    });

    it('never funds one delegate twice', async () => {
      expect(await doublyFundedDelegates()).toEqual([]);
    });

    it('records six runs and one obligation entry, and keeps the journal gap-free, balanced and valid', async () => {
      expect(
        await t.sql(
          'SELECT count(*)::int AS runs FROM allocation_runs WHERE conference_code = $1',
          [CODE],
        ),
      ).toEqual([{ runs: 6 }]);
      const ids = responses.map((response) => response.body.id);
      const entries = await t.sql<{ kind: string; debit: string }>(
        `SELECT e.kind, sum(l.amount_usd)::text AS debit FROM journal_entries e
           JOIN journal_lines l ON l.entry_seq = e.seq AND l.account = '5100' AND l.side = 'debit'
          WHERE e.source_id::text = ANY ($1) GROUP BY e.seq, e.kind`,
        [ids],
      );
      expect(entries).toEqual([{ kind: 'allocation_committed', debit: '23800.00' }]);
      await expectValidJournal();
    });
  });

  describe('two conferences that both use unearmarked cash, three commits each at once', () => {
    // Unearmarked: 10,000.00 − PSC 800.00 = 9,200.00. SHARED-A: 1,000.00 − 80.00 = 920.00 of its
    // own, four LDC requests of 2,300.00. SHARED-B: 500.00 − 40.00 = 460.00 of its own, four LDC
    // requests of 2,500.00. The two serial orders give:
    //   A first: A has 10,120.00 and funds 4 × 2,300.00 = 9,200.00 (920.00 earmarked + 8,280.00
    //            unearmarked); B then has 460.00 + 920.00 = 1,380.00 and funds nothing.
    //   B first: B has 9,660.00 and funds 3 × 2,500.00 = 7,500.00 (460.00 + 7,040.00); A then has
    //            920.00 + 2,160.00 = 3,080.00 and funds 1 × 2,300.00 (920.00 + 1,380.00).
    // Either way no more than 9,200.00 + 920.00 + 460.00 = 10,580.00 can be obligated.
    let responses: Response[];

    beforeAll(async () => {
      await tf.conference({ code: 'SHARED-A', useUnearmarked: true, maxDelegatesLdc: 1 });
      await tf.conference({ code: 'SHARED-B', useUnearmarked: true, maxDelegatesLdc: 1 });
      await tf.cash('unearmarked', '10000.00', '2026-05-04');
      await tf.cash('participation:SHARED-A', '1000.00', '2026-05-04');
      await tf.cash('participation:SHARED-B', '500.00', '2026-05-04');
      for (const country of ['MWI', 'NER', 'MLI', 'BFA'])
        await tf.travelRequest('SHARED-A', country, '2026-07-01', ['1000.00']);
      for (const country of ['TCD', 'ETH', 'MOZ', 'UGA'])
        await tf.travelRequest('SHARED-B', country, '2026-07-01', ['1200.00']);
      responses = await Promise.all(
        ['SHARED-A', 'SHARED-B', 'SHARED-A', 'SHARED-B', 'SHARED-A', 'SHARED-B'].map((code) =>
          tf.runRequest(code, 'commit', '2026-07-10'),
        ),
      );
    });

    it('answers 201 to every commit', () => {
      expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201, 201, 201]);
    });

    it('never obligates more unearmarked cash than the 9,200.00 there is, nor more of an earmark than it holds', async () => {
      const a = await obligations('SHARED-A');
      const b = await obligations('SHARED-B');
      const unearmarked = new Decimal(a.unearmarkedUsd).plus(b.unearmarkedUsd);
      expect(unearmarked.lessThanOrEqualTo('9200.00')).toBe(true);
      expect(new Decimal(a.earmarkedUsd).lessThanOrEqualTo('920.00')).toBe(true);
      expect(new Decimal(b.earmarkedUsd).lessThanOrEqualTo('460.00')).toBe(true);
      const total = new Decimal(a.amountUsd).plus(b.amountUsd);
      expect(total.lessThanOrEqualTo('10580.00')).toBe(true);
    });

    it('ends exactly as one of the two serial orders would', async () => {
      const outcome = {
        a: await obligations('SHARED-A'),
        b: await obligations('SHARED-B'),
      };
      const aFirst = {
        a: { count: 4, amountUsd: '9200.00', earmarkedUsd: '920.00', unearmarkedUsd: '8280.00' },
        b: { count: 0, amountUsd: '0.00', earmarkedUsd: '0.00', unearmarkedUsd: '0.00' },
      };
      const bFirst = {
        a: { count: 1, amountUsd: '2300.00', earmarkedUsd: '920.00', unearmarkedUsd: '1380.00' },
        b: { count: 3, amountUsd: '7500.00', earmarkedUsd: '460.00', unearmarkedUsd: '7040.00' },
      };
      expect([aFirst, bFirst]).toContainEqual(outcome);
    });

    it('never funds one delegate twice, and keeps the journal gap-free, balanced and valid', async () => {
      expect(await doublyFundedDelegates()).toEqual([]);
      await expectValidJournal();
    });
  });

  describe('five simultaneous releases of one allocation', () => {
    // 5,000.00 − PSC 400.00 = 4,600.00; Rwanda's delegate costs 1,200.00 + 1,300.00 = 2,500.00.
    let allocationId: string;
    let responses: Response[];

    beforeAll(async () => {
      await tf.conference({ code: 'RELEASE-RACE' });
      await tf.cash('participation:RELEASE-RACE', '5000.00', '2026-05-04');
      await tf.travelRequest('RELEASE-RACE', 'RWA', '2026-07-01', ['1200.00']);
      const run = await tf.run('RELEASE-RACE', 'commit', '2026-07-10');
      allocationId = run.lines[0].allocationId!;
      responses = await Promise.all(
        Array.from({ length: 5 }, () => tf.releaseRequest(allocationId, '2026-07-20')),
      );
    });

    it('releases once (200) and refuses the other four with 409 ALREADY_RELEASED', () => {
      const outcomes = responses
        .map((response) =>
          response.status === 200 ? '200' : `${response.status} ${response.body.code}`,
        )
        .sort();
      expect(outcomes).toEqual([
        '200',
        '409 ALREADY_RELEASED',
        '409 ALREADY_RELEASED',
        '409 ALREADY_RELEASED',
        '409 ALREADY_RELEASED',
      ]);
    });

    it('posts one release entry of 2,500.00 and gives the budget back once: 4,600.00', async () => {
      const entries = await t.sql<{ credit: string }>(
        `SELECT l.amount_usd::text AS credit FROM journal_entries e
           JOIN journal_lines l ON l.entry_seq = e.seq AND l.account = '5100' AND l.side = 'credit'
          WHERE e.source_id::text = $1 AND e.kind = 'allocation_released'`,
        [allocationId],
      );
      expect(entries).toEqual([{ credit: '2500.00' }]);
      const preview = await tf.run('RELEASE-RACE', 'preview', '2026-07-21');
      expect(preview.budgetUsd).toBe('4600.00');
      await expectValidJournal();
    });
  });

  describe('simultaneous creations', () => {
    it('creates one conference of five sent at once with the same code; the others get 409 CONFERENCE_EXISTS', async () => {
      const body = tf.conferenceBody({ code: 'SAME-CODE-RACE' });
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => tf.conferenceRequest(body)),
      );
      expect(
        responses.map((r) => (r.status === 201 ? '201' : `${r.status} ${r.body.code}`)).sort(),
      ).toEqual([
        '201',
        '409 CONFERENCE_EXISTS',
        '409 CONFERENCE_EXISTS',
        '409 CONFERENCE_EXISTS',
        '409 CONFERENCE_EXISTS',
      ]);
    });

    it('records one of five requests of the same country sent at once, with one memo entry; the others get 409 REQUEST_EXISTS', async () => {
      await tf.conference({ code: 'SAME-COUNTRY-RACE' });
      const responses = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          tf.travelRequestRequest('SAME-COUNTRY-RACE', {
            countryCode: 'NPL',
            nominatedOn: '2026-07-01',
            nominationReference: `NPL/MFA/2026/${index + 1}`,
            delegates: [{ name: 'A. Delegate', airfareUsd: '1500.00' }],
          }),
        ),
      );
      expect(
        responses.map((r) => (r.status === 201 ? '201' : `${r.status} ${r.body.code}`)).sort(),
      ).toEqual([
        '201',
        '409 REQUEST_EXISTS',
        '409 REQUEST_EXISTS',
        '409 REQUEST_EXISTS',
        '409 REQUEST_EXISTS',
      ]);
      const memos = await t.sql(
        `SELECT e.seq FROM journal_entries e JOIN travel_requests r ON r.id = e.source_id
          WHERE r.conference_code = 'SAME-COUNTRY-RACE' AND e.kind = 'travel_request'`,
      );
      expect(memos).toHaveLength(1);
    });
  });

  describe('a commit and a change of parameters sent at once', () => {
    // 5,000.00 − PSC 400.00 = 4,600.00; Lesotho's delegate costs 1,000.00 + DSA × 4 + 100.00:
    // 2,300.00 at the old DSA of 300.00, 2,500.00 at the new one of 350.00. Whichever comes
    // second loses: a change after the commit is refused, a commit after the change uses it.
    let commit: Response;
    let change: Response;

    beforeAll(async () => {
      await tf.conference({ code: 'PATCH-RACE', dsaRateUsd: '300.00' });
      await tf.cash('participation:PATCH-RACE', '5000.00', '2026-05-04');
      await tf.travelRequest('PATCH-RACE', 'LSO', '2026-07-01', ['1000.00']);
      [commit, change] = await Promise.all([
        tf.runRequest('PATCH-RACE', 'commit', '2026-07-10'),
        t.http().patch('/v1/conferences/PATCH-RACE').set(tf.admin()).send({ dsaRateUsd: '350.00' }),
      ]);
    });

    it('obligates at the DSA the conference has when the commit runs, and freezes it there', async () => {
      expect(commit.status).toBe(201);
      expect([200, 409]).toContain(change.status);
      const expected =
        change.status === 200
          ? { dsaUsd: '1400.00', amountUsd: '2500.00' }
          : { dsaUsd: '1200.00', amountUsd: '2300.00' };
      expect(commit.body.lines[0]).toMatchObject(expected);
      const conference = await t.http().get('/v1/conferences/PATCH-RACE').set(auditor);
      expect(conference.body).toMatchObject({
        locked: true,
        dsaRateUsd: change.status === 200 ? '350.00' : '300.00',
      });
      expect(await obligations('PATCH-RACE')).toMatchObject({ amountUsd: expected.amountUsd });
    });
  });

  describe('one Idempotency-Key sent with four simultaneous commits', () => {
    // 5,000.00 − PSC 400.00 = 4,600.00; Senegal's delegate costs 900.00 + 1,300.00 = 2,200.00.
    let responses: Response[];

    beforeAll(async () => {
      await tf.conference({ code: 'KEYED-RACE' });
      await tf.cash('participation:KEYED-RACE', '5000.00', '2026-05-04');
      await tf.travelRequest('KEYED-RACE', 'SEN', '2026-07-01', ['900.00']);
      const key = randomUUID();
      responses = await Promise.all(
        Array.from({ length: 4 }, () =>
          t
            .http()
            .post('/v1/conferences/KEYED-RACE/allocation-runs')
            .set(f.auth())
            .set('Idempotency-Key', key)
            .send({ mode: 'commit', effectiveOn: '2026-07-10' }),
        ),
      );
    });

    it('answers the same run four times, three of them marked as replays', () => {
      expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201]);
      const ids = new Set(responses.map((response) => response.body.id));
      expect(ids.size).toBe(1);
      expect(
        responses.every((r) => JSON.stringify(r.body) === JSON.stringify(responses[0].body)),
      ).toBe(true);
      expect(
        responses.filter((response) => response.headers['idempotent-replayed'] === 'true'),
      ).toHaveLength(3);
      expect(responses[0].body).toMatchObject({ budgetUsd: '4600.00', spentUsd: '2200.00' });
    });

    it('commits once: one run, one allocation of 2,200.00', async () => {
      expect(
        await t.sql(
          'SELECT count(*)::int AS runs FROM allocation_runs WHERE conference_code = $1',
          ['KEYED-RACE'],
        ),
      ).toEqual([{ runs: 1 }]);
      expect(await obligations('KEYED-RACE')).toEqual({
        count: 1,
        amountUsd: '2200.00',
        earmarkedUsd: '2200.00',
        unearmarkedUsd: '0.00',
      });
    });
  });
});
