// Proves that simultaneous requests cannot over-pay a pledge, skip or repeat a receipt number or
// a journal sequence number, or write an idempotent request twice: 40 concurrent payments against
// a pledge with room for 25, concurrent unpledged payments in two years, one Idempotency-Key sent
// ten times at once, five reversals of one payment, a write-off racing payments, and payments
// that fail after their receipt number was taken, all leave numbering gap-free, every fact
// written once and the hash chain valid (SPEC 7, 8, 9, 13).
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { Factories } from './support/factories.js';
import {
  expectedReceiptNumbers,
  gapFreeJournal,
  gapFreeReceiptYears,
  journalNumbering,
  receiptNumbersOf,
  receiptYears,
  unbalancedEntries,
} from './support/ledger-invariants.js';
import { expectProblem } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('ledger under concurrent requests', () => {
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

  /** Fires every body at once, each on its own supertest request with its own key. */
  const payAll = (bodies: Record<string, unknown>[]): Promise<Response[]> =>
    Promise.all(bodies.map((body) => f.payment(body)));

  const statusCounts = (responses: Response[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const response of responses) {
      const key =
        response.status < 300
          ? String(response.status)
          : `${response.status} ${response.body?.code}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };

  const expectValidChain = async () => {
    const numbering = await journalNumbering(t);
    expect(numbering).toEqual(gapFreeJournal(numbering.count));
    expect(await unbalancedEntries(t)).toEqual([]);
    const verification = await t.http().get('/v1/ledger/verify').set(auditor);
    expect(verification.status).toBe(200);
    expect(verification.body).toMatchObject({
      valid: true,
      firstBrokenSeq: null,
      entries: numbering.count,
      headSeq: numbering.count,
    });
  };

  describe('40 simultaneous payments of USD 1,000.00 against a confirmed pledge of USD 25,000.00', () => {
    const YEAR = 2021;
    let pledge: Record<string, string>;
    let responses: Response[];

    beforeAll(async () => {
      const donor = await f.donor();
      pledge = await f.pledge({
        donorId: donor.id,
        currency: 'USD',
        amount: '25000.00',
        pledgedOn: `${YEAR}-01-04`,
        confirmedOn: `${YEAR}-01-05`,
      });
      const body = {
        donorId: donor.id,
        pledgeId: pledge.id,
        currency: 'USD',
        amount: '1000.00',
        receivedOn: `${YEAR}-03-01`,
      };
      responses = await payAll(Array.from({ length: 40 }, () => body));
    });

    // The 25th payment settles the pledge, so the 15 that come after it find a `paid` pledge.
    // SPEC 7 checks the pledge's state before the amount, so they answer INVALID_PLEDGE_STATE,
    // not EXCEEDS_OUTSTANDING; the next describe leaves room on the pledge to see the latter.
    it('accepts exactly 25 and refuses the other 15 with 409 INVALID_PLEDGE_STATE (the pledge is paid)', () => {
      expect(statusCounts(responses)).toEqual({ '201': 25, '409 INVALID_PLEDGE_STATE': 15 });
      for (const refused of responses.filter((r) => r.status !== 201))
        expectProblem(refused, 409, 'INVALID_PLEDGE_STATE');
    });

    it('leaves the pledge paid, 0.00 outstanding, its carrying value relieved exactly', async () => {
      const current = await t.http().get(`/v1/pledges/${pledge.id}`).set(f.auth());
      expect(current.body).toMatchObject({
        status: 'paid',
        paidAmount: '25000.00',
        outstandingAmount: '0.00',
        carryingUsd: '25000.00',
        relievedUsd: '25000.00',
      });
      const [receivable] = await t.sql<{ balance: string }>(
        `SELECT sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END)::text AS balance
           FROM journal_lines WHERE pledge_id = $1 AND account = '1200'`,
        [pledge.id],
      );
      expect(receivable.balance).toBe('0.00');
      const [payments] = await t.sql<{ count: string; total: string }>(
        'SELECT count(*)::text AS count, sum(amount)::text AS total FROM payments WHERE pledge_id = $1',
        [pledge.id],
      );
      expect(payments).toEqual({ count: '25', total: '25000.00' });
    });

    it(`numbers the 25 receipts UNFSSC-${YEAR}-000001 to 000025 with no gap, one per accepted payment`, async () => {
      const expected = expectedReceiptNumbers(YEAR, 25);
      expect(await receiptNumbersOf(t, YEAR)).toEqual(expected);
      const answered = responses
        .filter((r) => r.status === 201)
        .map((r) => r.body.receiptNumber as string)
        .sort();
      expect(answered).toEqual(expected);
      const linked = await t.sql<{ number: string }>(
        `SELECT r.number FROM receipts r JOIN payments p ON p.id = r.payment_id AND p.receipt_number = r.number
          WHERE p.pledge_id = $1 ORDER BY r.seq`,
        [pledge.id],
      );
      expect(linked.map((row) => row.number)).toEqual(expected);
    });

    it('gives each accepted payment its own journal entry, numbered 1..N without a hole, in a valid chain', async () => {
      const seqs = responses.filter((r) => r.status === 201).map((r) => r.body.journalEntrySeq);
      expect(new Set(seqs).size).toBe(25);
      await expectValidChain();
    });
  });

  describe('40 simultaneous payments of USD 1,000.00 against a confirmed pledge of USD 25,500.00', () => {
    const YEAR = 2018;
    let pledge: Record<string, string>;
    let responses: Response[];

    beforeAll(async () => {
      const donor = await f.donor();
      pledge = await f.pledge({
        donorId: donor.id,
        currency: 'USD',
        amount: '25500.00',
        pledgedOn: `${YEAR}-02-01`,
        confirmedOn: `${YEAR}-02-01`,
      });
      const body = {
        donorId: donor.id,
        pledgeId: pledge.id,
        currency: 'USD',
        amount: '1000.00',
        receivedOn: `${YEAR}-02-15`,
      };
      responses = await payAll(Array.from({ length: 40 }, () => body));
    });

    it('accepts exactly 25 and refuses the other 15 with 422 EXCEEDS_OUTSTANDING (500.00 left)', async () => {
      expect(statusCounts(responses)).toEqual({ '201': 25, '422 EXCEEDS_OUTSTANDING': 15 });
      for (const refused of responses.filter((r) => r.status !== 201))
        expectProblem(refused, 422, 'EXCEEDS_OUTSTANDING');
      const current = await t.http().get(`/v1/pledges/${pledge.id}`).set(f.auth());
      expect(current.body).toMatchObject({
        status: 'partially_paid',
        paidAmount: '25000.00',
        outstandingAmount: '500.00',
        carryingUsd: '25500.00',
        relievedUsd: '25000.00',
      });
      expect(await receiptNumbersOf(t, YEAR)).toEqual(expectedReceiptNumbers(YEAR, 25));
      await expectValidChain();
    });
  });

  describe('20 simultaneous unpledged payments, alternating between 2022 and 2023', () => {
    let responses: Response[];

    beforeAll(async () => {
      const donor = await f.donor();
      responses = await payAll(
        Array.from({ length: 20 }, (_, index) => ({
          donorId: donor.id,
          currency: 'USD',
          amount: `${100 + index}.00`,
          receivedOn: index % 2 === 0 ? '2022-06-30' : '2023-01-02',
          earmark: 'unearmarked',
        })),
      );
    });

    it('accepts all 20', () => {
      expect(statusCounts(responses)).toEqual({ '201': 20 });
    });

    it('numbers each year from 000001 to 000010 with no gap, each number the one its payment answered', async () => {
      for (const year of [2022, 2023]) {
        const expected = expectedReceiptNumbers(year, 10);
        expect(await receiptNumbersOf(t, year)).toEqual(expected);
        const answered = responses
          .filter((r) => (r.body.receivedOn as string).startsWith(String(year)))
          .map((r) => r.body.receiptNumber as string)
          .sort();
        expect(answered).toEqual(expected);
      }
      const years = await receiptYears(t);
      expect(years).toEqual(gapFreeReceiptYears(years));
      await expectValidChain();
    });
  });

  describe('one Idempotency-Key sent 10 times at once with the same body', () => {
    let donor: { id: string };
    let responses: Response[];

    beforeAll(async () => {
      donor = await f.donor();
      const key = `concurrent-${randomUUID()}`;
      const body = {
        donorId: donor.id,
        currency: 'USD',
        amount: '777.77',
        receivedOn: '2024-02-29',
        earmark: 'participation:NAIROBI-2009',
        bankReference: 'SAME KEY TEN TIMES',
      };
      responses = await Promise.all(Array.from({ length: 10 }, () => f.payment(body, key)));
    });

    it('answers 201 with the same payment ten times, nine of them marked Idempotent-Replayed: true', () => {
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
      const ids = new Set(responses.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      for (const response of responses) expect(response.body).toEqual(responses[0].body);
      const replayed = responses.filter((r) => r.headers['idempotent-replayed'] === 'true');
      expect(replayed).toHaveLength(9);
      const first = responses.filter((r) => r.headers['idempotent-replayed'] === undefined);
      expect(first).toHaveLength(1);
    });

    it('writes exactly one payment, one receipt and one journal entry', async () => {
      const [id] = new Set(responses.map((r) => r.body.id as string));
      const [counts] = await t.sql<{ payments: string; receipts: string; entries: string }>(
        `SELECT (SELECT count(*) FROM payments WHERE donor_id = $1)::text AS payments,
                (SELECT count(*) FROM receipts WHERE donor_id = $1)::text AS receipts,
                (SELECT count(*) FROM journal_entries WHERE source_type = 'payment' AND source_id = $2)::text AS entries`,
        [donor.id, id],
      );
      expect(counts).toEqual({ payments: '1', receipts: '1', entries: '1' });
      expect(await receiptNumbersOf(t, 2024)).toEqual(['UNFSSC-2024-000001']);
      await expectValidChain();
    });
  });

  describe('racing requests on one pledge or payment', () => {
    it('reverses a payment once when five reversals arrive together: one 200, four 409 ALREADY_REVERSED', async () => {
      const donor = await f.donor();
      const pledge = await f.pledge({
        donorId: donor.id,
        currency: 'USD',
        amount: '3000.00',
        pledgedOn: '2017-01-02',
        confirmedOn: '2017-01-03',
      });
      const payment = await f.pay({
        donorId: donor.id,
        pledgeId: pledge.id,
        currency: 'USD',
        amount: '3000.00',
        receivedOn: '2017-02-01',
      });
      const responses = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          t
            .http()
            .post(`/v1/payments/${payment.id}/reverse`)
            .set(f.auth())
            .send({ reason: `Returned by the bank (${index})`, reversedOn: '2017-02-03' }),
        ),
      );
      expect(statusCounts(responses)).toEqual({ '200': 1, '409 ALREADY_REVERSED': 4 });
      const [counts] = await t.sql<{ reversals: string; entries: string; receipt: string }>(
        `SELECT (SELECT count(*) FROM payment_reversals WHERE payment_id = $1)::text AS reversals,
                (SELECT count(*) FROM journal_entries WHERE kind = 'payment_reversed' AND source_id = $1)::text AS entries,
                (SELECT status FROM receipts WHERE payment_id = $1) AS receipt`,
        [payment.id],
      );
      expect(counts).toEqual({ reversals: '1', entries: '1', receipt: 'cancelled' });
      const current = await t.http().get(`/v1/pledges/${pledge.id}`).set(f.auth());
      expect(current.body).toMatchObject({
        status: 'confirmed',
        paidAmount: '0.00',
        outstandingAmount: '3000.00',
        relievedUsd: '0.00',
      });
      await expectValidChain();
    });

    it('settles a write-off racing eight payments consistently: paid + written off = the pledge, 0.00 receivable', async () => {
      const donor = await f.donor();
      const pledge = await f.pledge({
        donorId: donor.id,
        currency: 'USD',
        amount: '10000.00',
        pledgedOn: '2016-03-01',
        confirmedOn: '2016-03-01',
      });
      const payment = () =>
        f.payment({
          donorId: donor.id,
          pledgeId: pledge.id,
          currency: 'USD',
          amount: '1000.00',
          receivedOn: '2016-06-30',
        });
      const writeOff = t
        .http()
        .post(`/v1/pledges/${pledge.id}/write-off`)
        .set(f.auth())
        .send({ reason: 'Donor withdrew', writtenOffOn: '2016-06-30' });
      const [written, ...payments] = await Promise.all([
        writeOff,
        ...Array.from({ length: 8 }, payment),
      ]);
      expect(written.status).toBe(200);
      const accepted = payments.filter((r) => r.status === 201).length;
      expect(statusCounts(payments)).toEqual({
        ...(accepted ? { '201': accepted } : {}),
        ...(accepted < 8 ? { '409 INVALID_PLEDGE_STATE': 8 - accepted } : {}),
      });
      const current = await t.http().get(`/v1/pledges/${pledge.id}`).set(f.auth());
      expect(current.body).toMatchObject({
        status: 'written_off',
        paidAmount: `${accepted * 1000}.00`,
        writtenOffAmount: `${10000 - accepted * 1000}.00`,
        outstandingAmount: '0.00',
      });
      const [receivable] = await t.sql<{ balance: string }>(
        `SELECT sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END)::text AS balance
           FROM journal_lines WHERE pledge_id = $1 AND account = '1200'`,
        [pledge.id],
      );
      expect(receivable.balance).toBe('0.00');
      await expectValidChain();
    });
  });

  describe('payments that fail after their receipt number and journal seq were taken', () => {
    // PaymentsService issues the receipt and posts the journal entry before it inserts the
    // payment row, and every domain check (EXCEEDS_OUTSTANDING included) runs before the receipt.
    // No request can fail through the API after that point, so the test installs a trigger on
    // this suite's own database that refuses a payment row carrying a marked bank reference:
    // such a request has already incremented the receipt counter and the ledger head when it
    // fails, and its whole transaction must roll back.
    const FAULT = 'INJECTED FAULT';

    beforeAll(async () => {
      await t.sql(`
        CREATE FUNCTION test_refuse_marked_payment() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.bank_reference = '${FAULT}' THEN
            RAISE EXCEPTION 'test fault after the receipt was issued' USING ERRCODE = '23514';
          END IF;
          RETURN NEW;
        END
        $$`);
      await t.sql(
        'CREATE TRIGGER test_refuse_marked_payment BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION test_refuse_marked_payment()',
      );
    });

    it('gives the next payment the number and seq the failed one had taken', async () => {
      const donor = await f.donor();
      const before = await journalNumbering(t);
      const body = {
        donorId: donor.id,
        currency: 'USD',
        amount: '50.00',
        receivedOn: '2019-05-02',
        earmark: 'unearmarked',
      };
      const failed = await f.payment({ ...body, bankReference: FAULT });
      expectProblem(failed, 422, 'CONSTRAINT_VIOLATION');
      expect(await receiptNumbersOf(t, 2019)).toEqual([]);
      expect(await t.sql('SELECT last_seq FROM receipt_counters WHERE year = 2019')).toEqual([]);
      expect(await journalNumbering(t)).toEqual(before);

      const next = await f.pay({ ...body, bankReference: 'GOOD' });
      expect(next.receiptNumber).toBe('UNFSSC-2019-000001');
      expect(next.journalEntrySeq).toBe(before.count + 1);
      await expectValidChain();
    });

    it('keeps numbers gap-free when failing, refused and accepted payments of one pledge interleave', async () => {
      const YEAR = 2020;
      const donor = await f.donor();
      const pledge = await f.pledge({
        donorId: donor.id,
        currency: 'USD',
        amount: '15500.00',
        pledgedOn: `${YEAR}-01-06`,
        confirmedOn: `${YEAR}-01-06`,
      });
      const body = (index: number) => ({
        donorId: donor.id,
        pledgeId: pledge.id,
        currency: 'USD',
        amount: '1000.00',
        receivedOn: `${YEAR}-04-01`,
        bankReference: index % 3 === 0 ? FAULT : `GOOD ${index}`,
      });
      // 30 requests: 10 that the trigger refuses, 20 good ones of which 15 fit the pledge; the
      // 500.00 left over keeps the pledge open, so late requests meet EXCEEDS_OUTSTANDING.
      const responses = await payAll(Array.from({ length: 30 }, (_, index) => body(index)));
      const faulted = responses.filter((_, index) => index % 3 === 0);
      const good = responses.filter((_, index) => index % 3 !== 0);
      // A faulted request answers CONSTRAINT_VIOLATION, unless the pledge was already full when it
      // ran, in which case EXCEEDS_OUTSTANDING stops it first.
      for (const response of faulted)
        expect(['422 CONSTRAINT_VIOLATION', '422 EXCEEDS_OUTSTANDING']).toContain(
          `${response.status} ${response.body.code}`,
        );
      expect(statusCounts(good)).toEqual({ '201': 15, '422 EXCEEDS_OUTSTANDING': 5 });

      expect(await receiptNumbersOf(t, YEAR)).toEqual(expectedReceiptNumbers(YEAR, 15));
      const [rows] = await t.sql<{ marked: string; paid: string }>(
        `SELECT count(*) FILTER (WHERE bank_reference = $2)::text AS marked, sum(amount)::text AS paid
           FROM payments WHERE pledge_id = $1`,
        [pledge.id, FAULT],
      );
      expect(rows).toEqual({ marked: '0', paid: '15000.00' });
      const current = await t.http().get(`/v1/pledges/${pledge.id}`).set(f.auth());
      expect(current.body).toMatchObject({
        status: 'partially_paid',
        outstandingAmount: '500.00',
        relievedUsd: '15000.00',
      });
      const years = await receiptYears(t);
      expect(years).toEqual(gapFreeReceiptYears(years));
      await expectValidChain();
    });
  });
});
