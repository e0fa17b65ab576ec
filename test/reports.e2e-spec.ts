// Proves the auditor reports (SPEC 11): figures equal to hand-computed ones for a multi-currency
// scenario, byte-identical answers when pinned to asOf/asOfSeq even after later and backdated
// postings, fund-status availability equal to the travel budget, balanced trial balance, CSV,
// and a donor key that sees only its own rows of the contributions report.
import { Factories } from './support/factories.js';
import { expectProblem } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('reports', () => {
  let t: TestApp;
  let f: Factories;
  let auditor: Record<string, string>;
  let norway: { id: string; name: string };
  let korea: { id: string; name: string };

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
    await f.rate('EUR', '2026-01-01', '0.8');
    await f.rate('KRW', '2026-01-01', '1250');
    norway = await f.donor({ name: 'Norway', type: 'member_state', countryCode: 'NOR' });
    korea = await f.donor({ name: 'Republic of Korea', type: 'member_state', countryCode: 'KOR' });

    // Norway: EUR 100,000.00 confirmed at 0.8 → carrying 125,000.00 USD; EUR 40,000.00 paid at 0.8 → 50,000.00 USD.
    const eurPledge = await f.pledge({
      donorId: norway.id,
      currency: 'EUR',
      amount: '100000.00',
      pledgedOn: '2026-01-05',
      confirmedOn: '2026-01-10',
    });
    await f.pay({
      donorId: norway.id,
      pledgeId: eurPledge.id,
      currency: 'EUR',
      amount: '40000.00',
      receivedOn: '2026-02-01',
    });
    // Norway: an announced USD 5,000.00 pledge, and an unpledged USD 1,000.00 payment.
    await f.pledge({
      donorId: norway.id,
      currency: 'USD',
      amount: '5000.00',
      status: 'announced',
      pledgedOn: '2026-01-20',
    });
    await f.pay({
      donorId: norway.id,
      currency: 'USD',
      amount: '1000.00',
      receivedOn: '2026-02-02',
      earmark: 'unearmarked',
    });
    // Korea: KRW 25,000,000 confirmed at 1250 → 20,000.00 USD; KRW 5,000,000 written off later.
    const krwPledge = await f.pledge({
      donorId: korea.id,
      currency: 'KRW',
      amount: '25000000',
      pledgedOn: '2026-01-03',
      confirmedOn: '2026-01-04',
      earmark: 'participation:NAIROBI-2009',
    });
    await f.pay({
      donorId: korea.id,
      pledgeId: krwPledge.id,
      currency: 'KRW',
      amount: '20000000',
      receivedOn: '2026-03-01',
    });
    const writeOff = await t
      .http()
      .post(`/v1/pledges/${krwPledge.id}/write-off`)
      .set(f.auth())
      .send({ reason: 'Balance waived', writtenOffOn: '2026-03-15' });
    expect(writeOff.status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const report = (path: string, headers = auditor) => t.http().get(path).set(headers);

  describe('contributions, with the numbers worked by hand', () => {
    it('gives a row per donor and currency, sorted by donor name then currency', async () => {
      const response = await report('/v1/reports/contributions?asOf=2026-06-30');
      expect(response.status).toBe(200);
      expect(response.body.rows).toEqual([
        {
          donorId: norway.id,
          donorName: 'Norway',
          currency: 'EUR',
          announced: '0.00',
          confirmed: '100000.00',
          paid: '40000.00',
          unpledged: '0.00',
          writtenOff: '0.00',
          outstanding: '60000.00',
          confirmedUsd: '125000.00',
          receivedUsd: '50000.00',
        },
        {
          donorId: norway.id,
          donorName: 'Norway',
          currency: 'USD',
          announced: '5000.00',
          confirmed: '0.00',
          paid: '0.00',
          unpledged: '1000.00',
          writtenOff: '0.00',
          outstanding: '0.00',
          confirmedUsd: '0.00',
          receivedUsd: '1000.00',
        },
        {
          donorId: korea.id,
          donorName: 'Republic of Korea',
          currency: 'KRW',
          announced: '0',
          confirmed: '25000000',
          paid: '20000000',
          unpledged: '0',
          writtenOff: '5000000',
          outstanding: '0',
          confirmedUsd: '20000.00',
          receivedUsd: '16000.00',
        },
      ]);
      // Totals: confirmed USD 125,000.00 + 20,000.00; received 50,000.00 + 1,000.00 + 16,000.00.
      expect(response.body.totals).toMatchObject({
        confirmedUsd: '145000.00',
        receivedUsd: '67000.00',
      });
      expect(response.body.totals.byCurrency.map((c: { currency: string }) => c.currency)).toEqual([
        'EUR',
        'KRW',
        'USD',
      ]);
    });

    it('counts a pledge created confirmed as announced from pledgedOn until confirmedOn', async () => {
      const between = await report('/v1/reports/contributions?asOf=2026-01-07');
      const eur = between.body.rows.find((r: { currency: string }) => r.currency === 'EUR');
      expect(eur).toMatchObject({ announced: '100000.00', confirmed: '0.00' });
    });

    it('lets a donor key read only its own rows, and no other report', async () => {
      const donorKey = { Authorization: `Bearer ${await t.createKey('donor', korea.id)}` };
      const own = await report('/v1/reports/contributions?asOf=2026-06-30', donorKey);
      expect(own.body.rows.map((r: { donorId: string }) => r.donorId)).toEqual([korea.id]);
      expect(own.body.totals.confirmedUsd).toBe('20000.00');
      for (const path of [
        '/v1/reports/fund-status',
        '/v1/reports/trial-balance',
        '/v1/reports/travel-support?conference=NAIROBI-2009',
      ]) {
        expectProblem(await report(path, donorKey), 403, 'FORBIDDEN');
      }
    });
  });

  describe('reproducibility', () => {
    it('answers the same bytes and contentHash when pinned, after later and backdated postings', async () => {
      const first = await report('/v1/reports/contributions?asOf=2026-06-30');
      const pinned = `/v1/reports/contributions?asOf=${first.body.asOf}&asOfSeq=${first.body.asOfSeq}`;
      const before = await report(pinned);
      // A backdated payment (received in February, recorded now) and a new one.
      await f.pay({
        donorId: korea.id,
        currency: 'USD',
        amount: '777.00',
        receivedOn: '2026-02-15',
        earmark: 'unearmarked',
      });
      const after = await report(pinned);
      expect(after.text).toBe(before.text);
      expect(after.body.contentHash).toBe(before.body.contentHash);
      const moving = await report('/v1/reports/contributions?asOf=2026-06-30');
      expect(moving.body.asOfSeq).toBeGreaterThan(first.body.asOfSeq);
      expect(moving.body.contentHash).not.toBe(first.body.contentHash);
    });

    it('refuses an asOfSeq beyond the journal head', async () => {
      expectProblem(
        await report('/v1/reports/trial-balance?asOfSeq=999999'),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(
        await report('/v1/reports/trial-balance?asOf=2026-02-30'),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('trial balance', () => {
    it('lists every account with equal total debits and credits', async () => {
      const response = await report('/v1/reports/trial-balance');
      expect(response.body.rows.map((r: { account: string }) => r.account)).toEqual([
        '1100',
        '1200',
        '2100',
        '2200',
        '4100',
        '4900',
        '5100',
        '5200',
        '5300',
      ]);
      expect(response.body.totals.debitUsd).toBe(response.body.totals.creditUsd);
      const receivable = response.body.rows.find((r: { account: string }) => r.account === '1200');
      // 1200: debits 125,000.00 + 20,000.00; credits 50,000.00 + 16,000.00 relief + 4,000.00 written off.
      expect(receivable).toMatchObject({
        debitUsd: '145000.00',
        creditUsd: '70000.00',
        balanceUsd: '75000.00',
      });
    });

    it('answers CSV with a header of the field names', async () => {
      const response = await t
        .http()
        .get('/v1/reports/trial-balance')
        .set(auditor)
        .set('Accept', 'text/csv');
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      const lines = response.text.trim().split('\n');
      expect(lines[0]).toBe('account,name,debitUsd,creditUsd,balanceUsd');
      expect(lines).toHaveLength(10);
      expect(response.headers['x-content-hash']).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('fund status and the travel budget', () => {
    it('equals the budget an allocation preview computes for the conference', async () => {
      const admin = { Authorization: `Bearer ${t.adminKey}` };
      const patched = await t.http().patch('/v1/conferences/NAIROBI-2009').set(admin).send({
        nominationDeadline: '2026-01-01',
        dsaRateUsd: '0.00',
        dsaNights: 0,
        terminalExpensesUsd: '0.00',
        maxDelegatesLdc: 1,
        maxDelegatesOther: 1,
      });
      expect(patched.status).toBe(200);
      const status = await report('/v1/reports/fund-status?asOf=2026-06-30');
      const row = status.body.rows.find(
        (r: { earmark: string }) => r.earmark === 'participation:NAIROBI-2009',
      );
      // Korea paid KRW 20,000,000 at 1250 = 16,000.00 USD; PSC 8% = 1,280.00; available 14,720.00.
      expect(row).toMatchObject({
        receivedUsd: '16000.00',
        pscUsd: '1280.00',
        obligatedUsd: '0.00',
        availableUsd: '14720.00',
      });
      const preview = await t
        .http()
        .post('/v1/conferences/NAIROBI-2009/allocation-runs')
        .set(f.auth())
        .send({ mode: 'preview', effectiveOn: '2026-06-30' });
      expect(preview.body.budgetUsd).toBe(row.availableUsd);
    });
  });
});
