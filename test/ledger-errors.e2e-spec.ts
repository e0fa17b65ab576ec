// Proves that every refusal of SPEC sections 6–8 (with the donor and idempotency errors they rest
// on) answers through HTTP with its status, its problem+json code and the field at fault, that the
// checks of a payment run in the order SPEC 7 fixes, and that a refused request writes nothing:
// no pledge, payment, receipt, journal entry, audit event or idempotency key, no change to a
// pledge's state, a rate or the receipt numbering.
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { Factories } from './support/factories.js';
import { expectProblem, fieldsOf } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DAY_MS = 86_400_000;
/** Today and tomorrow as the API counts them: calendar days in UTC. */
const today = (): string => new Date().toISOString().slice(0, 10);
const tomorrow = (): string => new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);

/** Tables whose row counts a refused request must leave as they were. */
const COUNTED_TABLES = [
  'donors',
  'pledges',
  'payments',
  'payment_reversals',
  'receipts',
  'journal_entries',
  'journal_lines',
  'rates',
  'audit_events',
  'idempotency_keys',
] as const;

type Body = Record<string, unknown>;

describe('ledger errors', () => {
  let t: TestApp;
  let f: Factories;

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    // Rates that many areas read and none changes; the rate areas use currencies of their own.
    await f.rate('EUR', '2026-01-01', '0.9');
    await f.rate('JPY', '2026-01-01', '150');
    await f.rate('KWD', '2026-01-01', '0.3');
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * Everything a refused request could write: row counts, plus digests of what changes in place
   * (a pledge's state, a rate's value, a receipt's status), the receipt counters, whose gaps would
   * show a number taken by a rolled-back payment, and the head of the journal's hash chain.
   */
  async function ledgerState(): Promise<Record<string, string>> {
    const counts = COUNTED_TABLES.map(
      (table) => `(SELECT count(*) FROM ${table})::text AS ${table}`,
    );
    const [state] = await t.sql<Record<string, string>>(
      `SELECT ${counts.join(', ')},
        (SELECT md5(coalesce(string_agg(concat_ws('|', id, status, paid_amount, written_off_amount,
                relieved_usd, confirmed_on, last_event_on), ',' ORDER BY id), '')) FROM pledges) AS pledge_states,
        (SELECT md5(coalesce(string_agg(concat_ws('|', currency, effective_on, rate), ','
                ORDER BY currency, effective_on), '')) FROM rates) AS rate_values,
        (SELECT md5(coalesce(string_agg(concat_ws('|', number, status), ',' ORDER BY number), ''))
           FROM receipts) AS receipt_states,
        (SELECT coalesce(sum(last_seq), 0)::text FROM receipt_counters) AS receipt_numbers_taken,
        (SELECT seq::text || ':' || hash FROM ledger_head) AS ledger_head`,
    );
    return state;
  }

  /**
   * Sends a request that must be refused and asserts its problem document, the fields it names
   * (given when a field is at fault, compared as a set) and that the database is exactly as before.
   */
  async function expectRefused(
    send: () => PromiseLike<Response>,
    status: number,
    code: string,
    fields?: string[],
  ): Promise<Record<string, unknown>> {
    const before = await ledgerState();
    const response = await send();
    const problem = expectProblem(response, status, code);
    if (fields) expect([...fieldsOf(response)].sort()).toEqual([...fields].sort());
    expect(await ledgerState()).toEqual(before);
    return problem;
  }

  function expectStatus(response: Response, status: number): void {
    expect({ status: response.status, body: response.body as unknown }).toMatchObject({ status });
  }

  const paymentBody = (donorId: string, overrides: Body = {}): Body => ({
    donorId,
    currency: 'EUR',
    amount: '100.00',
    receivedOn: '2026-03-02',
    earmark: 'unearmarked',
    ...overrides,
  });

  /** A payment against a pledge: no earmark, which is the pledge's. */
  const pledgePaymentBody = (donorId: string, pledgeId: string, overrides: Body = {}): Body => ({
    donorId,
    pledgeId,
    currency: 'EUR',
    amount: '100.00',
    receivedOn: '2026-03-02',
    ...overrides,
  });

  /** A new donor with a EUR 1,000.00 pledge pledged on 2026-02-01 and confirmed on 2026-02-02. */
  async function confirmedPledge(overrides: Body = {}) {
    const donor = await f.donor();
    const pledge = await f.pledge({
      donorId: donor.id,
      currency: 'EUR',
      amount: '1000.00',
      pledgedOn: '2026-02-01',
      confirmedOn: '2026-02-02',
      ...overrides,
    });
    return { donor, pledge };
  }

  /** A new donor with an announced EUR 1,000.00 pledge of 2026-02-01. */
  async function announcedPledge(overrides: Body = {}) {
    return confirmedPledge({ status: 'announced', confirmedOn: undefined, ...overrides });
  }

  const getPledge = async (id: string) =>
    (await t.http().get(`/v1/pledges/${id}`).set(f.auth())).body as Record<string, string>;

  describe('the nothing-written check itself', () => {
    it('sees every kind of write a refused request could make, including changes in place', async () => {
      const { donor, pledge } = await announcedPledge();
      const changedBy = async (write: () => Promise<unknown>): Promise<string[]> => {
        const before = await ledgerState();
        await write();
        const after = await ledgerState();
        return Object.keys(after).filter((key) => after[key] !== before[key]);
      };
      expect(await changedBy(() => f.confirm(pledge.id, '2026-02-02'))).toEqual(
        expect.arrayContaining(['pledge_states', 'journal_entries', 'audit_events']),
      );
      const payment = await f.pay(pledgePaymentBody(donor.id, pledge.id));
      await f.rate('MXN', '2026-03-01', '18');
      // A rate changed in place and a receipt cancelled in place add no row of their own.
      expect(await changedBy(() => f.rate('MXN', '2026-03-01', '18.5'))).toEqual([
        'audit_events',
        'rate_values',
      ]);
      expect(await changedBy(() => f.reverse(payment.id, '2026-03-03'))).toEqual(
        expect.arrayContaining(['receipt_states', 'pledge_states', 'payment_reversals']),
      );
      expect(await changedBy(() => f.pay(paymentBody(donor.id)))).toEqual(
        expect.arrayContaining(['payments', 'receipts', 'receipt_numbers_taken', 'ledger_head']),
      );
    });
  });

  describe('VALIDATION_FAILED (400): a malformed request is refused before anything is read', () => {
    let donorId: string;
    beforeAll(async () => {
      donorId = (await f.donor()).id;
    });

    const payment = (overrides: Body): Body => paymentBody(donorId, overrides);
    const pledge = (overrides: Body): Body => ({
      donorId,
      currency: 'EUR',
      amount: '1000.00',
      earmark: 'unearmarked',
      status: 'confirmed',
      pledgedOn: '2026-02-01',
      confirmedOn: '2026-02-02',
      ...overrides,
    });

    it('accepts the unaltered payment and pledge bodies that each case below breaks in one place', async () => {
      expectStatus(await f.payment(payment({})), 201);
      expectStatus(await f.pledgeRequest(pledge({})), 201);
    });

    const badAmounts: [string, Body][] = [
      ['a JSON number', { amount: 100 }],
      ['an exponent, "1e3"', { amount: '1e3' }],
      ['a leading space, " 5"', { amount: ' 5' }],
      ['a trailing space, "5 "', { amount: '5 ' }],
      ['a minus sign, "-5"', { amount: '-5' }],
      ['a plus sign, "+5"', { amount: '+5' }],
      ['zero, "0"', { amount: '0' }],
      ['zero with decimals, "0.00"', { amount: '0.00' }],
      ['empty', { amount: '' }],
      ['a bare fraction, ".5"', { amount: '.5' }],
      ['16 integer digits', { amount: '1234567890123456' }],
      ['a decimal in JPY, "100.5"', { currency: 'JPY', amount: '100.5' }],
      ['a third decimal in USD, "10.001"', { currency: 'USD', amount: '10.001' }],
      ['a third decimal in USD even when zero, "10.000"', { currency: 'USD', amount: '10.000' }],
      ['a fourth decimal in KWD, "1.2345"', { currency: 'KWD', amount: '1.2345' }],
      ['missing', { amount: undefined }],
    ];

    it.each(badAmounts)('refuses a payment amount that is %s, naming amount', async (_, patch) => {
      await expectRefused(() => f.payment(payment(patch)), 400, 'VALIDATION_FAILED', ['amount']);
    });

    it.each(badAmounts)('refuses a pledge amount that is %s, naming amount', async (_, patch) => {
      await expectRefused(() => f.pledgeRequest(pledge(patch)), 400, 'VALIDATION_FAILED', [
        'amount',
      ]);
    });

    it.each<[string, Body, string]>([
      ['an unknown field', { colour: 'blue' }, 'colour'],
      ['a date that does not exist, 2026-02-30', { receivedOn: '2026-02-30' }, 'receivedOn'],
      ['a date not written YYYY-MM-DD', { receivedOn: '02/03/2026' }, 'receivedOn'],
      ['no receivedOn', { receivedOn: undefined }, 'receivedOn'],
      ['an unknown currency', { currency: 'XYZ' }, 'currency'],
      ['a lower-case currency', { currency: 'eur' }, 'currency'],
      ['neither an earmark nor a pledge', { earmark: undefined }, 'earmark'],
      ['an earmark of neither allowed form', { earmark: 'travel' }, 'earmark'],
      ['a donorId that is not a UUID', { donorId: 'donor-1' }, 'donorId'],
      ['no donorId', { donorId: undefined }, 'donorId'],
      ['a pledgeId that is not a UUID', { pledgeId: 'pledge-1' }, 'pledgeId'],
    ])('refuses a payment with %s, naming %s', async (_, patch, field) => {
      await expectRefused(() => f.payment(payment(patch)), 400, 'VALIDATION_FAILED', [field]);
    });

    it.each<[string, Body, string[]]>([
      ['an unknown field', { colour: 'blue' }, ['colour']],
      ['pledgedOn 2026-02-30', { pledgedOn: '2026-02-30' }, ['pledgedOn']],
      ['confirmedOn 2026-02-30', { confirmedOn: '2026-02-30' }, ['confirmedOn']],
      ['an unknown currency', { currency: 'EURO' }, ['currency']],
      ['status confirmed but no confirmedOn', { confirmedOn: undefined }, ['confirmedOn']],
      ['a status other than announced or confirmed', { status: 'paid' }, ['status']],
      ['no earmark', { earmark: undefined }, ['earmark']],
      [
        'instalments summing to less than the amount',
        {
          instalments: [
            { dueOn: '2026-06-30', amount: '500.00' },
            { dueOn: '2026-12-31', amount: '499.99' },
          ],
        },
        ['instalments'],
      ],
      [
        'instalments summing to more than the amount',
        {
          instalments: [
            { dueOn: '2026-06-30', amount: '500.00' },
            { dueOn: '2026-12-31', amount: '500.01' },
          ],
        },
        ['instalments'],
      ],
      [
        'instalment amounts with a third decimal',
        {
          instalments: [
            { dueOn: '2026-06-30', amount: '500.001' },
            { dueOn: '2026-12-31', amount: '499.999' },
          ],
        },
        ['instalments[0].amount', 'instalments[1].amount'],
      ],
      [
        'an instalment amount as a JSON number',
        { instalments: [{ dueOn: '2026-06-30', amount: 1000 }] },
        ['instalments[0].amount'],
      ],
      [
        'an instalment due on 2026-02-30',
        { instalments: [{ dueOn: '2026-02-30', amount: '1000.00' }] },
        ['instalments[0].dueOn'],
      ],
    ])('refuses a pledge with %s', async (_, patch, fields) => {
      await expectRefused(() => f.pledgeRequest(pledge(patch)), 400, 'VALIDATION_FAILED', fields);
    });

    it('refuses POST /v1/pledges without an Idempotency-Key, naming the header', async () => {
      await expectRefused(
        () => t.http().post('/v1/pledges').set(f.auth()).send(pledge({})),
        400,
        'VALIDATION_FAILED',
        ['Idempotency-Key'],
      );
    });

    it('refuses POST /v1/payments without an Idempotency-Key, naming the header', async () => {
      await expectRefused(
        () => t.http().post('/v1/payments').set(f.auth()).send(payment({})),
        400,
        'VALIDATION_FAILED',
        ['Idempotency-Key'],
      );
    });

    it('refuses an Idempotency-Key of more than 200 characters', async () => {
      await expectRefused(() => f.payment(payment({}), 'k'.repeat(201)), 400, 'VALIDATION_FAILED', [
        'Idempotency-Key',
      ]);
    });

    it('refuses a body that is not valid JSON', async () => {
      await expectRefused(
        () =>
          t
            .http()
            .post('/v1/payments')
            .set(f.auth())
            .set('Idempotency-Key', randomUUID())
            .set('Content-Type', 'application/json')
            .send('{"donorId": '),
        400,
        'VALIDATION_FAILED',
        ['body'],
      );
    });

    it('refuses to set a rate for USD, which is always 1, naming currency', async () => {
      await expectRefused(
        () => t.http().put('/v1/rates/USD/2026-03-01').set(f.auth()).send({ rate: '1' }),
        400,
        'VALIDATION_FAILED',
        ['currency'],
      );
    });

    it('refuses a rate effective on 2026-02-30, naming effectiveOn', async () => {
      await expectRefused(
        () => t.http().put('/v1/rates/EUR/2026-02-30').set(f.auth()).send({ rate: '0.9' }),
        400,
        'VALIDATION_FAILED',
        ['effectiveOn'],
      );
    });

    it.each<[string, unknown]>([
      ['a JSON number', 0.9],
      ['zero', '0'],
      ['negative', '-0.9'],
      ['an exponent', '9e-1'],
      ['11 decimals', '0.12345678901'],
    ])('refuses a rate that is %s, naming rate', async (_, rate) => {
      await expectRefused(
        () => t.http().put('/v1/rates/EUR/2026-03-01').set(f.auth()).send({ rate }),
        400,
        'VALIDATION_FAILED',
        ['rate'],
      );
    });

    it('refuses a rate CSV with bad lines, listing every bad line and importing none of it', async () => {
      const csv = [
        'currency,effectiveOn,rate',
        'NOK,2026-05-01,10.5', // line 2: good, yet not imported because the file is refused
        'USD,2026-05-01,1', // line 3: USD cannot be set
        'NOK,2026-02-30,10.6', // line 4: no such date
        'NOK,2026-06-01,-10', // line 5: signed rate
        'NOK,2026-07-01', // line 6: a field short
        'NOK,2026-05-01,10.5', // line 7: repeats line 2
      ].join('\n');
      await expectRefused(
        () =>
          t.http().post('/v1/rates/import').set(f.auth()).set('Content-Type', 'text/csv').send(csv),
        400,
        'VALIDATION_FAILED',
        ['line 3', 'line 4', 'line 5', 'line 6', 'line 7'],
      );
      const nok = await t.http().get('/v1/rates?currency=NOK').set(f.auth());
      expect(nok.body.items).toEqual([]);
    });
  });

  describe('VALIDATION_FAILED names every offending field at once (SPEC 13)', () => {
    it('lists every bad field of a payment body', async () => {
      await expectRefused(
        () =>
          f.payment({
            donorId: 'donor-1',
            currency: 'usd',
            amount: 12.5,
            receivedOn: '2026-02-30',
            earmark: 'unearmarked',
            colour: 'blue',
          }),
        400,
        'VALIDATION_FAILED',
        ['donorId', 'currency', 'amount', 'receivedOn', 'colour'],
      );
    });

    it('lists a missing Idempotency-Key together with the faults of the body', async () => {
      const donor = await f.donor();
      await expectRefused(
        () =>
          t
            .http()
            .post('/v1/payments')
            .set(f.auth())
            .send(paymentBody(donor.id, { amount: '1e3' })),
        400,
        'VALIDATION_FAILED',
        ['Idempotency-Key', 'amount'],
      );
    });

    it('lists a missing earmark of an unpledged payment together with the other faults', async () => {
      const donor = await f.donor();
      await expectRefused(
        () => f.payment(paymentBody(donor.id, { earmark: undefined, amount: '-5' })),
        400,
        'VALIDATION_FAILED',
        ['earmark', 'amount'],
      );
    });

    it('lists a missing confirmedOn of a confirmed pledge together with the other faults', async () => {
      const donor = await f.donor();
      await expectRefused(
        () =>
          f.pledgeRequest({
            donorId: donor.id,
            currency: 'EUR',
            amount: '1000.001',
            earmark: 'unearmarked',
            status: 'confirmed',
            pledgedOn: '2026-02-01',
          }),
        400,
        'VALIDATION_FAILED',
        ['amount', 'confirmedOn'],
      );
    });

    it('lists a USD currency together with a bad rate value', async () => {
      await expectRefused(
        () => t.http().put('/v1/rates/USD/2026-03-01').set(f.auth()).send({ rate: 1 }),
        400,
        'VALIDATION_FAILED',
        ['currency', 'rate'],
      );
    });
  });

  describe('NOT_FOUND (404): unknown and malformed ids', () => {
    it('refuses a pledge for an unknown donor', async () => {
      const donorId = randomUUID();
      const problem = await expectRefused(
        () =>
          f.pledgeRequest({
            donorId,
            currency: 'EUR',
            amount: '1000.00',
            earmark: 'unearmarked',
            status: 'announced',
            pledgedOn: '2026-02-01',
          }),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(donorId);
    });

    it('refuses a payment from an unknown donor', async () => {
      const donorId = randomUUID();
      const problem = await expectRefused(() => f.payment(paymentBody(donorId)), 404, 'NOT_FOUND');
      expect(problem.detail).toContain(donorId);
    });

    it('answers 404 for an unknown donor id', async () => {
      const id = randomUUID();
      const problem = await expectRefused(
        () => t.http().get(`/v1/donors/${id}`).set(f.auth()),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(id);
    });

    it('refuses a payment against an unknown pledge', async () => {
      const donor = await f.donor();
      const pledgeId = randomUUID();
      const problem = await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledgeId)),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(pledgeId);
    });

    it('answers 404 for an unknown pledge id', async () => {
      const id = randomUUID();
      const problem = await expectRefused(
        () => t.http().get(`/v1/pledges/${id}`).set(f.auth()),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(id);
    });

    it.each<[string, Body]>([
      ['confirm', { confirmedOn: '2026-02-02' }],
      ['cancel', { reason: 'Withdrawn', cancelledOn: '2026-02-02' }],
      ['write-off', { reason: 'Waived', writtenOffOn: '2026-02-02' }],
    ])('refuses to %s an unknown pledge', async (action, body) => {
      const id = randomUUID();
      const problem = await expectRefused(
        () => f.stateChange(`/v1/pledges/${id}/${action}`, body),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(id);
    });

    it('answers 404 for an unknown payment id', async () => {
      const id = randomUUID();
      const problem = await expectRefused(
        () => t.http().get(`/v1/payments/${id}`).set(f.auth()),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(id);
    });

    it('refuses to reverse an unknown payment', async () => {
      const id = randomUUID();
      const problem = await expectRefused(
        () =>
          f.stateChange(`/v1/payments/${id}/reverse`, {
            reason: 'Returned',
            reversedOn: '2026-03-02',
          }),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(id);
    });

    it.each(['/v1/donors/donor-1', '/v1/pledges/12345', '/v1/payments/not-a-uuid'])(
      'answers 404, not 400 or 500, for the malformed id of GET %s',
      async (path) => {
        await expectRefused(() => t.http().get(path).set(f.auth()), 404, 'NOT_FOUND');
      },
    );

    it.each<[string, Body]>([
      ['/v1/pledges/12345/confirm', { confirmedOn: '2026-02-02' }],
      ['/v1/pledges/12345/cancel', { reason: 'Withdrawn', cancelledOn: '2026-02-02' }],
      ['/v1/pledges/12345/write-off', { reason: 'Waived', writtenOffOn: '2026-02-02' }],
      ['/v1/payments/not-a-uuid/reverse', { reason: 'Returned', reversedOn: '2026-03-02' }],
    ])('answers 404 for the malformed id of POST %s', async (path, body) => {
      await expectRefused(() => f.stateChange(path, body), 404, 'NOT_FOUND');
    });

    it('answers 404 for an unknown receipt number and for a malformed one', async () => {
      const unknown = await expectRefused(
        () => t.http().get('/v1/receipts/UNFSSC-2026-999999').set(f.auth()),
        404,
        'NOT_FOUND',
      );
      expect(unknown.detail).toContain('UNFSSC-2026-999999');
      await expectRefused(
        () => t.http().get('/v1/receipts/receipt-1').set(f.auth()),
        404,
        'NOT_FOUND',
      );
    });

    it('answers 404 without a key for an unknown verification code and a malformed one', async () => {
      await expectRefused(
        () => t.http().get('/v1/public/receipts/0000000000000000000Z'),
        404,
        'NOT_FOUND',
      );
      await expectRefused(() => t.http().get('/v1/public/receipts/not-a-code'), 404, 'NOT_FOUND');
    });

    it("answers 404 to a donor key asking for another donor's pledge, payment and receipt", async () => {
      const { donor, pledge } = await confirmedPledge();
      const payment = await f.pay(pledgePaymentBody(donor.id, pledge.id));
      const other = await f.donor();
      const otherKey = { Authorization: `Bearer ${await t.createKey('donor', other.id)}` };
      for (const path of [
        `/v1/pledges/${pledge.id}`,
        `/v1/payments/${payment.id}`,
        `/v1/receipts/${payment.receiptNumber}`,
        `/v1/donors/${donor.id}`,
      ]) {
        await expectRefused(() => t.http().get(path).set(otherKey), 404, 'NOT_FOUND');
      }
    });
  });

  describe('a payment against a pledge must fit it (422)', () => {
    it("refuses a payment against another donor's pledge: PLEDGE_DONOR_MISMATCH naming pledgeId", async () => {
      const { pledge } = await confirmedPledge();
      const stranger = await f.donor();
      await expectRefused(
        () => f.payment(pledgePaymentBody(stranger.id, pledge.id)),
        422,
        'PLEDGE_DONOR_MISMATCH',
        ['pledgeId'],
      );
    });

    it("refuses a payment in another currency than the pledge's: CURRENCY_MISMATCH naming currency", async () => {
      const { donor, pledge } = await confirmedPledge();
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { currency: 'USD' })),
        422,
        'CURRENCY_MISMATCH',
        ['currency'],
      );
    });

    it('refuses a payment of more than the pledge: EXCEEDS_OUTSTANDING naming amount', async () => {
      const { donor, pledge } = await confirmedPledge();
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { amount: '1000.01' })),
        422,
        'EXCEEDS_OUTSTANDING',
        ['amount'],
      );
    });

    it('refuses more than what remains after a part payment, and takes exactly the remainder', async () => {
      const { donor, pledge } = await confirmedPledge();
      await f.pay(pledgePaymentBody(donor.id, pledge.id, { amount: '600.00' }));
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { amount: '400.01' })),
        422,
        'EXCEEDS_OUTSTANDING',
        ['amount'],
      );
      expectStatus(
        await f.payment(pledgePaymentBody(donor.id, pledge.id, { amount: '400.00' })),
        201,
      );
      expect(await getPledge(pledge.id)).toMatchObject({
        status: 'paid',
        outstandingAmount: '0.00',
      });
    });
  });

  describe('INVALID_PLEDGE_STATE (409): moves the pledge state machine does not allow', () => {
    it('refuses a payment against an announced pledge', async () => {
      const { donor, pledge } = await announcedPledge();
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id)),
        409,
        'INVALID_PLEDGE_STATE',
      );
      expect(await getPledge(pledge.id)).toMatchObject({ status: 'announced', paidAmount: '0.00' });
    });

    it('refuses a payment against a cancelled pledge', async () => {
      const { donor, pledge } = await announcedPledge();
      await f.cancel(pledge.id, '2026-02-03');
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id)),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('refuses a payment against a paid pledge', async () => {
      const { donor, pledge } = await confirmedPledge();
      await f.pay(pledgePaymentBody(donor.id, pledge.id, { amount: '1000.00' }));
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { amount: '10.00' })),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('refuses a payment against a written-off pledge', async () => {
      const { donor, pledge } = await confirmedPledge();
      await f.pay(pledgePaymentBody(donor.id, pledge.id, { amount: '600.00' }));
      await f.writeOff(pledge.id, '2026-03-03');
      await expectRefused(
        () =>
          f.payment(
            pledgePaymentBody(donor.id, pledge.id, { amount: '100.00', receivedOn: '2026-03-04' }),
          ),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('refuses to confirm a pledge twice', async () => {
      const { pledge } = await announcedPledge();
      await f.confirm(pledge.id, '2026-02-02');
      await expectRefused(
        () => f.stateChange(`/v1/pledges/${pledge.id}/confirm`, { confirmedOn: '2026-02-03' }),
        409,
        'INVALID_PLEDGE_STATE',
      );
      expect(await getPledge(pledge.id)).toMatchObject({
        status: 'confirmed',
        confirmedOn: '2026-02-02',
      });
    });

    it('refuses to confirm a pledge recorded as confirmed', async () => {
      const { pledge } = await confirmedPledge();
      await expectRefused(
        () => f.stateChange(`/v1/pledges/${pledge.id}/confirm`, { confirmedOn: '2026-02-03' }),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('refuses to cancel a confirmed pledge', async () => {
      const { pledge } = await confirmedPledge();
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/cancel`, {
            reason: 'Withdrawn',
            cancelledOn: '2026-02-03',
          }),
        409,
        'INVALID_PLEDGE_STATE',
      );
      expect(await getPledge(pledge.id)).toMatchObject({ status: 'confirmed' });
    });

    it('refuses to confirm a cancelled pledge', async () => {
      const { pledge } = await announcedPledge();
      await f.cancel(pledge.id, '2026-02-03');
      await expectRefused(
        () => f.stateChange(`/v1/pledges/${pledge.id}/confirm`, { confirmedOn: '2026-02-04' }),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('refuses to write off an announced pledge', async () => {
      const { pledge } = await announcedPledge();
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/write-off`, {
            reason: 'Waived',
            writtenOffOn: '2026-02-03',
          }),
        409,
        'INVALID_PLEDGE_STATE',
      );
      expect(await getPledge(pledge.id)).toMatchObject({ status: 'announced' });
    });

    it('refuses to write off a paid pledge', async () => {
      const { donor, pledge } = await confirmedPledge();
      await f.pay(pledgePaymentBody(donor.id, pledge.id, { amount: '1000.00' }));
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/write-off`, {
            reason: 'Waived',
            writtenOffOn: '2026-03-03',
          }),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('refuses to reverse a payment of a written-off pledge, leaving payment and receipt as they are', async () => {
      const { donor, pledge } = await confirmedPledge();
      const payment = await f.pay(pledgePaymentBody(donor.id, pledge.id, { amount: '400.00' }));
      await f.writeOff(pledge.id, '2026-03-03');
      await expectRefused(
        () =>
          f.stateChange(`/v1/payments/${payment.id}/reverse`, {
            reason: 'Returned by the bank',
            reversedOn: '2026-03-04',
          }),
        409,
        'INVALID_PLEDGE_STATE',
      );
      const current = await t.http().get(`/v1/payments/${payment.id}`).set(f.auth());
      expect(current.body).toMatchObject({ status: 'posted' });
      const receipt = await t.http().get(`/v1/receipts/${payment.receiptNumber}`).set(f.auth());
      expect(receipt.body).toMatchObject({ status: 'issued', cancelledAt: null });
    });
  });

  describe('DATE_IN_FUTURE (422): no event may be dated after today in UTC', () => {
    it('refuses pledgedOn tomorrow', async () => {
      const donor = await f.donor();
      await expectRefused(
        () =>
          f.pledgeRequest({
            donorId: donor.id,
            currency: 'EUR',
            amount: '1000.00',
            earmark: 'unearmarked',
            status: 'announced',
            pledgedOn: tomorrow(),
          }),
        422,
        'DATE_IN_FUTURE',
        ['pledgedOn'],
      );
    });

    it('refuses confirmedOn tomorrow for a pledge recorded as confirmed', async () => {
      const donor = await f.donor();
      await expectRefused(
        () =>
          f.pledgeRequest({
            donorId: donor.id,
            currency: 'EUR',
            amount: '1000.00',
            earmark: 'unearmarked',
            status: 'confirmed',
            pledgedOn: today(),
            confirmedOn: tomorrow(),
          }),
        422,
        'DATE_IN_FUTURE',
        ['confirmedOn'],
      );
    });

    it('refuses to confirm an announced pledge tomorrow', async () => {
      const { pledge } = await announcedPledge();
      await expectRefused(
        () => f.stateChange(`/v1/pledges/${pledge.id}/confirm`, { confirmedOn: tomorrow() }),
        422,
        'DATE_IN_FUTURE',
        ['confirmedOn'],
      );
    });

    it('refuses receivedOn tomorrow, without and with a pledge', async () => {
      const { donor, pledge } = await confirmedPledge();
      await expectRefused(
        () => f.payment(paymentBody(donor.id, { receivedOn: tomorrow() })),
        422,
        'DATE_IN_FUTURE',
        ['receivedOn'],
      );
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { receivedOn: tomorrow() })),
        422,
        'DATE_IN_FUTURE',
        ['receivedOn'],
      );
    });

    it('refuses reversedOn tomorrow', async () => {
      const donor = await f.donor();
      const payment = await f.pay(paymentBody(donor.id));
      await expectRefused(
        () =>
          f.stateChange(`/v1/payments/${payment.id}/reverse`, {
            reason: 'Returned by the bank',
            reversedOn: tomorrow(),
          }),
        422,
        'DATE_IN_FUTURE',
        ['reversedOn'],
      );
    });

    it('refuses writtenOffOn tomorrow', async () => {
      const { pledge } = await confirmedPledge();
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/write-off`, {
            reason: 'Waived',
            writtenOffOn: tomorrow(),
          }),
        422,
        'DATE_IN_FUTURE',
        ['writtenOffOn'],
      );
    });

    it('refuses cancelledOn tomorrow', async () => {
      const { pledge } = await announcedPledge();
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/cancel`, {
            reason: 'Withdrawn',
            cancelledOn: tomorrow(),
          }),
        422,
        'DATE_IN_FUTURE',
        ['cancelledOn'],
      );
    });

    it('accepts today: the limit is the end of the current UTC day', async () => {
      const donor = await f.donor();
      const response = await f.payment(paymentBody(donor.id, { receivedOn: today() }));
      expectStatus(response, 201);
      expect(response.body.receivedOn).toBe(today());
    });
  });

  describe('DATE_OUT_OF_ORDER (422): no event may precede the event it follows', () => {
    it('refuses to record a pledge confirmed before it was pledged', async () => {
      const donor = await f.donor();
      await expectRefused(
        () =>
          f.pledgeRequest({
            donorId: donor.id,
            currency: 'EUR',
            amount: '1000.00',
            earmark: 'unearmarked',
            status: 'confirmed',
            pledgedOn: '2026-02-10',
            confirmedOn: '2026-02-09',
          }),
        422,
        'DATE_OUT_OF_ORDER',
        ['confirmedOn'],
      );
    });

    it('refuses to confirm an announced pledge before its pledgedOn', async () => {
      const { pledge } = await announcedPledge({ pledgedOn: '2026-02-10' });
      await expectRefused(
        () => f.stateChange(`/v1/pledges/${pledge.id}/confirm`, { confirmedOn: '2026-02-09' }),
        422,
        'DATE_OUT_OF_ORDER',
        ['confirmedOn'],
      );
    });

    it('refuses a payment received before its pledge was confirmed', async () => {
      const { donor, pledge } = await confirmedPledge({ confirmedOn: '2026-02-10' });
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { receivedOn: '2026-02-09' })),
        422,
        'DATE_OUT_OF_ORDER',
        ['receivedOn'],
      );
    });

    it('refuses a reversal dated before the payment was received', async () => {
      const donor = await f.donor();
      const payment = await f.pay(paymentBody(donor.id, { receivedOn: '2026-03-10' }));
      await expectRefused(
        () =>
          f.stateChange(`/v1/payments/${payment.id}/reverse`, {
            reason: 'Returned by the bank',
            reversedOn: '2026-03-09',
          }),
        422,
        'DATE_OUT_OF_ORDER',
        ['reversedOn'],
      );
    });

    it("refuses a write-off dated before the pledge's latest payment", async () => {
      const { donor, pledge } = await confirmedPledge();
      await f.pay(pledgePaymentBody(donor.id, pledge.id, { receivedOn: '2026-03-10' }));
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/write-off`, {
            reason: 'Waived',
            writtenOffOn: '2026-03-09',
          }),
        422,
        'DATE_OUT_OF_ORDER',
        ['writtenOffOn'],
      );
    });

    it('refuses a write-off dated before the confirmation', async () => {
      const { pledge } = await confirmedPledge({ confirmedOn: '2026-02-10' });
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/write-off`, {
            reason: 'Waived',
            writtenOffOn: '2026-02-09',
          }),
        422,
        'DATE_OUT_OF_ORDER',
        ['writtenOffOn'],
      );
    });

    it("refuses a write-off dated before the pledge's latest reversal", async () => {
      const { donor, pledge } = await confirmedPledge();
      const payment = await f.pay(
        pledgePaymentBody(donor.id, pledge.id, { receivedOn: '2026-03-10' }),
      );
      await f.reverse(payment.id, '2026-03-20');
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/write-off`, {
            reason: 'Waived',
            writtenOffOn: '2026-03-19',
          }),
        422,
        'DATE_OUT_OF_ORDER',
        ['writtenOffOn'],
      );
    });

    it('refuses a cancellation dated before the pledge was announced', async () => {
      const { pledge } = await announcedPledge({ pledgedOn: '2026-02-10' });
      await expectRefused(
        () =>
          f.stateChange(`/v1/pledges/${pledge.id}/cancel`, {
            reason: 'Withdrawn',
            cancelledOn: '2026-02-09',
          }),
        422,
        'DATE_OUT_OF_ORDER',
        ['cancelledOn'],
      );
    });

    it('accepts each event on the very day of the event it follows', async () => {
      const { donor, pledge } = await announcedPledge({ pledgedOn: '2026-04-01' });
      await f.confirm(pledge.id, '2026-04-01');
      const payment = await f.pay(
        pledgePaymentBody(donor.id, pledge.id, { receivedOn: '2026-04-01' }),
      );
      await f.reverse(payment.id, '2026-04-01');
      const writtenOff = await f.writeOff(pledge.id, '2026-04-01');
      expect(writtenOff).toMatchObject({ status: 'written_off', writtenOffAmount: '1000.00' });
      const { pledge: other } = await announcedPledge({ pledgedOn: '2026-04-02' });
      expect(await f.cancel(other.id, '2026-04-02')).toMatchObject({ status: 'cancelled' });
    });
  });

  describe('RATE_NOT_FOUND (422): no rate effective on or before the date', () => {
    beforeAll(async () => {
      await f.rate('GBP', '2026-06-01', '0.75');
    });

    it("refuses a payment received the day before the currency's first rate", async () => {
      const donor = await f.donor();
      const problem = await expectRefused(
        () => f.payment(paymentBody(donor.id, { currency: 'GBP', receivedOn: '2026-05-31' })),
        422,
        'RATE_NOT_FOUND',
      );
      expect(problem.detail).toMatch(/GBP.*2026-05-31/);
    });

    it('refuses a payment in a currency that has no rate at all', async () => {
      const donor = await f.donor();
      await expectRefused(
        () => f.payment(paymentBody(donor.id, { currency: 'THB' })),
        422,
        'RATE_NOT_FOUND',
      );
    });

    it("refuses a pledge recorded as confirmed before the currency's first rate, writing no pledge", async () => {
      const donor = await f.donor();
      await expectRefused(
        () =>
          f.pledgeRequest({
            donorId: donor.id,
            currency: 'GBP',
            amount: '1000.00',
            earmark: 'unearmarked',
            status: 'confirmed',
            pledgedOn: '2026-05-01',
            confirmedOn: '2026-05-31',
          }),
        422,
        'RATE_NOT_FOUND',
      );
    });

    it("refuses to confirm an announced pledge before the currency's first rate, leaving it announced", async () => {
      const { pledge } = await announcedPledge({ currency: 'GBP', pledgedOn: '2026-05-01' });
      await expectRefused(
        () => f.stateChange(`/v1/pledges/${pledge.id}/confirm`, { confirmedOn: '2026-05-31' }),
        422,
        'RATE_NOT_FOUND',
      );
      expect(await getPledge(pledge.id)).toMatchObject({ status: 'announced', confirmRate: null });
    });

    it('never needs a rate for USD, which is always 1', async () => {
      const donor = await f.donor();
      const response = await f.payment(paymentBody(donor.id, { currency: 'USD' }));
      expectStatus(response, 201);
      expect(response.body).toMatchObject({ rate: '1', amountUsd: '100.00' });
    });
  });

  describe('RATE_IN_USE (409): a rate a posted entry used cannot change', () => {
    const put = (currency: string, effectiveOn: string, rate: string) =>
      t.http().put(`/v1/rates/${currency}/${effectiveOn}`).set(f.auth()).send({ rate });
    const ratesOf = async (currency: string) =>
      (await t.http().get(`/v1/rates?currency=${currency}`).set(f.auth())).body.items as unknown;

    it('refuses to change a rate used by a payment, keeping its value', async () => {
      await f.rate('CHF', '2026-03-01', '0.8');
      const donor = await f.donor();
      await f.pay(paymentBody(donor.id, { currency: 'CHF', receivedOn: '2026-03-10' }));
      const problem = await expectRefused(
        () => put('CHF', '2026-03-01', '0.81'),
        409,
        'RATE_IN_USE',
      );
      expect(problem.detail).toContain('CHF');
      expect(await ratesOf('CHF')).toEqual([
        { currency: 'CHF', effectiveOn: '2026-03-01', rate: '0.8' },
      ]);
    });

    it('refuses to change a rate used only by a pledge confirmation', async () => {
      await f.rate('DKK', '2026-03-01', '6.9');
      const donor = await f.donor();
      await f.pledge({
        donorId: donor.id,
        currency: 'DKK',
        amount: '5000.00',
        pledgedOn: '2026-03-05',
        confirmedOn: '2026-03-05',
      });
      await expectRefused(() => put('DKK', '2026-03-01', '7'), 409, 'RATE_IN_USE');
    });

    it('answers 200 and writes nothing, not even an audit event, when a used rate is set to its own value', async () => {
      await f.rate('PLN', '2026-03-01', '3.9');
      const donor = await f.donor();
      await f.pay(paymentBody(donor.id, { currency: 'PLN', receivedOn: '2026-03-10' }));
      for (const same of ['3.9', '3.90']) {
        const before = await ledgerState();
        const response = await put('PLN', '2026-03-01', same);
        expectStatus(response, 200);
        expect(response.body).toEqual({ currency: 'PLN', effectiveOn: '2026-03-01', rate: '3.9' });
        expect(await ledgerState()).toEqual(before);
      }
    });

    it('changes a rate that no posted entry has used', async () => {
      await f.rate('SEK', '2026-03-01', '10.5');
      const audit = `SELECT count(*)::text AS n FROM audit_events WHERE action = 'rate.changed' AND resource_id = 'SEK/2026-03-01'`;
      const [before] = await t.sql<{ n: string }>(audit);
      const response = await put('SEK', '2026-03-01', '10.4');
      expectStatus(response, 200);
      expect(response.body).toEqual({ currency: 'SEK', effectiveOn: '2026-03-01', rate: '10.4' });
      expect(await ratesOf('SEK')).toEqual([
        { currency: 'SEK', effectiveOn: '2026-03-01', rate: '10.4' },
      ]);
      const [after] = await t.sql<{ n: string }>(audit);
      expect(Number(after.n)).toBe(Number(before.n) + 1);
    });

    it('changes an unused rate of a currency whose earlier rate is in use', async () => {
      await f.rate('CZK', '2026-03-01', '22');
      await f.rate('CZK', '2026-04-01', '23');
      const donor = await f.donor();
      await f.pay(paymentBody(donor.id, { currency: 'CZK', receivedOn: '2026-03-10' }));
      expectStatus(await put('CZK', '2026-04-01', '23.5'), 200);
      await expectRefused(() => put('CZK', '2026-03-01', '22.5'), 409, 'RATE_IN_USE');
      expect(await ratesOf('CZK')).toEqual([
        { currency: 'CZK', effectiveOn: '2026-03-01', rate: '22' },
        { currency: 'CZK', effectiveOn: '2026-04-01', rate: '23.5' },
      ]);
    });

    it('refuses a CSV import that would change a used rate, naming its line and importing nothing', async () => {
      await f.rate('HUF', '2026-03-01', '350');
      const donor = await f.donor();
      await f.pay(paymentBody(donor.id, { currency: 'HUF', receivedOn: '2026-03-10' }));
      const csv = ['currency,effectiveOn,rate', 'HUF,2026-04-01,355', 'HUF,2026-03-01,351'].join(
        '\n',
      );
      await expectRefused(
        () =>
          t.http().post('/v1/rates/import').set(f.auth()).set('Content-Type', 'text/csv').send(csv),
        409,
        'RATE_IN_USE',
        ['line 3'],
      );
      expect(await ratesOf('HUF')).toEqual([
        { currency: 'HUF', effectiveOn: '2026-03-01', rate: '350' },
      ]);
    });
  });

  describe('ALREADY_REVERSED (409): a payment is reversed at most once', () => {
    it('refuses a second reversal, with or without an Idempotency-Key', async () => {
      const donor = await f.donor();
      const payment = await f.pay(paymentBody(donor.id));
      expect(await f.reverse(payment.id, '2026-03-05')).toMatchObject({ status: 'reversed' });
      const again = { reason: 'Returned twice?', reversedOn: '2026-03-06' };
      const problem = await expectRefused(
        () => f.stateChange(`/v1/payments/${payment.id}/reverse`, again),
        409,
        'ALREADY_REVERSED',
      );
      expect(problem.detail).toContain(payment.id);
      await expectRefused(
        () => f.stateChange(`/v1/payments/${payment.id}/reverse`, again, randomUUID()),
        409,
        'ALREADY_REVERSED',
      );
    });

    it('refuses a second reversal of a payment against a pledge, leaving the pledge reopened once', async () => {
      const { donor, pledge } = await confirmedPledge();
      const payment = await f.pay(pledgePaymentBody(donor.id, pledge.id, { amount: '1000.00' }));
      await f.reverse(payment.id, '2026-03-05');
      await expectRefused(
        () =>
          f.stateChange(`/v1/payments/${payment.id}/reverse`, {
            reason: 'Again',
            reversedOn: '2026-03-06',
          }),
        409,
        'ALREADY_REVERSED',
      );
      expect(await getPledge(pledge.id)).toMatchObject({
        status: 'confirmed',
        paidAmount: '0.00',
        outstandingAmount: '1000.00',
      });
    });
  });

  describe('donors: DONOR_EXISTS (409) and UNKNOWN_COUNTRY (422)', () => {
    const postDonor = (body: Body) => t.http().post('/v1/donors').set(f.auth()).send(body);

    it('refuses a second donor for one Member State', async () => {
      const first = await f.memberState('NLD');
      const problem = await expectRefused(
        () =>
          postDonor({
            name: 'Kingdom of the Netherlands',
            type: 'member_state',
            countryCode: 'NLD',
          }),
        409,
        'DONOR_EXISTS',
      );
      expect(problem.detail).toContain(first.id);
    });

    it('refuses a country code that is not in the country table, naming countryCode', async () => {
      await expectRefused(
        () => postDonor({ name: 'Nowhere', type: 'member_state', countryCode: 'XYZ' }),
        422,
        'UNKNOWN_COUNTRY',
        ['countryCode'],
      );
    });

    it('refuses a Member State without a countryCode, naming it', async () => {
      await expectRefused(
        () => postDonor({ name: 'Somewhere', type: 'member_state' }),
        400,
        'VALIDATION_FAILED',
        ['countryCode'],
      );
    });
  });

  describe('IDEMPOTENCY_KEY_REUSED (409) and replays: one key, one request', () => {
    it('replays a payment for the same key and body: same status and body, Idempotent-Replayed, nothing written', async () => {
      const donor = await f.donor();
      const key = randomUUID();
      const body = paymentBody(donor.id);
      const first = await f.payment(body, key);
      expectStatus(first, 201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const before = await ledgerState();
      const replay = await f.payment(body, key);
      expect(await ledgerState()).toEqual(before);
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
    });

    it('replays a pledge for the same key and body the same way', async () => {
      const donor = await f.donor();
      const key = randomUUID();
      const body = {
        donorId: donor.id,
        currency: 'EUR',
        amount: '1000.00',
        earmark: 'unearmarked',
        status: 'confirmed',
        pledgedOn: '2026-02-01',
        confirmedOn: '2026-02-02',
      };
      const first = await f.pledgeRequest(body, key);
      expectStatus(first, 201);
      const before = await ledgerState();
      const replay = await f.pledgeRequest(body, key);
      expect(await ledgerState()).toEqual(before);
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
    });

    it('treats the same body with its members in another order as the same request', async () => {
      const donor = await f.donor();
      const key = randomUUID();
      const first = await f.payment(paymentBody(donor.id), key);
      expectStatus(first, 201);
      const reordered = Object.fromEntries(Object.entries(paymentBody(donor.id)).reverse());
      const before = await ledgerState();
      const replay = await f.payment(reordered, key);
      expect(await ledgerState()).toEqual(before);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
    });

    it('refuses the same key with another payment body, and keeps replaying the first answer', async () => {
      const donor = await f.donor();
      const key = randomUUID();
      const first = await f.payment(paymentBody(donor.id), key);
      expectStatus(first, 201);
      await expectRefused(
        () => f.payment(paymentBody(donor.id, { amount: '100.01' }), key),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      const replay = await f.payment(paymentBody(donor.id), key);
      expect(replay.body).toEqual(first.body);
    });

    it('refuses the same key with another pledge body', async () => {
      const donor = await f.donor();
      const key = randomUUID();
      const body = {
        donorId: donor.id,
        currency: 'EUR',
        amount: '1000.00',
        earmark: 'unearmarked',
        status: 'announced',
        pledgedOn: '2026-02-01',
      };
      expectStatus(await f.pledgeRequest(body, key), 201);
      await expectRefused(
        () => f.pledgeRequest({ ...body, amount: '2000.00' }, key),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('scopes keys to the API key: the same key from another finance key is a new payment', async () => {
      const other = await Factories.create(t);
      const donor = await f.donor();
      const key = randomUUID();
      const body = paymentBody(donor.id);
      const first = await f.payment(body, key);
      expectStatus(first, 201);
      const [before] = await t.sql<{ n: string }>('SELECT count(*)::text AS n FROM payments');
      const second = await other.payment(body, key);
      expectStatus(second, 201);
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      expect(second.body.id).not.toBe(first.body.id);
      expect(second.body.receiptNumber).not.toBe(first.body.receiptNumber);
      const [after] = await t.sql<{ n: string }>('SELECT count(*)::text AS n FROM payments');
      expect(Number(after.n)).toBe(Number(before.n) + 1);
    });

    it('replays a state change sent with an optional key, and refuses that key with another body', async () => {
      const { pledge } = await announcedPledge();
      const key = randomUUID();
      const path = `/v1/pledges/${pledge.id}/confirm`;
      const first = await f.stateChange(path, { confirmedOn: '2026-02-02' }, key);
      expectStatus(first, 200);
      const before = await ledgerState();
      const replay = await f.stateChange(path, { confirmedOn: '2026-02-02' }, key);
      expect(await ledgerState()).toEqual(before);
      expect(replay.status).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      await expectRefused(
        () => f.stateChange(path, { confirmedOn: '2026-02-03' }, key),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('keeps no key for a refused request, so the corrected request may use it (decision 0007)', async () => {
      const donor = await f.donor();
      const key = randomUUID();
      await expectRefused(
        () => f.payment(paymentBody(donor.id, { receivedOn: tomorrow() }), key),
        422,
        'DATE_IN_FUTURE',
        ['receivedOn'],
      );
      const corrected = await f.payment(paymentBody(donor.id), key);
      expectStatus(corrected, 201);
      expect(corrected.headers['idempotent-replayed']).toBeUndefined();
    });
  });

  describe('the check order of a payment (SPEC 7): the first failing check answers', () => {
    it('validation before existence: a malformed amount from an unknown donor is VALIDATION_FAILED', async () => {
      await expectRefused(
        () => f.payment(paymentBody(randomUUID(), { amount: '1e3' })),
        400,
        'VALIDATION_FAILED',
        ['amount'],
      );
    });

    it("existence before ownership: an unknown donor paying another donor's pledge is NOT_FOUND", async () => {
      const { pledge } = await confirmedPledge();
      const donorId = randomUUID();
      const problem = await expectRefused(
        () => f.payment(pledgePaymentBody(donorId, pledge.id)),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toContain(donorId);
    });

    it("ownership before date: another donor's pledge paid tomorrow is PLEDGE_DONOR_MISMATCH", async () => {
      const { pledge } = await confirmedPledge();
      const stranger = await f.donor();
      await expectRefused(
        () => f.payment(pledgePaymentBody(stranger.id, pledge.id, { receivedOn: tomorrow() })),
        422,
        'PLEDGE_DONOR_MISMATCH',
        ['pledgeId'],
      );
    });

    it("ownership before state: another donor's announced pledge is PLEDGE_DONOR_MISMATCH", async () => {
      const { pledge } = await announcedPledge();
      const stranger = await f.donor();
      await expectRefused(
        () => f.payment(pledgePaymentBody(stranger.id, pledge.id)),
        422,
        'PLEDGE_DONOR_MISMATCH',
        ['pledgeId'],
      );
    });

    it('state before currency: an announced EUR pledge paid in USD is INVALID_PLEDGE_STATE', async () => {
      const { donor, pledge } = await announcedPledge();
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { currency: 'USD' })),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('state before amount: any amount against a paid pledge is INVALID_PLEDGE_STATE', async () => {
      const { donor, pledge } = await confirmedPledge();
      await f.pay(pledgePaymentBody(donor.id, pledge.id, { amount: '1000.00' }));
      await expectRefused(
        () => f.payment(pledgePaymentBody(donor.id, pledge.id, { amount: '5000.00' })),
        409,
        'INVALID_PLEDGE_STATE',
      );
    });

    it('currency before amount: too much in the wrong currency is CURRENCY_MISMATCH', async () => {
      const { donor, pledge } = await confirmedPledge();
      await expectRefused(
        () =>
          f.payment(pledgePaymentBody(donor.id, pledge.id, { currency: 'USD', amount: '5000.00' })),
        422,
        'CURRENCY_MISMATCH',
        ['currency'],
      );
    });

    it('currency before date: the wrong currency tomorrow is CURRENCY_MISMATCH', async () => {
      const { donor, pledge } = await confirmedPledge();
      await expectRefused(
        () =>
          f.payment(
            pledgePaymentBody(donor.id, pledge.id, { currency: 'USD', receivedOn: tomorrow() }),
          ),
        422,
        'CURRENCY_MISMATCH',
        ['currency'],
      );
    });

    it('date before rate: tomorrow in a currency without rates is DATE_IN_FUTURE', async () => {
      const donor = await f.donor();
      await expectRefused(
        () => f.payment(paymentBody(donor.id, { currency: 'THB', receivedOn: tomorrow() })),
        422,
        'DATE_IN_FUTURE',
        ['receivedOn'],
      );
    });

    it('date before amount: too much before the confirmation is DATE_OUT_OF_ORDER', async () => {
      const { donor, pledge } = await confirmedPledge({ confirmedOn: '2026-02-10' });
      await expectRefused(
        () =>
          f.payment(
            pledgePaymentBody(donor.id, pledge.id, { amount: '5000.00', receivedOn: '2026-02-09' }),
          ),
        422,
        'DATE_OUT_OF_ORDER',
        ['receivedOn'],
      );
    });
  });
});
