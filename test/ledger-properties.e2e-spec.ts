// Proves, over random sequences of pledge and payment commands in USD, EUR and JPY (create,
// confirm, pay part, pay the rest, pay unpledged, reverse, write off, cancel), that the API
// answers exactly what a small model of SPEC 6–7 predicts (never a 5xx), and that afterwards
// every journal entry balances in total and per earmark, each pledge's receivable is what its
// status says (0.00 when paid or written off, carrying − relieved otherwise), paidAmount is the
// sum of its unreversed payments, receipts are gap-free per year and the hash chain verifies.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { Dec } from '#src/common/money/money.js';
import { Factories } from './support/factories.js';
import {
  gapFreeJournal,
  gapFreeReceiptYears,
  journalNumbering,
  receiptYears,
  unbalancedEntries,
  driftedDayBalances,
  driftedRunningTotals,
  contributionsAt,
} from './support/ledger-invariants.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Currency = 'USD' | 'EUR' | 'JPY';
const DECIMALS: Record<Currency, number> = { USD: 2, EUR: 2, JPY: 0 };

// Rates (units per USD) set once for the suite: monthly rates plus a mid-month revision, from
// before the earliest date a command can use, so that RATE_NOT_FOUND never answers.
const RATES: Record<Exclude<Currency, 'USD'>, [string, string][]> = {
  EUR: [
    ['2024-12-01', '0.9512'],
    ['2025-01-01', '0.9634'],
    ['2025-02-01', '0.9587'],
    ['2025-03-01', '0.9245'],
    ['2025-03-17', '0.9181'],
    ['2025-06-01', '0.8812'],
    ['2025-10-01', '0.8543'],
    ['2026-01-01', '0.8601'],
  ],
  JPY: [
    ['2024-12-01', '151.2'],
    ['2025-01-01', '157.35'],
    ['2025-02-01', '154.9'],
    ['2025-03-01', '149.07'],
    ['2025-03-17', '148.5'],
    ['2025-06-01', '144.1'],
    ['2025-10-01', '148.83'],
    ['2026-01-01', '156.7'],
  ],
};

/** Every date a command uses is this date plus a number of days, all well before today. */
const BASE_DATE = '2024-12-01';

function addDays(date: string, days: number): string {
  const moved = new Date(`${date}T00:00:00Z`);
  moved.setUTCDate(moved.getUTCDate() + days);
  return moved.toISOString().slice(0, 10);
}

const later = (a: string, b: string): string => (a > b ? a : b);

function rateOn(currency: Currency, date: string): string {
  if (currency === 'USD') return '1';
  const usable = RATES[currency].filter(([from]) => from <= date);
  return usable[usable.length - 1][1];
}

/** SPEC 3: USD = amount / rate, half-even to cents, computed here independently of src. */
function usdOf(amount: string, currency: Currency, date: string): string {
  return new Dec(amount)
    .div(rateOn(currency, date))
    .toDecimalPlaces(2, Dec.ROUND_HALF_EVEN)
    .toFixed(2);
}

/** Minor units as the API writes the amount: '1234.50' for USD, '1234' for JPY. */
function formatMinor(minor: bigint, currency: Currency): string {
  const decimals = DECIMALS[currency];
  if (decimals === 0) return minor.toString();
  const digits = minor.toString().padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

// ---- commands -------------------------------------------------------------------------------

type Command =
  | {
      kind: 'create';
      donor: number;
      currency: Currency;
      amountMinor: bigint;
      earmarked: boolean;
      confirmed: boolean;
      startDay: number;
      confirmAfter: number;
    }
  | { kind: 'confirm' | 'writeOff' | 'cancel'; pledge: number; days: number }
  | { kind: 'payPart'; pledge: number; percent: number; days: number }
  | { kind: 'payRest'; pledge: number; overpay: boolean; days: number }
  | { kind: 'payUnpledged'; donor: number; currency: Currency; amountMinor: bigint; day: number }
  | { kind: 'reverse'; payment: number; days: number };

// Mostly forward in time, so that DATE_OUT_OF_ORDER stays one outcome among many.
const daysArb = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: -3, max: -1 }) },
  { weight: 9, arbitrary: fc.integer({ min: 0, max: 20 }) },
);
const currencyArb = fc.constantFrom<Currency>('USD', 'EUR', 'JPY');
const indexArb = fc.nat({ max: 9 });

const createArb = fc.record({
  kind: fc.constant('create' as const),
  donor: fc.nat({ max: 1 }),
  currency: currencyArb,
  amountMinor: fc.bigInt({ min: 100n, max: 5_000_000n }),
  earmarked: fc.boolean(),
  confirmed: fc.boolean(),
  startDay: fc.nat({ max: 400 }),
  confirmAfter: fc.nat({ max: 30 }),
});

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: createArb },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('confirm' as const),
      pledge: indexArb,
      days: daysArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('payPart' as const),
      pledge: indexArb,
      percent: fc.integer({ min: 1, max: 99 }),
      days: daysArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('payRest' as const),
      pledge: indexArb,
      overpay: fc.nat({ max: 4 }).map((n) => n === 0),
      days: daysArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('payUnpledged' as const),
      donor: fc.nat({ max: 1 }),
      currency: currencyArb,
      amountMinor: fc.bigInt({ min: 1n, max: 2_000_000n }),
      day: fc.nat({ max: 400 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reverse' as const),
      payment: indexArb,
      days: daysArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('writeOff' as const),
      pledge: indexArb,
      days: daysArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), pledge: indexArb, days: daysArb }),
  },
);

/** 6–12 commands, the first one or two creating pledges so that later commands have targets. */
const sequenceArb = fc
  .tuple(
    fc.array(createArb, { minLength: 1, maxLength: 2 }),
    fc.array(commandArb, { minLength: 5, maxLength: 10 }),
  )
  .map(([creates, rest]): Command[] => [...creates, ...rest]);

// ---- the model ------------------------------------------------------------------------------

type PledgeStatus =
  'announced' | 'confirmed' | 'partially_paid' | 'paid' | 'cancelled' | 'written_off';

interface PledgeModel {
  id: string;
  donorId: string;
  currency: Currency;
  amount: bigint;
  status: PledgeStatus;
  confirmedOn: string | null;
  lastEventOn: string;
  paid: bigint;
  writtenOff: bigint;
}

interface PaymentModel {
  id: string;
  pledge: PledgeModel | null;
  amount: bigint;
  receivedOn: string;
  reversed: boolean;
}

interface RunModel {
  donors: string[];
  pledges: PledgeModel[];
  payments: PaymentModel[];
}

function outstandingOf(pledge: PledgeModel): bigint {
  if (pledge.status === 'announced' || pledge.status === 'cancelled') return 0n;
  return pledge.amount - pledge.paid - pledge.writtenOff;
}

/** What the model expects: a status with its code, or a success the model then applies. */
type Expected = { status: number; code?: string; apply?: (body: Record<string, unknown>) => void };

const refuse = (status: number, code: string): Expected => ({ status, code });

describe('ledger properties over random command sequences', () => {
  let t: TestApp;
  let f: Factories;
  let auditor: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
    for (const [currency, rates] of Object.entries(RATES))
      for (const [effectiveOn, rate] of rates) await f.rate(currency, effectiveOn, rate);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: Record<string, unknown>): Promise<Response> =>
    t.http().post(path).set(f.auth()).set('Idempotency-Key', randomUUID()).send(body);

  /** Sends one command and returns the answer with what the model expected of it. */
  async function send(
    command: Command,
    model: RunModel,
  ): Promise<{ response: Response; expected: Expected; what: string } | null> {
    switch (command.kind) {
      case 'create': {
        const pledgedOn = addDays(BASE_DATE, command.startDay);
        const confirmedOn = addDays(pledgedOn, command.confirmAfter);
        const amount = formatMinor(command.amountMinor, command.currency);
        const body = {
          donorId: model.donors[command.donor],
          currency: command.currency,
          amount,
          earmark: command.earmarked ? 'participation:NAIROBI-2009' : 'unearmarked',
          status: command.confirmed ? 'confirmed' : 'announced',
          pledgedOn,
          ...(command.confirmed ? { confirmedOn } : {}),
        };
        const expected: Expected = {
          status: 201,
          apply: (created) => {
            if (command.confirmed)
              expect(created.carryingUsd).toBe(usdOf(amount, command.currency, confirmedOn));
            model.pledges.push({
              id: created.id as string,
              donorId: body.donorId,
              currency: command.currency,
              amount: command.amountMinor,
              status: command.confirmed ? 'confirmed' : 'announced',
              confirmedOn: command.confirmed ? confirmedOn : null,
              lastEventOn: command.confirmed ? confirmedOn : pledgedOn,
              paid: 0n,
              writtenOff: 0n,
            });
          },
        };
        return { response: await post('/v1/pledges', body), expected, what: JSON.stringify(body) };
      }
      case 'confirm':
      case 'cancel':
      case 'writeOff':
        return changePledge(command, model);
      case 'payPart':
      case 'payRest':
        return payPledge(command, model);
      case 'payUnpledged': {
        const receivedOn = addDays(BASE_DATE, command.day);
        const amount = formatMinor(command.amountMinor, command.currency);
        const body = {
          donorId: model.donors[command.donor],
          currency: command.currency,
          amount,
          receivedOn,
          earmark: 'unearmarked',
        };
        const expected: Expected = {
          status: 201,
          apply: (payment) => {
            expect(payment.amountUsd).toBe(usdOf(amount, command.currency, receivedOn));
            model.payments.push({
              id: payment.id as string,
              pledge: null,
              amount: command.amountMinor,
              receivedOn,
              reversed: false,
            });
          },
        };
        return { response: await post('/v1/payments', body), expected, what: JSON.stringify(body) };
      }
      case 'reverse':
        return reversePayment(command, model);
    }
  }

  async function changePledge(
    command: Extract<Command, { kind: 'confirm' | 'cancel' | 'writeOff' }>,
    model: RunModel,
  ) {
    if (model.pledges.length === 0) return null;
    const pledge = model.pledges[command.pledge % model.pledges.length];
    const on = addDays(pledge.lastEventOn, command.days);
    const rules = {
      confirm: { path: 'confirm', from: ['announced'], body: { confirmedOn: on } },
      cancel: {
        path: 'cancel',
        from: ['announced'],
        body: { reason: 'Withdrawn', cancelledOn: on },
      },
      writeOff: {
        path: 'write-off',
        from: ['confirmed', 'partially_paid'],
        body: { reason: 'Uncollectable', writtenOffOn: on },
      },
    }[command.kind];
    // SPEC 6: the state is checked first, then the date against the pledge's latest event.
    let expected: Expected;
    if (!rules.from.includes(pledge.status)) expected = refuse(409, 'INVALID_PLEDGE_STATE');
    else if (on < pledge.lastEventOn) expected = refuse(422, 'DATE_OUT_OF_ORDER');
    else
      expected = {
        status: 200,
        apply: (changed) => {
          pledge.lastEventOn = on;
          if (command.kind === 'confirm') {
            expect(changed.carryingUsd).toBe(
              usdOf(formatMinor(pledge.amount, pledge.currency), pledge.currency, on),
            );
            pledge.status = 'confirmed';
            pledge.confirmedOn = on;
          } else if (command.kind === 'cancel') {
            pledge.status = 'cancelled';
          } else {
            pledge.writtenOff = outstandingOf(pledge);
            pledge.status = 'written_off';
          }
        },
      };
    const response = await post(`/v1/pledges/${pledge.id}/${rules.path}`, rules.body);
    return { response, expected, what: `${rules.path} ${pledge.id} ${JSON.stringify(rules.body)}` };
  }

  async function payPledge(
    command: Extract<Command, { kind: 'payPart' | 'payRest' }>,
    model: RunModel,
  ) {
    if (model.pledges.length === 0) return null;
    const pledge = model.pledges[command.pledge % model.pledges.length];
    const outstanding = outstandingOf(pledge);
    let minor: bigint;
    if (command.kind === 'payPart') minor = (outstanding * BigInt(command.percent)) / 100n;
    else minor = outstanding + (command.overpay ? 1n : 0n);
    if (minor < 1n) minor = 1n;
    const receivedOn = addDays(pledge.lastEventOn, command.days);
    const amount = formatMinor(minor, pledge.currency);
    const body = {
      donorId: pledge.donorId,
      pledgeId: pledge.id,
      currency: pledge.currency,
      amount,
      receivedOn,
    };
    // SPEC 7's order: pledge state, currency (always the pledge's), date, rate, amount.
    let expected: Expected;
    if (pledge.status !== 'confirmed' && pledge.status !== 'partially_paid')
      expected = refuse(409, 'INVALID_PLEDGE_STATE');
    else if (receivedOn < pledge.confirmedOn!) expected = refuse(422, 'DATE_OUT_OF_ORDER');
    else if (minor > outstanding) expected = refuse(422, 'EXCEEDS_OUTSTANDING');
    else
      expected = {
        status: 201,
        apply: (payment) => {
          expect(payment.amountUsd).toBe(usdOf(amount, pledge.currency, receivedOn));
          pledge.paid += minor;
          pledge.status = minor === outstanding ? 'paid' : 'partially_paid';
          pledge.lastEventOn = later(pledge.lastEventOn, receivedOn);
          model.payments.push({
            id: payment.id as string,
            pledge,
            amount: minor,
            receivedOn,
            reversed: false,
          });
        },
      };
    return { response: await post('/v1/payments', body), expected, what: JSON.stringify(body) };
  }

  async function reversePayment(command: Extract<Command, { kind: 'reverse' }>, model: RunModel) {
    if (model.payments.length === 0) return null;
    const payment = model.payments[command.payment % model.payments.length];
    const pledge = payment.pledge;
    const reversedOn = addDays(later(payment.receivedOn, pledge?.lastEventOn ?? ''), command.days);
    const body = { reason: 'Returned by the bank', reversedOn };
    // SPEC 7: reversed at most once, never on a written-off pledge, on or after receivedOn.
    let expected: Expected;
    if (payment.reversed) expected = refuse(409, 'ALREADY_REVERSED');
    else if (pledge?.status === 'written_off') expected = refuse(409, 'INVALID_PLEDGE_STATE');
    else if (reversedOn < payment.receivedOn) expected = refuse(422, 'DATE_OUT_OF_ORDER');
    else
      expected = {
        status: 200,
        apply: (reversed) => {
          expect(reversed.status).toBe('reversed');
          payment.reversed = true;
          if (pledge) {
            pledge.paid -= payment.amount;
            pledge.status = pledge.paid === 0n ? 'confirmed' : 'partially_paid';
            pledge.lastEventOn = later(pledge.lastEventOn, reversedOn);
          }
        },
      };
    const response = await post(`/v1/payments/${payment.id}/reverse`, body);
    return { response, expected, what: `reverse ${payment.id} ${JSON.stringify(body)}` };
  }

  /** The invariants scoped to this run's pledges and payments. */
  async function checkRun(model: RunModel): Promise<void> {
    for (const pledge of model.pledges) {
      const current = await t.http().get(`/v1/pledges/${pledge.id}`).set(f.auth());
      expect(current.status).toBe(200);
      expect({
        status: current.body.status,
        paidAmount: current.body.paidAmount,
        writtenOffAmount: current.body.writtenOffAmount,
        outstandingAmount: current.body.outstandingAmount,
      }).toEqual({
        status: pledge.status,
        paidAmount: formatMinor(pledge.paid, pledge.currency),
        writtenOffAmount: formatMinor(pledge.writtenOff, pledge.currency),
        outstandingAmount: formatMinor(outstandingOf(pledge), pledge.currency),
      });
      const [sums] = await t.sql<{ receivable: string; paid: string }>(
        `SELECT (SELECT coalesce(sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END), 0)
                   FROM journal_lines WHERE pledge_id = $1 AND account = '1200')::text AS receivable,
                (SELECT coalesce(sum(p.amount), 0) FROM payments p
                   LEFT JOIN payment_reversals r ON r.payment_id = p.id
                  WHERE p.pledge_id = $1 AND r.payment_id IS NULL)::text AS paid`,
        [pledge.id],
      );
      const receivable = new Dec(sums.receivable).toFixed(2);
      switch (pledge.status) {
        case 'paid':
        case 'written_off':
        case 'announced':
        case 'cancelled':
          expect({ status: pledge.status, receivable }).toEqual({
            status: pledge.status,
            receivable: '0.00',
          });
          break;
        default:
          expect({ status: pledge.status, receivable }).toEqual({
            status: pledge.status,
            receivable: new Dec(current.body.carryingUsd)
              .minus(current.body.relievedUsd)
              .toFixed(2),
          });
      }
      expect(new Dec(sums.paid).toFixed()).toBe(new Dec(current.body.paidAmount).toFixed());
    }
    for (const payment of model.payments) {
      const [row] = await t.sql<{ receipt: string; reversed: boolean }>(
        `SELECT r.status AS receipt, EXISTS (SELECT 1 FROM payment_reversals v WHERE v.payment_id = p.id) AS reversed
           FROM payments p JOIN receipts r ON r.payment_id = p.id AND r.number = p.receipt_number WHERE p.id = $1`,
        [payment.id],
      );
      expect(row).toEqual({
        receipt: payment.reversed ? 'cancelled' : 'issued',
        reversed: payment.reversed,
      });
    }
  }

  /** The invariants of the whole database, which every run shares. */
  async function checkLedger(): Promise<void> {
    expect(await unbalancedEntries(t)).toEqual([]);
    expect(await driftedDayBalances(t)).toEqual([]);
    expect(await driftedRunningTotals(t)).toEqual([]);
    const [{ head }] = await t.sql<{ head: string }>('SELECT seq::text AS head FROM ledger_head');
    for (const point of [
      { asOf: '2099-12-31', asOfSeq: Number(head) },
      { asOf: '2026-02-15', asOfSeq: Math.floor(Number(head) / 2) },
    ]) {
      const { maintained, oracle } = await contributionsAt(t, point);
      expect(maintained).toEqual(oracle);
    }
    const years = await receiptYears(t);
    expect(years).toEqual(gapFreeReceiptYears(years));
    const numbering = await journalNumbering(t);
    expect(numbering).toEqual(gapFreeJournal(numbering.count));
    const verification = await t.http().get('/v1/ledger/verify').set(auditor);
    expect(verification.body).toMatchObject({
      valid: true,
      firstBrokenSeq: null,
      entries: numbering.count,
      headSeq: numbering.count,
    });
  }

  async function run(commands: Command[]): Promise<void> {
    const model: RunModel = {
      donors: [(await f.donor()).id, (await f.donor()).id],
      pledges: [],
      payments: [],
    };
    const log: string[] = [];
    try {
      for (const command of commands) {
        const sent = await send(command, model);
        if (!sent) continue;
        const { response, expected, what } = sent;
        const answered = `${response.status} ${response.status < 300 ? '' : response.body?.code}`;
        log.push(`${command.kind}: ${what} → ${answered}`);
        if (response.status >= 500) throw new Error(`5xx answer: ${JSON.stringify(response.body)}`);
        expect(answered).toBe(`${expected.status} ${expected.code ?? ''}`);
        expected.apply?.(response.body as Record<string, unknown>);
      }
      await checkRun(model);
      await checkLedger();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n-- requests of this run:\n${log.join('\n')}`, {
        cause: error,
      });
    }
  }

  it('keeps every invariant after random sequences of commands', async () => {
    await fc.assert(fc.asyncProperty(sequenceArb, run), { numRuns: 25 });
  }, 180_000);

  // SPEC 3 and 13: zero is not a valid amount, and bad input never answers 500. A won amount of
  // 1 to 7 at 1,450.5 KRW per USD is worth less than half a cent, so its USD value rounds to
  // 0.00, which no journal line may carry: the API must refuse it with a 4xx.
  it('answers a 4xx, never a 5xx, for an amount whose USD value rounds to 0.00', async () => {
    await f.rate('KRW', '2025-01-01', '1450.5');
    const donor = await f.donor();
    const pledge = await f.pledge({
      donorId: donor.id,
      currency: 'KRW',
      amount: '100000',
      pledgedOn: '2025-01-02',
      confirmedOn: '2025-01-02',
    });
    const kinds = {
      unpledged: (amount: string) =>
        post('/v1/payments', {
          donorId: donor.id,
          currency: 'KRW',
          amount,
          receivedOn: '2025-02-01',
          earmark: 'unearmarked',
        }),
      againstPledge: (amount: string) =>
        post('/v1/payments', {
          donorId: donor.id,
          pledgeId: pledge.id,
          currency: 'KRW',
          amount,
          receivedOn: '2025-02-01',
        }),
      confirmedPledge: (amount: string) =>
        post('/v1/pledges', {
          donorId: donor.id,
          currency: 'KRW',
          amount,
          earmark: 'unearmarked',
          status: 'confirmed',
          pledgedOn: '2025-02-01',
          confirmedOn: '2025-02-01',
        }),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(kinds) as (keyof typeof kinds)[])),
        fc.integer({ min: 1, max: 7 }),
        async (kind, won) => {
          const response = await kinds[kind](String(won));
          const answer = `${response.status} ${String(response.body?.code)}`;
          const is4xx = response.status >= 400 && response.status < 500;
          expect({ kind, won, answer, is4xx }).toEqual({ kind, won, answer, is4xx: true });
        },
      ),
      { numRuns: 10 },
    );
    await checkLedger();
  });
});
