// Proves the allocation runs of SPEC 10 through HTTP with numbers worked out by hand: the budget
// is cash only (pledges add nothing; PSC, obligations and the operating reserve come off, the
// reserve rounded half-even), unearmarked cash counts only for a conference that uses it, a
// preview writes nothing and repeats itself byte for byte, a commit posts Dr 5100 / Cr 2100 and
// records allocations, later runs fund only what is unfunded, LDCs on time come first and late
// LDCs after the others on time, a release gives its money back from its date without funding its
// delegates again, and the budget always equals the fund-status figure of SPEC 11.
import { Decimal } from 'decimal.js';
import type { Response } from 'supertest';
import {
  type AllocationRunView,
  Factories,
  type JournalEntryView,
  TravelFactories,
} from './support/factories.js';
import { unbalancedEntries } from './support/ledger-invariants.js';
import { expectProblem, fieldsOf } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY_MS = 86_400_000;
const tomorrow = (): string => new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
const UUID = expect.stringMatching(
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
);

/**
 * The fund-status row of SPEC 11 for one earmark, computed from the journal as an auditor would:
 * availableUsd = receivedUsd − pscUsd − obligatedUsd + releasedUsd − reserveUsd, every event
 * effective on or before `asOf`, the reserve a share of cash rounded half-even to cents.
 */
function fundStatus(entries: JournalEntryView[], earmark: string, asOf: string, reserveRate = '0') {
  let receivedUsd = new Decimal(0);
  let pscUsd = new Decimal(0);
  let obligatedUsd = new Decimal(0);
  let releasedUsd = new Decimal(0);
  for (const entry of entries) {
    if (entry.effectiveOn > asOf) continue;
    for (const line of entry.lines) {
      if (line.earmark !== earmark) continue;
      const signed = new Decimal(line.amountUsd).times(line.side === 'debit' ? 1 : -1);
      if (line.account === '1100') receivedUsd = receivedUsd.plus(signed);
      if (line.account === '5200') pscUsd = pscUsd.plus(signed);
      if (line.account === '5100' && line.side === 'debit')
        obligatedUsd = obligatedUsd.plus(line.amountUsd);
      if (line.account === '5100' && line.side === 'credit')
        releasedUsd = releasedUsd.plus(line.amountUsd);
    }
  }
  const reserveUsd = receivedUsd.times(reserveRate).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  const availableUsd = receivedUsd
    .minus(pscUsd)
    .minus(obligatedUsd)
    .plus(releasedUsd)
    .minus(reserveUsd);
  return {
    receivedUsd: receivedUsd.toFixed(2),
    pscUsd: pscUsd.toFixed(2),
    obligatedUsd: obligatedUsd.toFixed(2),
    releasedUsd: releasedUsd.toFixed(2),
    reserveUsd: reserveUsd.toFixed(2),
    availableUsd: availableUsd.toFixed(2),
  };
}

/** The row of GET /v1/reports/fund-status for one earmark on `asOf` (SPEC 11). */
async function reportedFundStatus(
  app: TestApp,
  headers: Record<string, string>,
  earmark: string,
  asOf: string,
): Promise<Record<string, string> | undefined> {
  const response = await app.http().get(`/v1/reports/fund-status?asOf=${asOf}`).set(headers);
  expect(response.status).toBe(200);
  return response.body.rows.find((row: { earmark: string }) => row.earmark === earmark);
}

/** Lines as a preview would show them: a commit differs only by the allocation ids it sets. */
const withoutAllocationIds = (run: AllocationRunView) =>
  run.lines.map((line) => ({ ...line, allocationId: null }));

/** Every journal entry whose source is the given run or allocation. */
const entriesOf = (entries: JournalEntryView[], sourceId: string) =>
  entries.filter((entry) => entry.sourceId === sourceId);

describe('travel allocation', () => {
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

  const expectValidChain = async () => {
    expect(await unbalancedEntries(t)).toEqual([]);
    const verification = await t.http().get('/v1/ledger/verify').set(auditor);
    expect(verification.body).toMatchObject({ valid: true, firstBrokenSeq: null });
  };

  describe('CASH-ONLY: a confirmed pledge of 50,000.00 counts nothing; a payment of 10,000.00 against it leaves 9,200.00 after PSC', () => {
    const CODE = 'CASH-ONLY-2026';
    let pledgeOnly: AllocationRunView;
    let payment: Record<string, string>;
    let dayBefore: AllocationRunView;
    let onTheDay: AllocationRunView;

    beforeAll(async () => {
      await tf.conference({ code: CODE });
      // Malawi's delegate costs 7,900.00 + 300.00 × 4 + 100.00 = 9,200.00, exactly the budget;
      // Niger's costs 8,000.00 + 1,300.00 = 9,300.00, a cent-for-cent too much after Malawi.
      await tf.travelRequest(CODE, 'MWI', '2026-07-01', ['7900.00']);
      await tf.travelRequest(CODE, 'NER', '2026-07-02', ['8000.00']);
      const donor = await f.memberState('NOR');
      const pledge = await f.pledge({
        donorId: donor.id,
        currency: 'USD',
        amount: '50000.00',
        earmark: `participation:${CODE}`,
        pledgedOn: '2026-02-02',
        confirmedOn: '2026-02-03',
      });
      pledgeOnly = await tf.run(CODE, 'preview', '2026-03-31');
      payment = await f.pay({
        donorId: donor.id,
        pledgeId: pledge.id,
        currency: 'USD',
        amount: '10000.00',
        receivedOn: '2026-04-01',
      });
      dayBefore = await tf.run(CODE, 'preview', '2026-03-31');
      onTheDay = await tf.run(CODE, 'preview', '2026-04-01');
    });

    it('has a budget of 0.00 while the 50,000.00 is only pledged, and funds nobody', () => {
      expect(pledgeOnly).toMatchObject({ budgetUsd: '0.00', spentUsd: '0.00' });
      expect(pledgeOnly.lines.map((line) => line.decision)).toEqual(['not_funded', 'not_funded']);
    });

    it('charges PSC of 8% on the payment: 10,000.00 × 0.08 = 800.00', () => {
      expect(payment).toMatchObject({
        amountUsd: '10000.00',
        pscRate: '0.08',
        pscUsd: '800.00',
        earmark: `participation:${CODE}`,
      });
    });

    it('counts the cash from its receivedOn: 0.00 on 2026-03-31, 10,000.00 − 800.00 = 9,200.00 on 2026-04-01', () => {
      expect(dayBefore.budgetUsd).toBe('0.00');
      expect(onTheDay.budgetUsd).toBe('9200.00');
    });

    it('funds a delegate costing exactly the budget and skips the next one that does not fit', () => {
      expect(onTheDay).toMatchObject({
        conferenceCode: CODE,
        mode: 'preview',
        effectiveOn: '2026-04-01',
        spentUsd: '9200.00',
        inputsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(onTheDay.lines).toEqual([
        {
          countryCode: 'MWI',
          tier: 1,
          ldc: true,
          late: false,
          delegatesRequested: 1,
          delegatesFunded: 1,
          airfareUsd: '7900.00',
          dsaUsd: '1200.00',
          terminalUsd: '100.00',
          amountUsd: '9200.00',
          decision: 'funded',
          reason: 'Funded 1 of 1 delegate',
          allocationId: null,
        },
        {
          countryCode: 'NER',
          tier: 1,
          ldc: true,
          late: false,
          delegatesRequested: 1,
          delegatesFunded: 0,
          airfareUsd: '0.00',
          dsaUsd: '0.00',
          terminalUsd: '0.00',
          amountUsd: '0.00',
          decision: 'not_funded',
          reason: 'Not funded: the cheapest delegate costs 9,300.00 USD and 0.00 USD remained',
          allocationId: null,
        },
      ]);
    });
  });

  describe('SHARE: unearmarked cash of 5,000.00 counts only for the conference that uses it', () => {
    // The only unearmarked cash of this suite's database: 5,000.00 − PSC 400.00 = 4,600.00.
    // SHARE-YES also has 1,000.00 earmarked for it: 1,000.00 − PSC 80.00 = 920.00.
    let withoutUnearmarked: AllocationRunView;
    let withUnearmarked: AllocationRunView;
    let commit: AllocationRunView;
    let afterCommitYes: AllocationRunView;
    let afterCommitNo: AllocationRunView;
    let entries: JournalEntryView[];

    beforeAll(async () => {
      await tf.conference({ code: 'SHARE-NO', useUnearmarked: false });
      await tf.conference({ code: 'SHARE-YES', useUnearmarked: true });
      await tf.cash('unearmarked', '5000.00', '2026-03-02');
      await tf.cash('participation:SHARE-YES', '1000.00', '2026-03-02');
      // Rwanda's delegate costs 2,000.00 + 1,300.00 = 3,300.00 at either conference.
      await tf.travelRequest('SHARE-NO', 'RWA', '2026-07-01', ['2000.00']);
      await tf.travelRequest('SHARE-YES', 'RWA', '2026-07-01', ['2000.00']);
      withoutUnearmarked = await tf.run('SHARE-NO', 'preview', '2026-07-02');
      withUnearmarked = await tf.run('SHARE-YES', 'preview', '2026-07-02');
      commit = await tf.run('SHARE-YES', 'commit', '2026-07-02');
      afterCommitYes = await tf.run('SHARE-YES', 'preview', '2026-07-03');
      afterCommitNo = await tf.run('SHARE-NO', 'preview', '2026-07-03');
      entries = await tf.journal();
    });

    it('gives SHARE-NO, which does not use unearmarked cash, a budget of 0.00', () => {
      expect(withoutUnearmarked).toMatchObject({ budgetUsd: '0.00', spentUsd: '0.00' });
    });

    it('gives SHARE-YES 920.00 earmarked + 4,600.00 unearmarked = 5,520.00', () => {
      expect(withUnearmarked).toMatchObject({ budgetUsd: '5520.00', spentUsd: '3300.00' });
    });

    it('obligates the earmarked 920.00 first and the other 2,380.00 on unearmarked cash', () => {
      expect(commit.spentUsd).toBe('3300.00');
      const [entry] = entriesOf(entries, commit.id);
      expect(entry).toMatchObject({ kind: 'allocation_committed', effectiveOn: '2026-07-02' });
      expect(
        entry.lines.map(({ account, side, amountUsd, earmark }) => ({
          account,
          side,
          amountUsd,
          earmark,
        })),
      ).toEqual([
        { account: '5100', side: 'debit', amountUsd: '920.00', earmark: 'participation:SHARE-YES' },
        {
          account: '2100',
          side: 'credit',
          amountUsd: '920.00',
          earmark: 'participation:SHARE-YES',
        },
        { account: '5100', side: 'debit', amountUsd: '2380.00', earmark: 'unearmarked' },
        { account: '2100', side: 'credit', amountUsd: '2380.00', earmark: 'unearmarked' },
      ]);
    });

    it('leaves SHARE-YES 5,520.00 − 3,300.00 = 2,220.00, all of it unearmarked, and SHARE-NO still 0.00', () => {
      expect(afterCommitYes.budgetUsd).toBe('2220.00');
      expect(fundStatus(entries, 'participation:SHARE-YES', '2026-07-03').availableUsd).toBe(
        '0.00',
      );
      expect(fundStatus(entries, 'unearmarked', '2026-07-03')).toEqual({
        receivedUsd: '5000.00',
        pscUsd: '400.00',
        obligatedUsd: '2380.00',
        releasedUsd: '0.00',
        reserveUsd: '0.00',
        availableUsd: '2220.00',
      });
      expect(afterCommitNo.budgetUsd).toBe('0.00');
    });

    it('reports the same unearmarked figures in fund-status', async () => {
      expect(await reportedFundStatus(t, auditor, 'unearmarked', '2026-07-03')).toEqual({
        earmark: 'unearmarked',
        fxGainLossUsd: '0.00',
        ...fundStatus(entries, 'unearmarked', '2026-07-03'),
      });
    });
  });

  describe('PREVIEW: a preview writes nothing and repeats itself; the commit of the same inputs agrees', () => {
    // 8,000.00 received − PSC 640.00 = 7,360.00. Costs (airfare + 1,300.00): Senegal 2,200.00;
    // Burundi 2,400.00 and 2,600.00; Peru 2,300.00. Tier 1 Senegal → 5,160.00 left, Burundi →
    // 2,760.00; tier 2 Peru → 460.00; phase 2 Burundi's second delegate (2,600.00) does not fit.
    const CODE = 'PREVIEW-2026';
    const TABLES = ['journal_entries', 'journal_lines', 'allocations', 'allocation_runs'];
    let before: Record<string, string>[];
    let after: Record<string, string>[];
    let first: Response;
    let second: Response;
    let commit: AllocationRunView;
    let lockedAfterPreviews: boolean;

    const counts = () =>
      t.sql<Record<string, string>>(
        `SELECT ${TABLES.map((table) => `(SELECT count(*) FROM ${table})::text AS ${table}`).join(', ')}`,
      );

    beforeAll(async () => {
      await tf.conference({ code: CODE });
      await tf.cash(`participation:${CODE}`, '8000.00', '2026-04-06');
      await tf.travelRequest(CODE, 'BDI', '2026-07-01', ['1100.00', '1300.00']);
      await tf.travelRequest(CODE, 'PER', '2026-07-02', ['1000.00']);
      await tf.travelRequest(CODE, 'SEN', '2026-07-03', ['900.00']);
      before = await counts();
      first = await tf.runRequest(CODE, 'preview', '2026-07-06');
      second = await tf.runRequest(CODE, 'preview', '2026-07-06');
      after = await counts();
      lockedAfterPreviews = (await t.http().get(`/v1/conferences/${CODE}`).set(auditor)).body
        .locked;
      commit = await tf.run(CODE, 'commit', '2026-07-06');
    });

    it('answers 201 to a preview and writes no journal entry, allocation or run', () => {
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(after).toEqual(before);
      expect(lockedAfterPreviews).toBe(false);
    });

    it('gives byte-identical lines and the same inputsHash twice', () => {
      expect(JSON.stringify(second.body.lines)).toBe(JSON.stringify(first.body.lines));
      expect(second.body.inputsHash).toBe(first.body.inputsHash);
      expect(second.body.id).not.toBe(first.body.id);
    });

    it('computes the lines by hand: Senegal and Peru funded, Burundi 1 of 2 with 460.00 left', () => {
      expect(first.body).toMatchObject({ budgetUsd: '7360.00', spentUsd: '6900.00' });
      expect(first.body.lines).toEqual([
        {
          countryCode: 'SEN',
          tier: 1,
          ldc: true,
          late: false,
          delegatesRequested: 1,
          delegatesFunded: 1,
          airfareUsd: '900.00',
          dsaUsd: '1200.00',
          terminalUsd: '100.00',
          amountUsd: '2200.00',
          decision: 'funded',
          reason: 'Funded 1 of 1 delegate',
          allocationId: null,
        },
        {
          countryCode: 'BDI',
          tier: 1,
          ldc: true,
          late: false,
          delegatesRequested: 2,
          delegatesFunded: 1,
          airfareUsd: '1100.00',
          dsaUsd: '1200.00',
          terminalUsd: '100.00',
          amountUsd: '2400.00',
          decision: 'partially_funded',
          reason:
            'Funded 1 of 2 delegates; 1 not funded: the next delegate costs 2,600.00 USD and 460.00 USD remained',
          allocationId: null,
        },
        {
          countryCode: 'PER',
          tier: 2,
          ldc: false,
          late: false,
          delegatesRequested: 1,
          delegatesFunded: 1,
          airfareUsd: '1000.00',
          dsaUsd: '1200.00',
          terminalUsd: '100.00',
          amountUsd: '2300.00',
          decision: 'funded',
          reason: 'Funded 1 of 1 delegate',
          allocationId: null,
        },
      ]);
    });

    it('commits what the preview showed: same inputsHash, same lines, each funded line with its allocationId', () => {
      expect(commit).toMatchObject({
        mode: 'commit',
        budgetUsd: '7360.00',
        spentUsd: '6900.00',
        inputsHash: first.body.inputsHash,
      });
      expect(withoutAllocationIds(commit)).toEqual(first.body.lines);
      expect(commit.lines.map((line) => line.allocationId)).toEqual([UUID, UUID, UUID]);
    });
  });

  describe('ORDER: LDCs first, late LDCs after the others on time, and a later run funds only what is unfunded', () => {
    // Delegate cost = airfare + 300.00 × 4 DSA + 100.00 terminal = airfare + 1,300.00.
    //   MWI LDC on time (3 delegates: 1,900.00, 2,100.00, 1,500.00 → 3,200.00, 3,400.00, 2,800.00)
    //   NER LDC on time (2,700.00 → 4,000.00)
    //   KEN other on time (900.00, 800.00 → 2,200.00, 2,100.00)
    //   IND other on time (1,200.00 → 2,500.00)
    //   MLI LDC late (600.00 → 1,900.00)
    //   BRA other late (500.00 → 1,800.00)
    // At most 2 delegates of an LDC, 1 of another country; deadline 2026-08-31.
    //
    // Run 1 on 2026-09-15: 12,500.00 received − PSC 1,000.00 = 11,500.00.
    //   Phase 1: MWI 2,800.00 → 8,700.00; NER 4,000.00 → 4,700.00; KEN 2,100.00 → 2,600.00;
    //            IND 2,500.00 → 100.00; MLI 1,900.00 and BRA 1,800.00 do not fit.
    //   Phase 2: MWI's next delegate, 3,200.00, does not fit. Spent 11,400.00.
    // Run 2 on 2026-09-21, after 8,000.00 more (PSC 640.00): 100.00 + 7,360.00 = 7,460.00.
    //   MWI is past phase 1. Phase 1: MLI 1,900.00 → 5,560.00; BRA 1,800.00 → 3,760.00.
    //   Phase 2: MWI 3,200.00 → 560.00. Spent 6,900.00.
    // Run 3 (preview) on 2026-09-22: 560.00 and nothing left to consider.
    const CODE = 'ORDER-2026';
    const EARMARK = `participation:${CODE}`;
    let run1: AllocationRunView;
    let run2: AllocationRunView;
    let run3: AllocationRunView;
    let allocations: Record<string, unknown>[];
    let entries: JournalEntryView[];

    beforeAll(async () => {
      await tf.conference({ code: CODE, maxDelegatesLdc: 2, maxDelegatesOther: 1 });
      await tf.cash(EARMARK, '12500.00', '2026-06-01');
      await tf.travelRequest(CODE, 'MWI', '2026-08-10', ['1900.00', '2100.00', '1500.00']);
      await tf.travelRequest(CODE, 'NER', '2026-08-12', ['2700.00']);
      await tf.travelRequest(CODE, 'KEN', '2026-08-05', ['900.00', '800.00']);
      await tf.travelRequest(CODE, 'IND', '2026-08-20', ['1200.00']);
      await tf.travelRequest(CODE, 'MLI', '2026-09-05', ['600.00']);
      await tf.travelRequest(CODE, 'BRA', '2026-09-10', ['500.00']);
      run1 = await tf.run(CODE, 'commit', '2026-09-15');
      await tf.cash(EARMARK, '8000.00', '2026-09-20');
      run2 = await tf.run(CODE, 'commit', '2026-09-21');
      run3 = await tf.run(CODE, 'preview', '2026-09-22');
      allocations = await tf.allocations(CODE);
      entries = await tf.journal();
    });

    const line = (
      countryCode: string,
      tier: number,
      ldc: boolean,
      late: boolean,
      delegatesRequested: number,
      funded: { airfareUsd: string; amountUsd: string } | null,
      decision: string,
      reason: string,
    ) => ({
      countryCode,
      tier,
      ldc,
      late,
      delegatesRequested,
      delegatesFunded: funded ? 1 : 0,
      airfareUsd: funded?.airfareUsd ?? '0.00',
      dsaUsd: funded ? '1200.00' : '0.00',
      terminalUsd: funded ? '100.00' : '0.00',
      amountUsd: funded?.amountUsd ?? '0.00',
      decision,
      reason,
      allocationId: funded ? UUID : null,
    });

    it('run 1 spends 11,400.00 of 11,500.00 tier by tier, cheapest first within a tier', () => {
      expect(run1).toMatchObject({ budgetUsd: '11500.00', spentUsd: '11400.00' });
      expect(run1.lines).toEqual([
        line(
          'MWI',
          1,
          true,
          false,
          3,
          { airfareUsd: '1500.00', amountUsd: '2800.00' },
          'partially_funded',
          'Funded 1 of 3 delegates; 1 not funded: the next delegate costs 3,200.00 USD and 100.00 USD remained; 1 beyond the maximum of 2 for an LDC',
        ),
        line(
          'NER',
          1,
          true,
          false,
          1,
          { airfareUsd: '2700.00', amountUsd: '4000.00' },
          'funded',
          'Funded 1 of 1 delegate',
        ),
        line(
          'KEN',
          2,
          false,
          false,
          2,
          { airfareUsd: '800.00', amountUsd: '2100.00' },
          'funded',
          'Funded 1 of 2 delegates; 1 beyond the maximum of 1 for a country that is not an LDC',
        ),
        line(
          'IND',
          2,
          false,
          false,
          1,
          { airfareUsd: '1200.00', amountUsd: '2500.00' },
          'funded',
          'Funded 1 of 1 delegate',
        ),
        line(
          'MLI',
          3,
          true,
          true,
          1,
          null,
          'not_funded',
          'Not funded: the cheapest delegate costs 1,900.00 USD and 100.00 USD remained',
        ),
        line(
          'BRA',
          4,
          false,
          true,
          1,
          null,
          'not_funded',
          'Not funded: the cheapest delegate costs 1,800.00 USD and 100.00 USD remained',
        ),
      ]);
    });

    it('funds India (on time, 2,500.00) before Mali (a late LDC, 1,900.00), and Niger (an LDC, 4,000.00) before both', () => {
      const funded = run1.lines.filter((l) => l.delegatesFunded > 0).map((l) => l.countryCode);
      expect(funded).toEqual(['MWI', 'NER', 'KEN', 'IND']);
      expect(run1.lines.map((l) => l.tier)).toEqual([1, 1, 2, 2, 3, 4]);
    });

    it('posts run 1 as one entry: Dr 5100 / Cr 2100 per allocation, 11,400.00 each side', () => {
      const run1Entries = entriesOf(entries, run1.id);
      expect(run1Entries).toHaveLength(1);
      const [entry] = run1Entries;
      expect(entry).toMatchObject({
        kind: 'allocation_committed',
        sourceType: 'allocation_run',
        effectiveOn: '2026-09-15',
      });
      const pair = (amountUsd: string) => [
        expect.objectContaining({ account: '5100', side: 'debit', amountUsd, earmark: EARMARK }),
        expect.objectContaining({ account: '2100', side: 'credit', amountUsd, earmark: EARMARK }),
      ];
      expect(entry.lines).toEqual([
        ...pair('2800.00'),
        ...pair('4000.00'),
        ...pair('2100.00'),
        ...pair('2500.00'),
      ]);
      expect(entry.lines.every((l) => l.currency === 'USD')).toBe(true);
    });

    it('run 2 sees 7,460.00 and funds Mali and Brazil in phase 1 before Malawi’s second delegate in phase 2', () => {
      expect(run2).toMatchObject({ budgetUsd: '7460.00', spentUsd: '6900.00' });
      expect(run2.lines).toEqual([
        line(
          'MWI',
          1,
          true,
          false,
          3,
          { airfareUsd: '1900.00', amountUsd: '3200.00' },
          'funded',
          'Funded 1 of 3 delegates; 1 already funded by an earlier allocation; 1 beyond the maximum of 2 for an LDC',
        ),
        line(
          'MLI',
          3,
          true,
          true,
          1,
          { airfareUsd: '600.00', amountUsd: '1900.00' },
          'funded',
          'Funded 1 of 1 delegate',
        ),
        line(
          'BRA',
          4,
          false,
          true,
          1,
          { airfareUsd: '500.00', amountUsd: '1800.00' },
          'funded',
          'Funded 1 of 1 delegate',
        ),
      ]);
    });

    it('leaves nothing to consider for run 3, with 560.00 unspent', () => {
      expect(run3).toMatchObject({ budgetUsd: '560.00', spentUsd: '0.00', lines: [] });
    });

    it('never funds a delegate twice: Malawi holds delegates 3 and then 1, in two allocations', async () => {
      const rows = await t.sql<{ country: string; indexes: number[] }>(
        `SELECT country_code AS country, delegate_indexes AS indexes FROM allocations
          WHERE conference_code = $1 ORDER BY country_code, effective_on`,
        [CODE],
      );
      expect(rows).toEqual([
        { country: 'BRA', indexes: [0] },
        { country: 'IND', indexes: [0] },
        { country: 'KEN', indexes: [1] },
        { country: 'MLI', indexes: [0] },
        { country: 'MWI', indexes: [2] },
        { country: 'MWI', indexes: [0] },
        { country: 'NER', indexes: [0] },
      ]);
    });

    it('lists the seven allocations, committed, each with the amount and date of its run', () => {
      const view = allocations
        .map((a) => ({
          countryCode: a.countryCode,
          amountUsd: a.amountUsd,
          effectiveOn: a.effectiveOn,
          status: a.status,
          releasedOn: a.releasedOn,
          delegatesFunded: a.delegatesFunded,
        }))
        .sort((a, b) =>
          `${a.effectiveOn}${a.countryCode}`.localeCompare(`${b.effectiveOn}${b.countryCode}`),
        );
      const committed = (countryCode: string, amountUsd: string, effectiveOn: string) => ({
        countryCode,
        amountUsd,
        effectiveOn,
        status: 'committed',
        releasedOn: null,
        delegatesFunded: 1,
      });
      expect(view).toEqual([
        committed('IND', '2500.00', '2026-09-15'),
        committed('KEN', '2100.00', '2026-09-15'),
        committed('MWI', '2800.00', '2026-09-15'),
        committed('NER', '4000.00', '2026-09-15'),
        committed('BRA', '1800.00', '2026-09-21'),
        committed('MLI', '1900.00', '2026-09-21'),
        committed('MWI', '3200.00', '2026-09-21'),
      ]);
      const ids = [...run1.lines, ...run2.lines].flatMap((l) => l.allocationId ?? []);
      expect(allocations.map((a) => a.id).sort()).toEqual([...ids].sort());
    });

    it('keeps the budget equal to fund-status: 20,500.00 − 1,640.00 − 18,300.00 − 0.00 = 560.00', async () => {
      expect(fundStatus(entries, EARMARK, '2026-09-22')).toEqual({
        receivedUsd: '20500.00',
        pscUsd: '1640.00',
        obligatedUsd: '18300.00',
        releasedUsd: '0.00',
        reserveUsd: '0.00',
        availableUsd: run3.budgetUsd,
      });
      expect(await reportedFundStatus(t, auditor, EARMARK, '2026-09-22')).toEqual({
        earmark: EARMARK,
        fxGainLossUsd: '0.00',
        ...fundStatus(entries, EARMARK, '2026-09-22'),
      });
      await expectValidChain();
    });
  });

  describe('TIES: equal costs go by nomination date, then country code; a request that does not fit is skipped, not a stop', () => {
    // Money parameters of zero: a delegate costs its airfare alone. 6,000.00 − PSC 480.00 =
    // 5,520.00. Tier 1, all 2,500.00: Benin and Ethiopia nominated 2026-07-01, Haiti 2026-07-02.
    // Benin (BEN < ETH) → 3,020.00; Ethiopia → 520.00; Haiti does not fit and is skipped; tier 2
    // Jamaica 400.00 still fits → 120.00.
    const CODE = 'TIES-2026';
    let run: AllocationRunView;

    beforeAll(async () => {
      await tf.conference({
        code: CODE,
        dsaRateUsd: '0.00',
        dsaNights: 0,
        terminalExpensesUsd: '0.00',
      });
      await tf.cash(`participation:${CODE}`, '6000.00', '2026-05-04');
      await tf.travelRequest(CODE, 'HTI', '2026-07-02', ['2500.00']);
      await tf.travelRequest(CODE, 'ETH', '2026-07-01', ['2500.00']);
      await tf.travelRequest(CODE, 'JAM', '2026-07-03', ['400.00']);
      await tf.travelRequest(CODE, 'BEN', '2026-07-01', ['2500.00']);
      run = await tf.run(CODE, 'preview', '2026-07-06');
    });

    it('orders Benin, Ethiopia, Haiti, then Jamaica, and funds all but Haiti for 5,400.00', () => {
      expect(run).toMatchObject({ budgetUsd: '5520.00', spentUsd: '5400.00' });
      expect(
        run.lines.map((l) => [l.countryCode, l.tier, l.amountUsd, l.dsaUsd, l.terminalUsd]),
      ).toEqual([
        ['BEN', 1, '2500.00', '0.00', '0.00'],
        ['ETH', 1, '2500.00', '0.00', '0.00'],
        ['HTI', 1, '0.00', '0.00', '0.00'],
        ['JAM', 2, '400.00', '0.00', '0.00'],
      ]);
      expect(run.lines[2].reason).toBe(
        'Not funded: the cheapest delegate costs 2,500.00 USD and 520.00 USD remained',
      );
    });
  });

  describe('RELEASE: a released obligation returns to the budget from releasedOn, and its delegate is not funded again', () => {
    // 10,000.00 received − PSC 800.00 = 9,200.00. Costs: Uganda 3,300.00 and 3,500.00; Chad
    // 5,300.00; Ghana 2,300.00. Run 1 on 2026-07-10: Uganda 3,300.00 → 5,900.00; Chad 5,300.00
    // → 600.00; Ghana and Uganda's second delegate do not fit. Spent 8,600.00.
    // Chad's allocation is released on 2026-07-20: from then on 600.00 + 5,300.00 = 5,900.00.
    // Run 2 on 2026-07-21: Ghana 2,300.00 → 3,600.00; Uganda's second 3,500.00 → 100.00.
    const CODE = 'RELEASE-2026';
    const EARMARK = `participation:${CODE}`;
    let run1: AllocationRunView;
    let chadId: string;
    let ugandaId: string;
    let released: Response;
    let releasedAgain: Response;
    let tooEarly: Response;
    let inFuture: Response;
    let unknown: Response;
    let dayBeforeRelease: AllocationRunView;
    let dayOfRelease: AllocationRunView;
    let run2: AllocationRunView;
    let last: AllocationRunView;
    let allocations: Record<string, unknown>[];
    let entries: JournalEntryView[];

    beforeAll(async () => {
      await tf.conference({ code: CODE });
      await tf.cash(EARMARK, '10000.00', '2026-05-04');
      await tf.travelRequest(CODE, 'UGA', '2026-07-01', ['2000.00', '2200.00']);
      await tf.travelRequest(CODE, 'TCD', '2026-07-02', ['4000.00']);
      await tf.travelRequest(CODE, 'GHA', '2026-07-03', ['1000.00']);
      run1 = await tf.run(CODE, 'commit', '2026-07-10');
      chadId = run1.lines.find((l) => l.countryCode === 'TCD')!.allocationId!;
      ugandaId = run1.lines.find((l) => l.countryCode === 'UGA')!.allocationId!;
      released = await tf.releaseRequest(chadId, '2026-07-20');
      releasedAgain = await tf.releaseRequest(chadId, '2026-07-21');
      tooEarly = await tf.releaseRequest(ugandaId, '2026-07-09');
      inFuture = await tf.releaseRequest(ugandaId, tomorrow());
      unknown = await tf.releaseRequest('00000000-0000-4000-8000-000000000000', '2026-07-20');
      dayBeforeRelease = await tf.run(CODE, 'preview', '2026-07-19');
      dayOfRelease = await tf.run(CODE, 'preview', '2026-07-20');
      run2 = await tf.run(CODE, 'commit', '2026-07-21');
      last = await tf.run(CODE, 'preview', '2026-07-22');
      allocations = await tf.allocations(CODE);
      entries = await tf.journal();
    });

    it('run 1 funds Uganda and Chad for 8,600.00', () => {
      expect(run1).toMatchObject({ budgetUsd: '9200.00', spentUsd: '8600.00' });
      expect(run1.lines.map((l) => [l.countryCode, l.amountUsd])).toEqual([
        ['UGA', '3300.00'],
        ['TCD', '5300.00'],
        ['GHA', '0.00'],
      ]);
    });

    it('answers the release with 200 and the allocation, now released on 2026-07-20', () => {
      expect(released.status).toBe(200);
      expect(released.body).toEqual({
        id: chadId,
        countryCode: 'TCD',
        delegatesFunded: 1,
        amountUsd: '5300.00',
        status: 'released',
        effectiveOn: '2026-07-10',
        releasedOn: '2026-07-20',
      });
    });

    it('posts the release as its own entry on 2026-07-20: Dr 2100 / Cr 5100 5,300.00', () => {
      const [entry] = entriesOf(entries, chadId);
      expect(entry).toMatchObject({
        kind: 'allocation_released',
        sourceType: 'allocation',
        effectiveOn: '2026-07-20',
      });
      expect(entry.lines).toEqual([
        expect.objectContaining({
          account: '5100',
          side: 'credit',
          amountUsd: '5300.00',
          earmark: EARMARK,
        }),
        expect.objectContaining({
          account: '2100',
          side: 'debit',
          amountUsd: '5300.00',
          earmark: EARMARK,
        }),
      ]);
    });

    it('refuses a second release with 409 ALREADY_RELEASED', () => {
      expectProblem(releasedAgain, 409, 'ALREADY_RELEASED');
    });

    it('refuses a release dated before the allocation’s effectiveOn with 422 DATE_OUT_OF_ORDER', () => {
      expectProblem(tooEarly, 422, 'DATE_OUT_OF_ORDER');
      expect(fieldsOf(tooEarly)).toEqual(['releasedOn']);
    });

    it('refuses a release dated tomorrow with 422 DATE_IN_FUTURE, and an unknown allocation with 404', () => {
      expectProblem(inFuture, 422, 'DATE_IN_FUTURE');
      expectProblem(unknown, 404, 'NOT_FOUND');
    });

    it('does not see the released money in a run dated 2026-07-19, the day before the release', () => {
      expect(dayBeforeRelease.budgetUsd).toBe('600.00');
      expect(dayBeforeRelease.lines.map((l) => [l.countryCode, l.decision])).toEqual([
        ['UGA', 'not_funded'],
        ['GHA', 'not_funded'],
      ]);
    });

    it('sees 600.00 + 5,300.00 = 5,900.00 from 2026-07-20, and never offers Chad’s released delegate again', () => {
      expect(dayOfRelease).toMatchObject({ budgetUsd: '5900.00', spentUsd: '5800.00' });
      expect(dayOfRelease.lines.map((l) => l.countryCode)).toEqual(['UGA', 'GHA']);
    });

    it('run 2 funds Uganda’s second delegate and Ghana for 5,800.00, leaving 100.00', () => {
      expect(run2).toMatchObject({ budgetUsd: '5900.00', spentUsd: '5800.00' });
      expect(
        run2.lines.map((l) => ({
          countryCode: l.countryCode,
          amountUsd: l.amountUsd,
          decision: l.decision,
          reason: l.reason,
        })),
      ).toEqual([
        {
          countryCode: 'UGA',
          amountUsd: '3500.00',
          decision: 'funded',
          reason: 'Funded 1 of 2 delegates; 1 already funded by an earlier allocation',
        },
        {
          countryCode: 'GHA',
          amountUsd: '2300.00',
          decision: 'funded',
          reason: 'Funded 1 of 1 delegate',
        },
      ]);
      expect(last).toMatchObject({ budgetUsd: '100.00', lines: [] });
    });

    it('lists Chad’s allocation as released and the others as committed; Chad has no other allocation', () => {
      const view = allocations
        .map((a) => [a.countryCode, a.amountUsd, a.status, a.effectiveOn, a.releasedOn])
        .sort((a, b) => `${a[3]}${a[0]}`.localeCompare(`${b[3]}${b[0]}`));
      expect(view).toEqual([
        ['TCD', '5300.00', 'released', '2026-07-10', '2026-07-20'],
        ['UGA', '3300.00', 'committed', '2026-07-10', null],
        ['GHA', '2300.00', 'committed', '2026-07-21', null],
        ['UGA', '3500.00', 'committed', '2026-07-21', null],
      ]);
    });

    it('keeps the budget equal to fund-status: 10,000.00 − 800.00 − 14,400.00 + 5,300.00 − 0.00 = 100.00', async () => {
      expect(fundStatus(entries, EARMARK, '2026-07-22')).toEqual({
        receivedUsd: '10000.00',
        pscUsd: '800.00',
        obligatedUsd: '14400.00',
        releasedUsd: '5300.00',
        reserveUsd: '0.00',
        availableUsd: last.budgetUsd,
      });
      expect(await reportedFundStatus(t, auditor, EARMARK, '2026-07-22')).toEqual({
        earmark: EARMARK,
        fxGainLossUsd: '0.00',
        ...fundStatus(entries, EARMARK, '2026-07-22'),
      });
      await expectValidChain();
    });
  });

  describe('RESERVE: OPERATING_RESERVE_RATE 0.1 keeps 10% of cash back, rounded half-even', () => {
    // A database of its own, so that the reserve rate applies to nothing else.
    // 10,000.25 received; PSC 10,000.25 × 0.08 = 800.02; reserve 10,000.25 × 0.1 = 1,000.025,
    // half-even to 1,000.02 (half-up would give 1,000.03); budget 10,000.25 − 800.02 − 1,000.02
    // = 8,200.21. Mozambique's delegate costs 6,900.21 + 1,300.00 = 8,200.21: exactly the budget.
    const CODE = 'RESERVE-2026';
    const EARMARK = `participation:${CODE}`;
    let r: TestApp;
    let rf: Factories;
    let rtf: TravelFactories;
    let payment: Record<string, string>;
    let preview: AllocationRunView;
    let commit: AllocationRunView;
    let after: AllocationRunView;
    let entries: JournalEntryView[];

    beforeAll(async () => {
      r = await startTestApp({ OPERATING_RESERVE_RATE: '0.1' });
      rf = await Factories.create(r);
      rtf = new TravelFactories(r, rf);
      await rtf.conference({ code: CODE });
      payment = await rtf.cash(EARMARK, '10000.25', '2026-05-04');
      await rtf.travelRequest(CODE, 'MOZ', '2026-07-01', ['6900.21']);
      preview = await rtf.run(CODE, 'preview', '2026-07-02');
      commit = await rtf.run(CODE, 'commit', '2026-07-02');
      after = await rtf.run(CODE, 'preview', '2026-07-03');
      entries = await rtf.journal();
    });
    afterAll(async () => {
      await r?.close();
    });

    it('charges PSC 800.02 on 10,000.25', () => {
      expect(payment).toMatchObject({ amountUsd: '10000.25', pscUsd: '800.02' });
    });

    it('budgets 10,000.25 − 800.02 − 1,000.02 = 8,200.21 and funds the delegate that costs exactly that', () => {
      expect(preview).toMatchObject({ budgetUsd: '8200.21', spentUsd: '8200.21' });
      expect(commit).toMatchObject({ budgetUsd: '8200.21', spentUsd: '8200.21' });
      expect(commit.lines).toEqual([
        expect.objectContaining({
          countryCode: 'MOZ',
          airfareUsd: '6900.21',
          amountUsd: '8200.21',
          decision: 'funded',
          allocationId: UUID,
        }),
      ]);
    });

    it('keeps the budget equal to fund-status with the reserve: 10,000.25 − 800.02 − 8,200.21 − 1,000.02 = 0.00', async () => {
      expect(fundStatus(entries, EARMARK, '2026-07-03', '0.1')).toEqual({
        receivedUsd: '10000.25',
        pscUsd: '800.02',
        obligatedUsd: '8200.21',
        releasedUsd: '0.00',
        reserveUsd: '1000.02',
        availableUsd: after.budgetUsd,
      });
      expect(after.budgetUsd).toBe('0.00');
      expect(await reportedFundStatus(r, rf.auth(), EARMARK, '2026-07-03')).toEqual({
        earmark: EARMARK,
        fxGainLossUsd: '0.00',
        ...fundStatus(entries, EARMARK, '2026-07-03', '0.1'),
      });
    });
  });
});
