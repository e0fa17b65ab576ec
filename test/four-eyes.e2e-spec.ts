// Proves four-eyes control (issue 7, item 5; docs/decisions/0015-four-eyes.md): with FOUR_EYES=on a
// payment reversal or a pledge write-off by one finance key only opens an approval request (202,
// nothing posted), a different finance key's approval posts it in one transaction and answers
// exactly as the direct call does, the requesting key can never approve (refused by the code and
// by the database), decisions are final and race-safe, both keys are in the audit trail, and the
// tables are append-only even to hand-run SQL. With FOUR_EYES off (the default) the contract of
// SPEC 6 and 7 is unchanged: 200 at once.
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { Factories, type JournalEntryView } from './support/factories.js';
import { expectProblem } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The payment response fields of SPEC 7 and the pledge response fields of SPEC 6. */
const PAYMENT_FIELDS = [
  'id',
  'donorId',
  'pledgeId',
  'currency',
  'amount',
  'receivedOn',
  'earmark',
  'bankReference',
  'rate',
  'rateEffectiveOn',
  'amountUsd',
  'relievedUsd',
  'fxGainLossUsd',
  'pscRate',
  'pscUsd',
  'status',
  'receiptNumber',
  'journalEntrySeq',
].sort();
const PLEDGE_FIELDS = [
  'id',
  'donorId',
  'currency',
  'amount',
  'earmark',
  'status',
  'pledgedOn',
  'confirmedOn',
  'reference',
  'instalments',
  'paidAmount',
  'writtenOffAmount',
  'outstandingAmount',
  'carryingUsd',
  'relievedUsd',
  'confirmRate',
  'confirmRateEffectiveOn',
].sort();

const REVERSAL = {
  reason: 'Returned by the bank: wrong beneficiary account',
  reversedOn: '2026-01-20',
};
const WRITE_OFF = { reason: 'Balance waived by the Executive Board', writtenOffOn: '2026-01-20' };
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Key {
  id: string;
  key: string;
}

interface Money {
  donor: { id: string };
  pledge: Record<string, string>;
  payment: Record<string, string>;
}

const bearer = (key: Key | string) => ({
  Authorization: `Bearer ${typeof key === 'string' ? key : key.key}`,
});

/** A confirmed USD pledge of 1,000.00 with a payment of 400.00 against it. */
async function paidPledge(f: Factories): Promise<Money> {
  const donor = await f.donor();
  const pledge = await f.pledge({
    donorId: donor.id,
    currency: 'USD',
    amount: '1000.00',
    pledgedOn: '2026-01-02',
    confirmedOn: '2026-01-05',
  });
  const payment = await f.pay({
    donorId: donor.id,
    pledgeId: pledge.id,
    currency: 'USD',
    amount: '400.00',
    receivedOn: '2026-01-10',
  });
  return { donor, pledge, payment };
}

describe('four-eyes control (FOUR_EYES=on)', () => {
  let t: TestApp;
  let f: Factories;
  let requester: Key;
  let approver: Key;
  let second: Key;
  let auditor: Key;
  const counts = { requests: 0, approvals: 0, rejections: 0, refusals: 0 };

  /** Counts what a four-eyes call came to, for the summary line printed at the end. */
  const tally = (response: Response, kind: 'request' | 'approval' | 'rejection'): Response => {
    if (response.status >= 400) counts.refusals += 1;
    else if (kind === 'request' && response.status === 202) counts.requests += 1;
    else if (kind === 'approval' && response.status === 200) counts.approvals += 1;
    else if (kind === 'rejection' && response.status === 200) counts.rejections += 1;
    return response;
  };

  const reverse = async (paymentId: string, key: Key | string, body: object = REVERSAL) =>
    tally(
      await t.http().post(`/v1/payments/${paymentId}/reverse`).set(bearer(key)).send(body),
      'request',
    );
  const writeOff = async (pledgeId: string, key: Key | string, body: object = WRITE_OFF) =>
    tally(
      await t.http().post(`/v1/pledges/${pledgeId}/write-off`).set(bearer(key)).send(body),
      'request',
    );
  const approve = async (requestId: string, key: Key | string, idempotencyKey?: string) => {
    const call = t.http().post(`/v1/approval-requests/${requestId}/approve`).set(bearer(key));
    if (idempotencyKey) call.set('Idempotency-Key', idempotencyKey);
    return tally(await call.send({}), 'approval');
  };
  const reject = async (requestId: string, key: Key | string, body: object) =>
    tally(
      await t.http().post(`/v1/approval-requests/${requestId}/reject`).set(bearer(key)).send(body),
      'rejection',
    );
  const read = (path: string, key: Key | string = auditor) => t.http().get(path).set(bearer(key));

  const headSeq = async (): Promise<number> => {
    const verify = await read('/v1/ledger/verify');
    expect(verify.body.valid).toBe(true);
    return verify.body.headSeq as number;
  };
  const entriesAfter = async (seq: number): Promise<JournalEntryView[]> =>
    (await read(`/v1/ledger/entries?afterSeq=${seq}&limit=100`)).body.entries;
  const auditOf = async (resourceId: string) =>
    (
      (await read('/v1/audit-events?limit=500')).body.items as {
        action: string;
        apiKeyId: string;
        role: string;
        resourceType: string;
        resourceId: string;
      }[]
    )
      .filter((event) => event.resourceId === resourceId)
      .map(({ action, apiKeyId, role, resourceType }) => ({
        action,
        apiKeyId,
        role,
        resourceType,
      }));

  const newKey = async (role: string, donorId?: string): Promise<Key> => {
    const response = await t
      .http()
      .post('/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ name: `four-eyes ${role} ${randomUUID().slice(0, 8)}`, role, donorId });
    expect(response.status).toBe(201);
    return { id: response.body.id, key: response.body.key };
  };

  beforeAll(async () => {
    t = await startTestApp({ FOUR_EYES: 'on' });
    requester = await newKey('finance');
    approver = await newKey('finance');
    second = await newKey('finance');
    auditor = await newKey('auditor');
    f = new Factories(t, requester.key);
  });
  afterAll(async () => {
    console.log(
      `four-eyes: ${counts.requests} requests made, ${counts.approvals} approvals, ` +
        `${counts.rejections} rejections, ${counts.refusals} refusals`,
    );
    await t?.close();
  });

  describe('a payment reversal', () => {
    let money: Money;
    let request: Record<string, unknown>;
    let headBefore: number;

    beforeAll(async () => {
      money = await paidPledge(f);
      headBefore = await headSeq();
      const response = await reverse(money.payment.id, requester);
      expect(response.status).toBe(202);
      request = response.body;
    });

    it('answers 202 with a pending approval request naming the requesting key', () => {
      expect(request).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        action: 'payment.reverse',
        resourceType: 'payment',
        resourceId: money.payment.id,
        request: REVERSAL,
        requestedBy: requester.id,
        requestedAt: expect.stringMatching(ISO_TIMESTAMP),
        status: 'pending',
        decidedBy: null,
        decidedAt: null,
        decisionReason: null,
      });
    });

    it('posts nothing yet: journal head unchanged, payment posted, receipt issued, pledge as it was', async () => {
      expect(await headSeq()).toBe(headBefore);
      expect((await read(`/v1/payments/${money.payment.id}`)).body.status).toBe('posted');
      expect((await read(`/v1/receipts/${money.payment.receiptNumber}`)).body.status).toBe(
        'issued',
      );
      expect((await read(`/v1/pledges/${money.pledge.id}`)).body).toMatchObject({
        status: 'partially_paid',
        paidAmount: '400.00',
      });
    });

    it('is listed as pending and readable by finance and auditor keys', async () => {
      expect((await read(`/v1/approval-requests/${request.id}`, approver)).body).toEqual(request);
      const pending = await read('/v1/approval-requests?status=pending&limit=500');
      expect(pending.status).toBe(200);
      expect(pending.body.items).toContainEqual(request);
      const approved = await read('/v1/approval-requests?status=approved&limit=500');
      expect(approved.body.items.map((item: { id: string }) => item.id)).not.toContain(request.id);
    });

    it('refuses a second request for the same payment while one is pending (409)', async () => {
      const response = await reverse(money.payment.id, second);
      expectProblem(response, 409, 'APPROVAL_PENDING');
      expect(response.body.detail).toContain(String(request.id));
    });

    it('refuses approval by the requesting key (403) and changes nothing', async () => {
      const response = await approve(String(request.id), requester);
      const problem = expectProblem(response, 403, 'FORBIDDEN');
      expect(problem.detail).toMatch(/made by this API key.*different finance key/);
      expect(await headSeq()).toBe(headBefore);
      expect((await read(`/v1/approval-requests/${request.id}`)).body.status).toBe('pending');
    });

    it('refuses approval and rejection by auditor, donor and admin keys (403)', async () => {
      const donorKey = await newKey('donor', money.donor.id);
      for (const key of [auditor, donorKey, t.adminKey]) {
        expectProblem(await approve(String(request.id), key), 403, 'FORBIDDEN');
        expectProblem(await reject(String(request.id), key, { reason: 'no' }), 403, 'FORBIDDEN');
      }
      expect(await headSeq()).toBe(headBefore);
    });

    describe('approved by a different finance key', () => {
      let approval: Response;

      beforeAll(async () => {
        approval = await approve(String(request.id), approver);
      });

      it('answers 200 with the reversed payment, exactly as the direct call answers', async () => {
        expect(approval.status).toBe(200);
        expect(Object.keys(approval.body).sort()).toEqual(PAYMENT_FIELDS);
        expect(approval.body).toEqual({ ...money.payment, status: 'reversed' });
        expect(approval.body).toEqual((await read(`/v1/payments/${money.payment.id}`)).body);
      });

      it('posts the mirror entry dated reversedOn, cancels the receipt and reopens the pledge', async () => {
        const [entry, ...others] = await entriesAfter(headBefore);
        expect(others).toEqual([]);
        const [original] = await entriesAfter(Number(money.payment.journalEntrySeq) - 1);
        expect(entry).toMatchObject({
          kind: 'payment_reversed',
          sourceType: 'payment',
          sourceId: money.payment.id,
          effectiveOn: REVERSAL.reversedOn,
          reversesSeq: original.seq,
        });
        const mirrored = original.lines.map((line) => ({
          ...line,
          side: line.side === 'debit' ? 'credit' : 'debit',
        }));
        expect(entry.lines).toEqual(expect.arrayContaining(mirrored));
        expect(entry.lines).toHaveLength(mirrored.length);
        expect((await read(`/v1/receipts/${money.payment.receiptNumber}`)).body.status).toBe(
          'cancelled',
        );
        expect((await read(`/v1/pledges/${money.pledge.id}`)).body).toMatchObject({
          status: 'confirmed',
          paidAmount: '0.00',
          outstandingAmount: '1000.00',
        });
      });

      it('records the decision on the request', async () => {
        expect((await read(`/v1/approval-requests/${request.id}`)).body).toEqual({
          ...request,
          status: 'approved',
          decidedBy: approver.id,
          decidedAt: expect.stringMatching(ISO_TIMESTAMP),
          decisionReason: null,
        });
      });

      it('shows the requester and the approver in the audit trail', async () => {
        expect(await auditOf(money.payment.id)).toEqual([
          {
            action: 'payment.created',
            apiKeyId: requester.id,
            role: 'finance',
            resourceType: 'payment',
          },
          {
            action: 'payment.reversal_requested',
            apiKeyId: requester.id,
            role: 'finance',
            resourceType: 'payment',
          },
          {
            action: 'payment.reversed',
            apiKeyId: approver.id,
            role: 'finance',
            resourceType: 'payment',
          },
        ]);
        expect(await auditOf(String(request.id))).toEqual([
          {
            action: 'approval_request.approved',
            apiKeyId: approver.id,
            role: 'finance',
            resourceType: 'approval_request',
          },
        ]);
      });

      it('refuses a second decision (409 ALREADY_DECIDED) and a new request (409 ALREADY_REVERSED)', async () => {
        const head = await headSeq();
        expectProblem(await approve(String(request.id), second), 409, 'ALREADY_DECIDED');
        expectProblem(
          await reject(String(request.id), second, { reason: 'too late' }),
          409,
          'ALREADY_DECIDED',
        );
        expectProblem(await reverse(money.payment.id, second), 409, 'ALREADY_REVERSED');
        expect(await headSeq()).toBe(head);
      });
    });
  });

  describe('a pledge write-off', () => {
    let money: Money;
    let request: Record<string, unknown>;
    let headBefore: number;

    beforeAll(async () => {
      money = await paidPledge(f);
      headBefore = await headSeq();
      const response = await writeOff(money.pledge.id, requester);
      expect(response.status).toBe(202);
      request = response.body;
    });

    it('answers 202 with the request and posts nothing', async () => {
      expect(request).toMatchObject({
        action: 'pledge.write_off',
        resourceType: 'pledge',
        resourceId: money.pledge.id,
        request: WRITE_OFF,
        requestedBy: requester.id,
        status: 'pending',
      });
      expect(await headSeq()).toBe(headBefore);
      expect((await read(`/v1/pledges/${money.pledge.id}`)).body.status).toBe('partially_paid');
    });

    it('refuses the requesting key (403), then posts Dr 5300 / Cr 1200 600.00 on approval by another', async () => {
      expectProblem(await approve(String(request.id), requester), 403, 'FORBIDDEN');
      const approval = await approve(String(request.id), approver);
      expect(approval.status).toBe(200);
      expect(Object.keys(approval.body).sort()).toEqual(PLEDGE_FIELDS);
      expect(approval.body).toEqual({
        ...money.pledge,
        status: 'written_off',
        paidAmount: '400.00',
        writtenOffAmount: '600.00',
        outstandingAmount: '0.00',
        relievedUsd: '400.00',
      });
      expect(approval.body).toEqual((await read(`/v1/pledges/${money.pledge.id}`)).body);
      const entries = await entriesAfter(headBefore);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        kind: 'pledge_written_off',
        sourceId: money.pledge.id,
        effectiveOn: WRITE_OFF.writtenOffOn,
      });
      expect(
        entries[0].lines.map(({ account, side, amountUsd }) => ({ account, side, amountUsd })),
      ).toEqual([
        { account: '5300', side: 'debit', amountUsd: '600.00' },
        { account: '1200', side: 'credit', amountUsd: '600.00' },
      ]);
    });

    it('shows the requester and the approver in the audit trail', async () => {
      const trail = await auditOf(money.pledge.id);
      expect(trail.slice(-2)).toEqual([
        {
          action: 'pledge.write_off_requested',
          apiKeyId: requester.id,
          role: 'finance',
          resourceType: 'pledge',
        },
        {
          action: 'pledge.written_off',
          apiKeyId: approver.id,
          role: 'finance',
          resourceType: 'pledge',
        },
      ]);
    });
  });

  describe('requests that could never be approved are refused at once, leaving no request', () => {
    it.each([
      ['an unknown payment', 'reverse-unknown', 404, 'NOT_FOUND'],
      ['a reversal dated before receivedOn', 'reverse-early', 422, 'DATE_OUT_OF_ORDER'],
      ['a reversal dated in the future', 'reverse-future', 422, 'DATE_IN_FUTURE'],
      ['a write-off of an announced pledge', 'write-off-announced', 409, 'INVALID_PLEDGE_STATE'],
      ['a write-off dated before the latest event', 'write-off-early', 422, 'DATE_OUT_OF_ORDER'],
    ])('%s (%s) answers %i %s', async (_title, kind, status, code) => {
      const money = await paidPledge(f);
      const before = (await read('/v1/approval-requests?limit=500')).body.items.length;
      let response: Response;
      switch (kind) {
        case 'reverse-unknown':
          response = await reverse(randomUUID(), requester);
          break;
        case 'reverse-early':
          response = await reverse(money.payment.id, requester, {
            ...REVERSAL,
            reversedOn: '2026-01-09',
          });
          break;
        case 'reverse-future':
          response = await reverse(money.payment.id, requester, {
            ...REVERSAL,
            reversedOn: '2099-01-01',
          });
          break;
        case 'write-off-announced': {
          const announced = await f.pledge({
            donorId: money.donor.id,
            currency: 'USD',
            amount: '50.00',
            status: 'announced',
            pledgedOn: '2026-01-02',
          });
          response = await writeOff(announced.id, requester);
          break;
        }
        default:
          response = await writeOff(money.pledge.id, requester, {
            ...WRITE_OFF,
            writtenOffOn: '2026-01-09',
          });
      }
      expectProblem(response, status, code);
      expect((await read('/v1/approval-requests?limit=500')).body.items).toHaveLength(before);
    });
  });

  describe('rejection', () => {
    it('closes the request without posting, lets the payment be asked for again, and is final', async () => {
      const money = await paidPledge(f);
      const first = (await reverse(money.payment.id, requester)).body;
      const head = await headSeq();
      expectProblem(await reject(String(first.id), approver, {}), 400, 'VALIDATION_FAILED');

      const rejected = await reject(String(first.id), approver, { reason: 'Funds were credited' });
      expect(rejected.status).toBe(200);
      expect(rejected.body).toEqual({
        ...first,
        status: 'rejected',
        decidedBy: approver.id,
        decidedAt: expect.stringMatching(ISO_TIMESTAMP),
        decisionReason: 'Funds were credited',
      });
      expect(await headSeq()).toBe(head);
      expect((await read(`/v1/payments/${money.payment.id}`)).body.status).toBe('posted');
      expectProblem(await approve(String(first.id), second), 409, 'ALREADY_DECIDED');
      expect(await auditOf(String(first.id))).toEqual([
        {
          action: 'approval_request.rejected',
          apiKeyId: approver.id,
          role: 'finance',
          resourceType: 'approval_request',
        },
      ]);

      // Rejected, the payment may be asked for again; its requester may withdraw that request.
      const again = await reverse(money.payment.id, requester);
      expect(again.status).toBe(202);
      const withdrawn = await reject(String(again.body.id), requester, {
        reason: 'Entered by mistake',
      });
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({ status: 'rejected', decidedBy: requester.id });
      expect(await headSeq()).toBe(head);
    });
  });

  describe('deciding', () => {
    it('lets exactly one of finance keys approving at once win; the others get 409', async () => {
      const money = await paidPledge(f);
      const request = (await reverse(money.payment.id, requester)).body;
      const head = await headSeq();
      // Two keys, each sending twice, all four at once.
      const responses = await Promise.all(
        [approver, second, approver, second].map((key) => approve(String(request.id), key)),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409]);
      for (const loser of responses.filter((response) => response.status === 409)) {
        expectProblem(loser, 409, 'ALREADY_DECIDED');
      }
      const entries = await entriesAfter(head);
      expect(entries.map((entry) => entry.kind)).toEqual(['payment_reversed']);
      const decisions = await t.sql<{ n: number }>(
        'SELECT count(*)::int AS n FROM approval_decisions WHERE request_id = $1',
        [request.id],
      );
      expect(decisions[0].n).toBe(1);
    });

    it('replays an approval sent again with the same Idempotency-Key, posting nothing more', async () => {
      const money = await paidPledge(f);
      const request = (await reverse(money.payment.id, requester)).body;
      const key = randomUUID();
      const first = await approve(String(request.id), approver, key);
      expect(first.status).toBe(200);
      const head = await headSeq();
      const replay = await approve(String(request.id), approver, key);
      expect(replay.status).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      expect(await headSeq()).toBe(head);
    });

    it('re-runs the checks at approval: a reversal made impossible meanwhile is refused and stays pending', async () => {
      const money = await paidPledge(f);
      const reversal = (await reverse(money.payment.id, requester)).body;
      const writeOffRequest = (await writeOff(money.pledge.id, requester)).body;
      expect((await approve(String(writeOffRequest.id), approver)).status).toBe(200);
      const head = await headSeq();
      expectProblem(await approve(String(reversal.id), approver), 409, 'INVALID_PLEDGE_STATE');
      expect(await headSeq()).toBe(head);
      expect((await read(`/v1/approval-requests/${reversal.id}`)).body.status).toBe('pending');
      expect(
        (await reject(String(reversal.id), approver, { reason: 'Pledge written off' })).status,
      ).toBe(200);
    });
  });

  describe('the database itself', () => {
    let request: Record<string, string>;

    beforeAll(async () => {
      const money = await paidPledge(f);
      request = (await reverse(money.payment.id, requester)).body;
    });

    it('refuses an approval by the requesting key, even by direct SQL', async () => {
      await expect(
        t.sql(
          `INSERT INTO approval_decisions (request_id, requested_by, outcome, decided_by)
           VALUES ($1, $2, 'approved', $2)`,
          [request.id, requester.id],
        ),
      ).rejects.toThrow(/ck_approval_decisions_four_eyes/);
    });

    it('refuses a decision that misnames the requester to slip past that check', async () => {
      await expect(
        t.sql(
          `INSERT INTO approval_decisions (request_id, requested_by, outcome, decided_by)
           VALUES ($1, $2, 'approved', $3)`,
          [request.id, approver.id, requester.id],
        ),
      ).rejects.toThrow(/fk_approval_decisions_request/);
    });

    it('refuses a second pending request for the same payment, even by direct SQL', async () => {
      await expect(
        t.sql(
          `INSERT INTO approval_requests (action, payment_id, reason, effective_on, requested_by)
           VALUES ('payment.reverse', $1, 'again', '2026-01-20', $2)`,
          [request.resourceId, second.id],
        ),
      ).rejects.toThrow(/awaiting a decision/);
    });

    it('refuses UPDATE, DELETE and TRUNCATE of requests and decisions', async () => {
      expect((await reject(request.id, approver, { reason: 'For the SQL checks' })).status).toBe(
        200,
      );
      for (const statement of [
        `UPDATE approval_requests SET reason = 'rewritten' WHERE id = '${request.id}'`,
        `DELETE FROM approval_requests WHERE id = '${request.id}'`,
        'TRUNCATE approval_requests CASCADE',
        `UPDATE approval_decisions SET outcome = 'approved' WHERE request_id = '${request.id}'`,
        `DELETE FROM approval_decisions WHERE request_id = '${request.id}'`,
        'TRUNCATE approval_decisions',
      ]) {
        await expect(t.sql(statement)).rejects.toThrow(/append-only/);
      }
      expect((await read(`/v1/approval-requests/${request.id}`)).body).toMatchObject({
        status: 'rejected',
        request: REVERSAL,
      });
    });
  });
});

describe('four-eyes control off (the default): SPEC 6 and 7 unchanged', () => {
  let t: TestApp;
  let f: Factories;

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reverses a payment at once: 200 with the reversed payment', async () => {
    const money = await paidPledge(f);
    const response = await f.stateChange(`/v1/payments/${money.payment.id}/reverse`, REVERSAL);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(PAYMENT_FIELDS);
    expect(response.body).toEqual({ ...money.payment, status: 'reversed' });
    const pledge = await t.http().get(`/v1/pledges/${money.pledge.id}`).set(f.auth());
    expect(pledge.body).toMatchObject({ status: 'confirmed', paidAmount: '0.00' });
  });

  it('writes a pledge off at once: 200 with the written-off pledge', async () => {
    const money = await paidPledge(f);
    const response = await f.stateChange(`/v1/pledges/${money.pledge.id}/write-off`, WRITE_OFF);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(PLEDGE_FIELDS);
    expect(response.body).toMatchObject({ status: 'written_off', writtenOffAmount: '600.00' });
  });

  it('opens no approval request', async () => {
    const list = await t.http().get('/v1/approval-requests').set(f.auth());
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [], nextCursor: null });
  });
});
