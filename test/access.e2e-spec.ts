// Proves who may call what (SPEC 12): every route refuses a missing key with 401 and a wrong role
// with 403, public routes answer without a key, and a donor key reads only its own donor's data,
// getting 404 for another donor's resources.
import type { Response } from 'supertest';
import { Factories } from './support/factories.js';
import { expectProblem } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Role = 'admin' | 'finance' | 'auditor' | 'donor';
const ROLES: Role[] = ['admin', 'finance', 'auditor', 'donor'];

interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  allowed: Role[];
}

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const ROUTES: Route[] = [
  { method: 'post', path: '/v1/api-keys', allowed: ['admin'] },
  { method: 'get', path: '/v1/api-keys', allowed: ['admin'] },
  { method: 'delete', path: `/v1/api-keys/${UNKNOWN}`, allowed: ['admin'] },
  { method: 'get', path: '/v1/audit-events', allowed: ['auditor'] },
  { method: 'put', path: '/v1/rates/EUR/2026-01-01', allowed: ['finance'] },
  { method: 'get', path: '/v1/rates', allowed: ['admin', 'finance', 'auditor', 'donor'] },
  { method: 'post', path: '/v1/rates/import', allowed: ['finance'] },
  { method: 'post', path: '/v1/donors', allowed: ['finance'] },
  { method: 'get', path: '/v1/donors', allowed: ['admin', 'finance', 'auditor', 'donor'] },
  {
    method: 'get',
    path: `/v1/donors/${UNKNOWN}`,
    allowed: ['admin', 'finance', 'auditor', 'donor'],
  },
  { method: 'post', path: '/v1/pledges', allowed: ['finance'] },
  { method: 'get', path: '/v1/pledges', allowed: ['finance', 'auditor', 'donor'] },
  { method: 'get', path: `/v1/pledges/${UNKNOWN}`, allowed: ['finance', 'auditor', 'donor'] },
  { method: 'post', path: `/v1/pledges/${UNKNOWN}/confirm`, allowed: ['finance'] },
  { method: 'post', path: `/v1/pledges/${UNKNOWN}/cancel`, allowed: ['finance'] },
  { method: 'post', path: `/v1/pledges/${UNKNOWN}/write-off`, allowed: ['finance'] },
  { method: 'post', path: '/v1/payments', allowed: ['finance'] },
  { method: 'get', path: '/v1/payments', allowed: ['finance', 'auditor', 'donor'] },
  { method: 'get', path: `/v1/payments/${UNKNOWN}`, allowed: ['finance', 'auditor', 'donor'] },
  { method: 'post', path: `/v1/payments/${UNKNOWN}/reverse`, allowed: ['finance'] },
  // Four-eyes control (decision 0015): finance decides, finance and auditors read.
  { method: 'get', path: '/v1/approval-requests', allowed: ['finance', 'auditor'] },
  { method: 'get', path: `/v1/approval-requests/${UNKNOWN}`, allowed: ['finance', 'auditor'] },
  { method: 'post', path: `/v1/approval-requests/${UNKNOWN}/approve`, allowed: ['finance'] },
  { method: 'post', path: `/v1/approval-requests/${UNKNOWN}/reject`, allowed: ['finance'] },
  {
    method: 'get',
    path: '/v1/receipts/UNFSSC-2026-999999',
    allowed: ['finance', 'auditor', 'donor'],
  },
  { method: 'get', path: '/v1/ledger/entries', allowed: ['finance', 'auditor'] },
  { method: 'get', path: '/v1/ledger/verify', allowed: ['auditor'] },
  { method: 'get', path: '/v1/exports/iati?year=2009', allowed: ['finance', 'auditor'] },
  { method: 'get', path: '/v1/reports/contributions', allowed: ['finance', 'auditor', 'donor'] },
  { method: 'get', path: '/v1/reports/fund-status', allowed: ['finance', 'auditor'] },
  {
    method: 'get',
    path: '/v1/reports/travel-support?conference=NAIROBI-2009',
    allowed: ['finance', 'auditor'],
  },
  { method: 'get', path: '/v1/reports/trial-balance', allowed: ['finance', 'auditor'] },
  // Travel support (SPEC 10, 12): admin keeps conferences, any key reads them and the countries,
  // finance records requests, runs and releases, auditors read what finance wrote.
  { method: 'post', path: '/v1/conferences', allowed: ['admin'] },
  { method: 'get', path: '/v1/conferences', allowed: ['admin', 'finance', 'auditor', 'donor'] },
  {
    method: 'get',
    path: '/v1/conferences/NAIROBI-2009',
    allowed: ['admin', 'finance', 'auditor', 'donor'],
  },
  // An unknown code, so that the admin's PATCH answers 404 and changes nothing.
  { method: 'patch', path: '/v1/conferences/NO-SUCH-CONFERENCE', allowed: ['admin'] },
  { method: 'get', path: '/v1/countries', allowed: ['admin', 'finance', 'auditor', 'donor'] },
  { method: 'post', path: '/v1/conferences/NAIROBI-2009/travel-requests', allowed: ['finance'] },
  {
    method: 'get',
    path: '/v1/conferences/NAIROBI-2009/travel-requests',
    allowed: ['finance', 'auditor'],
  },
  { method: 'post', path: '/v1/conferences/NAIROBI-2009/allocation-runs', allowed: ['finance'] },
  {
    method: 'get',
    path: '/v1/conferences/NAIROBI-2009/allocations',
    allowed: ['finance', 'auditor'],
  },
  { method: 'post', path: `/v1/allocations/${UNKNOWN}/release`, allowed: ['finance'] },
];

describe('access', () => {
  let t: TestApp;
  let f: Factories;
  const keys = {} as Record<Role, string>;
  let own: {
    donor: { id: string };
    pledge: Record<string, string>;
    payment: Record<string, string>;
  };
  let other: {
    donor: { id: string };
    pledge: Record<string, string>;
    payment: Record<string, string>;
  };

  // Counted for the CI log (issue 7 asks each suite to print what it did).
  const statuses = new Map<number, number>();
  const count = async (request: Promise<Response>): Promise<Response> => {
    const response = await request;
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    return response;
  };

  const call = (route: Route, key?: string) => {
    const request = t.http()[route.method](route.path);
    if (key) request.set('Authorization', `Bearer ${key}`);
    // Writes (POST, PUT, PATCH) carry an empty JSON body; reads and deletes carry none.
    return count(route.method === 'get' || route.method === 'delete' ? request : request.send({}));
  };

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
    const makeDonorWithMoney = async () => {
      const donor = await f.donor();
      const pledge = await f.pledge({
        donorId: donor.id,
        currency: 'USD',
        amount: '1000.00',
        pledgedOn: '2026-01-01',
        confirmedOn: '2026-01-02',
      });
      const payment = await f.pay({
        donorId: donor.id,
        pledgeId: pledge.id,
        currency: 'USD',
        amount: '400.00',
        receivedOn: '2026-01-03',
      });
      return { donor, pledge, payment };
    };
    own = await makeDonorWithMoney();
    other = await makeDonorWithMoney();
    keys.admin = t.adminKey;
    keys.finance = f.financeKey;
    keys.auditor = await t.createKey('auditor');
    keys.donor = await t.createKey('donor', own.donor.id);
  });
  afterAll(async () => {
    const sent = [...statuses.values()].reduce((sum, n) => sum + n, 0);
    const by = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    console.log(
      `access: ${ROUTES.length} routes × (no key + ${ROLES.length} roles), donor scoping on ` +
        `donors, pledges, payments, receipts and lists: ${sent} requests, ${by.join(' ')}, ` +
        `5xx seen: ${[...statuses].reduce((sum, [status, n]) => sum + (status >= 500 ? n : 0), 0)}`,
    );
    await t?.close();
  });

  describe.each(ROUTES)('$method $path', (route) => {
    it('answers 401 without a key', async () => {
      expectProblem(await call(route), 401, 'UNAUTHENTICATED');
    });

    it.each(ROLES)('lets %s through only if the route names it', async (role) => {
      const response = await call(route, keys[role]);
      if (route.allowed.includes(role)) {
        expect([401, 403]).not.toContain(response.status);
        expect(response.status).toBeLessThan(500);
      } else {
        expectProblem(response, 403, 'FORBIDDEN');
      }
    });
  });

  describe('public routes', () => {
    it.each(['/health/live', '/health/ready', '/openapi.json', '/v1/public/signing-keys'])(
      '%s answers without a key',
      async (path) => {
        expect((await t.http().get(path)).status).toBe(200);
      },
    );

    it('serves a receipt by its verification code without a key', async () => {
      const receipt = await t
        .http()
        .get(`/v1/receipts/${own.payment.receiptNumber}`)
        .set('Authorization', `Bearer ${keys.finance}`);
      const code = receipt.body.receipt.verificationCode;
      const open = await t.http().get(`/v1/public/receipts/${code}`);
      expect(open.status).toBe(200);
      expect(open.body.receipt.number).toBe(own.payment.receiptNumber);
    });
  });

  describe('a donor key', () => {
    const asDonor = (path: string) =>
      count(t.http().get(path).set('Authorization', `Bearer ${keys.donor}`));

    it('reads its own donor, pledge, payment and receipt', async () => {
      expect((await asDonor(`/v1/donors/${own.donor.id}`)).status).toBe(200);
      expect((await asDonor(`/v1/pledges/${own.pledge.id}`)).body.id).toBe(own.pledge.id);
      expect((await asDonor(`/v1/payments/${own.payment.id}`)).body.id).toBe(own.payment.id);
      expect(
        (await asDonor(`/v1/receipts/${own.payment.receiptNumber}`)).body.receipt.donorId,
      ).toBe(own.donor.id);
    });

    it("gets 404 for another donor's donor, pledge, payment and receipt", async () => {
      expectProblem(await asDonor(`/v1/donors/${other.donor.id}`), 404, 'NOT_FOUND');
      expectProblem(await asDonor(`/v1/pledges/${other.pledge.id}`), 404, 'NOT_FOUND');
      expectProblem(await asDonor(`/v1/payments/${other.payment.id}`), 404, 'NOT_FOUND');
      expectProblem(await asDonor(`/v1/receipts/${other.payment.receiptNumber}`), 404, 'NOT_FOUND');
    });

    it('sees only its own rows in every list, even when it filters by another donor', async () => {
      const donors = await asDonor('/v1/donors');
      expect(donors.body.items.map((d: { id: string }) => d.id)).toEqual([own.donor.id]);
      for (const path of ['/v1/pledges', '/v1/payments']) {
        const mine = await asDonor(path);
        expect(mine.body.items.length).toBeGreaterThan(0);
        expect(
          mine.body.items.every((item: { donorId: string }) => item.donorId === own.donor.id),
        ).toBe(true);
        const theirs = await asDonor(`${path}?donorId=${other.donor.id}`);
        expect(theirs.body.items).toEqual([]);
      }
    });

    it('is refused at once when revoked', async () => {
      const key = await t.createKey('donor', own.donor.id);
      const listed = await t
        .http()
        .get('/v1/api-keys?limit=500')
        .set('Authorization', `Bearer ${keys.admin}`);
      const id = listed.body.items.at(-1).id;
      expect((await t.http().get('/v1/pledges').set('Authorization', `Bearer ${key}`)).status).toBe(
        200,
      );
      await t.http().delete(`/v1/api-keys/${id}`).set('Authorization', `Bearer ${keys.admin}`);
      expectProblem(
        await t.http().get('/v1/pledges').set('Authorization', `Bearer ${key}`),
        401,
        'UNAUTHENTICATED',
      );
    });
  });
});
