// Proves the contributions ledger's arithmetic with numbers worked out by hand: a JPY pledge
// settled by three payments at three rates ends at exactly 0.00 receivable with the FX
// differences booked, a KWD amount keeps its three decimals, and the journal balances.
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('ledger scenarios', () => {
  let t: TestApp;
  let f: Factories;
  let auditor: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
  });
  afterAll(async () => {
    await t?.close();
  });

  const accountBalances = async (pledgeId: string) =>
    t.sql<{ account: string; debit: string; credit: string }>(
      `SELECT account, sum(CASE WHEN side = 'debit' THEN amount_usd ELSE 0 END)::text AS debit,
              sum(CASE WHEN side = 'credit' THEN amount_usd ELSE 0 END)::text AS credit
         FROM journal_lines WHERE pledge_id = $1 GROUP BY account ORDER BY account`,
      [pledgeId],
    );

  describe('a JPY pledge of 3,000,000 confirmed at 150 and paid in three instalments at 160, 125 (mid-month revision) and 128', () => {
    let pledge: Record<string, string>;
    const payments: Record<string, string>[] = [];

    beforeAll(async () => {
      const donor = await f.memberState('JPN');
      await f.rate('JPY', '2026-01-01', '150');
      await f.rate('JPY', '2026-02-01', '160');
      await f.rate('JPY', '2026-02-16', '125'); // mid-month revision
      await f.rate('JPY', '2026-03-01', '128');
      pledge = await f.pledge({
        donorId: donor.id,
        currency: 'JPY',
        amount: '3000000',
        earmark: 'participation:NAIROBI-2009',
        pledgedOn: '2026-01-02',
        confirmedOn: '2026-01-05',
        reference: 'JPN/2026/1',
        instalments: [
          { dueOn: '2026-02-15', amount: '1000000' },
          { dueOn: '2026-03-15', amount: '1000000' },
          { dueOn: '2026-04-15', amount: '1000000' },
        ],
      });
      for (const receivedOn of ['2026-02-10', '2026-02-20', '2026-03-10']) {
        payments.push(
          await f.pay({
            donorId: donor.id,
            pledgeId: pledge.id,
            currency: 'JPY',
            amount: '1000000',
            receivedOn,
          }),
        );
      }
    });

    it('carries the pledge at 3,000,000 / 150 = 20,000.00 USD', () => {
      expect(pledge).toMatchObject({
        status: 'confirmed',
        carryingUsd: '20000.00',
        confirmRate: '150',
        confirmRateEffectiveOn: '2026-01-01',
      });
    });

    it('books payment 1 at 160: cash 6,250.00, relief 6,666.67, FX loss 416.67, PSC 500.00', () => {
      expect(payments[0]).toMatchObject({
        rate: '160',
        rateEffectiveOn: '2026-02-01',
        amountUsd: '6250.00',
        relievedUsd: '6666.67',
        fxGainLossUsd: '-416.67',
        pscRate: '0.08',
        pscUsd: '500.00',
        status: 'posted',
        receiptNumber: 'UNFSSC-2026-000001',
      });
    });

    it('books payment 2 at the revised 125: cash 8,000.00, relief 6,666.67, FX gain 1,333.33, PSC 640.00', () => {
      expect(payments[1]).toMatchObject({
        rate: '125',
        rateEffectiveOn: '2026-02-16',
        amountUsd: '8000.00',
        relievedUsd: '6666.67',
        fxGainLossUsd: '1333.33',
        pscUsd: '640.00',
        receiptNumber: 'UNFSSC-2026-000002',
      });
    });

    it('settles with payment 3 at 128: cash 7,812.50, relief exactly the remaining 6,666.66, FX gain 1,145.84', () => {
      expect(payments[2]).toMatchObject({
        rate: '128',
        amountUsd: '7812.50',
        relievedUsd: '6666.66',
        fxGainLossUsd: '1145.84',
        pscUsd: '625.00',
      });
    });

    it('leaves the pledge paid with exactly 0.00 USD receivable and 2,062.50 net FX gain', async () => {
      const current = await t.http().get(`/v1/pledges/${pledge.id}`).set(f.auth());
      expect(current.body).toMatchObject({
        status: 'paid',
        paidAmount: '3000000',
        outstandingAmount: '0',
        carryingUsd: '20000.00',
        relievedUsd: '20000.00',
      });
      const balances = await accountBalances(pledge.id);
      // 1200: debit 20,000.00 at confirmation, credits 6,666.67 + 6,666.67 + 6,666.66 = 20,000.00.
      expect(balances.find((b) => b.account === '1200')).toEqual({
        account: '1200',
        debit: '20000.00',
        credit: '20000.00',
      });
      // 4900: loss 416.67 (debit); gains 1,333.33 + 1,145.84 = 2,479.17 (credit); net gain 2,062.50.
      expect(balances.find((b) => b.account === '4900')).toEqual({
        account: '4900',
        debit: '416.67',
        credit: '2479.17',
      });
      // 1100: cash 6,250.00 + 8,000.00 + 7,812.50 = 22,062.50 = 20,000.00 carrying + 2,062.50 FX.
      expect(balances.find((b) => b.account === '1100')).toEqual({
        account: '1100',
        debit: '22062.50',
        credit: '0',
      });
    });

    it('keeps a valid chain in which every entry balances', async () => {
      const verification = await t.http().get('/v1/ledger/verify').set(auditor);
      expect(verification.body).toMatchObject({ valid: true, firstBrokenSeq: null });
      expect(verification.body.entries).toBeGreaterThanOrEqual(4);
    });
  });

  describe('an unpledged KWD payment of 12.345 at 0.3071', () => {
    it('keeps the three decimals and converts to 12.345 / 0.3071 = 40.1986… → 40.20 USD, PSC 3.216 → 3.22', async () => {
      const donor = await f.donor({ name: 'Kuwait Fund', type: 'igo' });
      await f.rate('KWD', '2026-01-01', '0.3071');
      const payment = await f.pay({
        donorId: donor.id,
        currency: 'KWD',
        amount: '12.345',
        receivedOn: '2026-01-20',
        earmark: 'unearmarked',
      });
      expect(payment).toMatchObject({
        amount: '12.345',
        amountUsd: '40.20',
        relievedUsd: '0.00',
        fxGainLossUsd: '0.00',
        pscUsd: '3.22',
        pledgeId: null,
      });
      const entry = await t
        .http()
        .get(`/v1/ledger/entries?afterSeq=${Number(payment.journalEntrySeq) - 1}&limit=1`)
        .set(auditor);
      expect(entry.body.entries[0].lines).toEqual([
        expect.objectContaining({
          account: '1100',
          side: 'debit',
          amountUsd: '40.20',
          currency: 'KWD',
          amountOriginal: '12.345',
          rate: '0.3071',
        }),
        expect.objectContaining({
          account: '4100',
          side: 'credit',
          amountUsd: '40.20',
          amountOriginal: '12.345',
        }),
        expect.objectContaining({
          account: '5200',
          side: 'debit',
          amountUsd: '3.22',
          currency: 'USD',
        }),
        expect.objectContaining({
          account: '2200',
          side: 'credit',
          amountUsd: '3.22',
          currency: 'USD',
        }),
      ]);
    });

    it('refuses a fourth decimal instead of rounding it', async () => {
      const donor = await f.donor();
      const response = await f.payment({
        donorId: donor.id,
        currency: 'KWD',
        amount: '12.3456',
        receivedOn: '2026-01-20',
        earmark: 'unearmarked',
      });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'amount', message: expect.stringMatching(/3 decimals/) },
      ]);
    });
  });
});
