// Proves the rate limits counted in PostgreSQL (src/auth/rate-limits.ts) and the fast path of the
// public receipt route (src/receipts/public-receipt.fast-path.ts): the fast path answers exactly
// what the authenticated route answers, with the framework's headers and problem documents;
// `/v1/public/*` is limited per client address and minute, whichever path serves the request;
// once an address has used up its failed authentications of the minute, every further failure
// from it is answered 429 while valid keys are still served (decision 0018); the counts hold
// across two API processes on one database; and 0 turns a limit off.
import { randomUUID } from 'node:crypto';
import type { Response, Test } from 'supertest';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#src/config/config.js';
import { ReceiptsService } from '#src/receipts/receipts.service.js';
import { Factories } from './support/factories.js';
import { expectProblem } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PUBLIC_LIMIT = 5;
const FAILED_AUTH_LIMIT = 3;
const LIMITED = {
  RATE_LIMIT_PUBLIC_PER_MINUTE: String(PUBLIC_LIMIT),
  RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(FAILED_AUTH_LIMIT),
  TRUST_PROXY: 'true',
};

/** What helmet() sets by default; the fast path must set each as the framework does. */
const HELMET_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

interface View {
  receipt: { number: string; verificationCode: string };
}

/** Every response this file receives, so the run can say how many were refused and how. */
const seen = { sent: 0, tooMany: 0, serverErrors: 0 };

async function counted(request: Test): Promise<Response> {
  const response = await request;
  seen.sent += 1;
  if (response.status === 429) seen.tooMany += 1;
  if (response.status >= 500) seen.serverErrors += 1;
  expect(response.status).toBeLessThan(500);
  return response;
}

/**
 * Limits count in fixed windows of one calendar minute. A scenario takes a few seconds, so
 * starting it at most 40 s into a minute (waiting for the next one otherwise) keeps all of its
 * requests in one window; without it a run that straddles a minute would see counts reset.
 */
async function freshWindow(): Promise<void> {
  const now = new Date();
  const secondsIn = now.getUTCSeconds() + now.getUTCMilliseconds() / 1000;
  if (secondsIn > 40) await new Promise((done) => setTimeout(done, (60 - secondsIn) * 1000 + 250));
}

/** A client address of its own per scenario (TRUST_PROXY=true lets X-Forwarded-For name it). */
let lastAddress = 0;
const nextAddress = (): string => `198.51.100.${++lastAddress}`;

function expectRetryAfter(response: Response): number {
  expectProblem(response, 429, 'TOO_MANY_REQUESTS');
  const header = String(response.headers['retry-after']);
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  // Until the minute ends, by the database's clock, which is this machine's give or take a second.
  const now = new Date();
  const left = 60 - now.getUTCSeconds() - now.getUTCMilliseconds() / 1000;
  expect(Math.abs(seconds - left)).toBeLessThanOrEqual(3);
  return seconds;
}

afterAll(() => {
  console.log(
    `rate limits: ${seen.sent} requests sent, ${seen.tooMany} answered 429, ${seen.serverErrors} answered 5xx`,
  );
  expect(seen.serverErrors).toBe(0);
});

/** A payment with its receipt, and the receipt as the authenticated route answers it. */
async function receiptOf(t: TestApp, f: Factories): Promise<{ code: string; view: unknown }> {
  const donor = await f.donor();
  const payment = await f.pay({
    donorId: donor.id,
    currency: 'EUR',
    amount: '1250.00',
    receivedOn: '2026-01-15',
    earmark: 'unearmarked',
    bankReference: `MT103 ${randomUUID().slice(0, 8)}`,
  });
  return viewOf(t, f, payment.receiptNumber);
}

async function viewOf(
  t: TestApp,
  f: Factories,
  number: string,
): Promise<{ code: string; view: unknown }> {
  const response = await t.http().get(`/v1/receipts/${number}`).set(f.auth());
  expect(response.status).toBe(200);
  return { code: response.body.receipt.verificationCode as string, view: response.body };
}

describe('rate limits and the public receipt fast path', () => {
  let t: TestApp;
  let f: Factories;
  let issued: { code: string; view: unknown };
  let cancelled: { code: string; view: unknown };

  const get = (path: string, address: string) =>
    counted(t.http().get(path).set('X-Forwarded-For', address));
  const withKey = (app: TestApp, address: string, key: string, path = '/v1/donors') =>
    counted(
      app.http().get(path).set('X-Forwarded-For', address).set('Authorization', `Bearer ${key}`),
    );
  /** This minute's rows of `bucket` in rate_limit_hits. */
  const hitsOf = (bucket: string) =>
    t.sql<{ hits: number }>(
      `SELECT hits FROM rate_limit_hits WHERE bucket = $1 AND window_start = date_trunc('minute', now())`,
      [bucket],
    );

  beforeAll(async () => {
    t = await startTestApp(LIMITED);
    f = await Factories.create(t);
    await f.rate('EUR', '2026-01-01', '1.0850');
    issued = await receiptOf(t, f);
    const donor = await f.donor();
    const payment = await f.pay({
      donorId: donor.id,
      currency: 'EUR',
      amount: '300.00',
      receivedOn: '2026-01-20',
      earmark: 'unearmarked',
    });
    await f.reverse(payment.id, '2026-01-21');
    cancelled = await viewOf(t, f, payment.receiptNumber);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  describe('the fast path', () => {
    it('answers 200 with exactly the body of the authenticated route, headers included', async () => {
      await freshWindow();
      const verify = jest.spyOn(t.running.app.get(ReceiptsService), 'verifyPublic');
      const address = nextAddress();
      const response = await counted(
        t
          .http()
          .get(`/v1/public/receipts/${issued.code}`)
          .set('X-Forwarded-For', address)
          .set('X-Request-Id', 'support-desk.4711'),
      );
      expect(response.status).toBe(200);
      expect(response.body).toStrictEqual(issued.view);
      expect(response.headers['content-type']).toMatch(/^application\/json\b/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(response.headers['x-request-id']).toBe('support-desk.4711');
      // The same security headers, with the same values, as the app's helmet gives Nest's routes.
      const framework = await t
        .http()
        .get(`/v1/receipts/${(issued.view as View).receipt.number}`)
        .set(f.auth());
      for (const name of HELMET_HEADERS) {
        expect({ name, value: framework.headers[name] }).toEqual({
          name,
          value: expect.any(String),
        });
        expect({ name, value: response.headers[name] }).toEqual({
          name,
          value: framework.headers[name],
        });
      }
      // The listener in front of Express answered, not the Nest route.
      expect(verify).toHaveBeenCalledWith(issued.code, address);

      const cancelledResponse = await get(`/v1/public/receipts/${cancelled.code}`, address);
      expect(cancelledResponse.body).toStrictEqual(cancelled.view);
      expect(cancelledResponse.body).toMatchObject({
        status: 'cancelled',
        cancelledAt: expect.stringMatching(/Z$/),
      });
      verify.mockRestore();
    });

    it('replaces a malformed X-Request-Id with one of its own', async () => {
      await freshWindow();
      const response = await counted(
        t
          .http()
          .get(`/v1/public/receipts/${issued.code}`)
          .set('X-Forwarded-For', nextAddress())
          .set('X-Request-Id', 'not a valid id; has spaces'),
      );
      expect(response.status).toBe(200);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('verifies a code typed in lower case, with hyphens or spaces, and O/I/L misread', async () => {
      await freshWindow();
      const address = nextAddress();
      const code = issued.code;
      const typed = [
        code.toLowerCase(),
        `${code.slice(0, 5)}-${code.slice(5, 10)}-${code.slice(10, 15)}-${code.slice(15)}`,
        encodeURIComponent(`${code.slice(0, 10).toLowerCase()} ${code.slice(10)}`),
        code.replace(/0/g, 'o').replace(/1/g, 'l'),
      ];
      for (const variant of typed) {
        const response = await get(`/v1/public/receipts/${variant}`, address);
        expect({ variant, status: response.status }).toEqual({ variant, status: 200 });
        expect(response.body).toStrictEqual(issued.view);
      }
    });

    it('answers 404 problem+json for an unknown or impossible code', async () => {
      await freshWindow();
      const address = nextAddress();
      const unknown = '0123456789ABCDEFGHJK';
      expect(unknown).not.toBe(issued.code);
      const notFound = expectProblem(
        await counted(
          t
            .http()
            .get(`/v1/public/receipts/${unknown}`)
            .set('X-Forwarded-For', address)
            .set('X-Request-Id', 'nf-1'),
        ),
        404,
        'NOT_FOUND',
      );
      expect(notFound).toMatchObject({
        instance: `/v1/public/receipts/${unknown}`,
        requestId: 'nf-1',
      });
      for (const code of ['short', 'U'.repeat(20), '%2F..%2Fetc', 'x'.repeat(300)]) {
        expectProblem(await get(`/v1/public/receipts/${code}`, address), 404, 'NOT_FOUND');
      }
      // The Nest route (reached here through Express's case-insensitive matching) says the same.
      const framework = expectProblem(
        await get(`/v1/public/Receipts/${unknown}`, nextAddress()),
        404,
        'NOT_FOUND',
      );
      const { instance: _a, requestId: _b, ...fastPathRest } = notFound;
      const { instance: _c, requestId: _d, ...frameworkRest } = framework;
      expect(fastPathRest).toStrictEqual(frameworkRest);
    });

    it('takes a query string in its stride and leaves HEAD to the framework', async () => {
      await freshWindow();
      const verify = jest.spyOn(t.running.app.get(ReceiptsService), 'verifyPublic');
      const address = nextAddress();
      const withQuery = await get(`/v1/public/receipts/${issued.code}?utm_source=paper`, address);
      expect(withQuery.status).toBe(200);
      expect(withQuery.body).toStrictEqual(issued.view);
      expect(verify).toHaveBeenCalledTimes(1);

      const head = await counted(
        t.http().head(`/v1/public/receipts/${issued.code}`).set('X-Forwarded-For', address),
      );
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toMatch(/^application\/json\b/);
      expect(head.headers['x-content-type-options']).toBe('nosniff');
      expect(head.text ?? '').toBe('');
      const headUnknown = await counted(
        t.http().head('/v1/public/receipts/0123456789ABCDEFGHJK').set('X-Forwarded-For', address),
      );
      expect(headUnknown.status).toBe(404);
      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockRestore();
    });

    it('refuses a code that is not valid percent-encoding with a 4xx problem, never a 5xx', async () => {
      await freshWindow();
      const address = nextAddress();
      for (const path of [
        '/v1/public/receipts/%E0%A4%A',
        '/v1/public/receipts/%E0%A4%A?x=1',
        '/v1/public/receipts/%ZZ',
        '/v1/public/receipts/%',
        '/v1/public/receipts/%ED%A0%80',
      ]) {
        const response = await get(path, address);
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expectProblem(response, 400, 'VALIDATION_FAILED');
      }
    });
  });

  describe('the public limit', () => {
    it('refuses the request over the limit with 429 and Retry-After, on both public routes', async () => {
      await freshWindow();
      const address = nextAddress();
      const paths = [
        `/v1/public/receipts/${issued.code}`,
        '/v1/public/signing-keys',
        `/v1/public/receipts/${issued.code}`,
        '/v1/public/receipts/0123456789ABCDEFGHJK',
        '/v1/public/signing-keys',
      ];
      expect(paths).toHaveLength(PUBLIC_LIMIT);
      const statuses = [];
      for (const path of paths) statuses.push((await get(path, address)).status);
      expect(statuses).toEqual([200, 200, 200, 404, 200]);

      const refused = await counted(
        t
          .http()
          .get(`/v1/public/receipts/${issued.code}`)
          .set('X-Forwarded-For', address)
          .set('X-Request-Id', 'limited-1'),
      );
      expectRetryAfter(refused);
      expect(refused.headers['x-request-id']).toBe('limited-1');
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
      expect(refused.body).toMatchObject({ requestId: 'limited-1' });
      expect(refused.body).not.toHaveProperty('receipt');

      expectRetryAfter(await get('/v1/public/signing-keys', address));
      expectRetryAfter(await get('/v1/public/receipts/0123456789ABCDEFGHJK', address));
      const head = await counted(
        t.http().head(`/v1/public/receipts/${issued.code}`).set('X-Forwarded-For', address),
      );
      expect(head.status).toBe(429);
      expect(String(head.headers['retry-after'])).toMatch(/^([1-9]|[1-5]\d|60)$/);

      // Health and documents are not limited, and nor is anyone else.
      expect((await get('/health/live', address)).status).toBe(200);
      expect((await get('/openapi.json', address)).status).toBe(200);
      const other = await get(`/v1/public/receipts/${issued.code}`, nextAddress());
      expect(other.status).toBe(200);
      expect(other.body).toStrictEqual(issued.view);
    });

    it('counts HEAD requests and query strings like any other', async () => {
      await freshWindow();
      const address = nextAddress();
      for (let i = 0; i < 3; i++) {
        const head = await counted(
          t.http().head(`/v1/public/receipts/${issued.code}`).set('X-Forwarded-For', address),
        );
        expect(head.status).toBe(200);
      }
      expect((await get(`/v1/public/receipts/${issued.code}?a=1`, address)).status).toBe(200);
      expect((await get('/v1/public/signing-keys?a=1', address)).status).toBe(200);
      expectRetryAfter(await get(`/v1/public/receipts/${issued.code}?a=2`, address));
    });

    it('cannot be dodged by changing the case or the shape of the path', async () => {
      await freshWindow();
      const address = nextAddress();
      const paths = [
        `/V1/PUBLIC/RECEIPTS/${issued.code}`,
        '/v1/Public/Signing-Keys',
        `/v1/public/receipts/${issued.code}/`,
        '/v1/public/signing-keys/',
        `/v1/public/Receipts/${issued.code}`,
      ];
      for (const path of paths) {
        const response = await get(path, address);
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
      }
      for (const path of [...paths, `/v1/public/receipts/${issued.code}`]) {
        const response = await get(path, address);
        expect({ path, status: response.status }).toEqual({ path, status: 429 });
        expectRetryAfter(response);
      }
    });

    it('lets exactly the limit through in a concurrent burst', async () => {
      await freshWindow();
      const address = nextAddress();
      const statuses = await Promise.all(
        Array.from({ length: 4 * PUBLIC_LIMIT }, async (_, i) => {
          const path = i % 2 ? '/v1/public/signing-keys' : `/v1/public/receipts/${issued.code}`;
          return (await get(path, address)).status;
        }),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(PUBLIC_LIMIT);
      expect(statuses.filter((status) => status === 429)).toHaveLength(3 * PUBLIC_LIMIT);
    });

    it('is counted in PostgreSQL per address named by X-Forwarded-For', async () => {
      await freshWindow();
      const address = nextAddress();
      expect((await get('/v1/public/signing-keys', address)).status).toBe(200);
      expect((await get('/v1/public/signing-keys', `${address}, 10.0.0.1, 10.0.0.2`)).status).toBe(
        200,
      );
      expect(await hitsOf(`public:${address}`)).toEqual([{ hits: 2 }]);
    });
  });

  describe('failed authentications', () => {
    let revokedKey: string;
    let auditorKey: string;

    beforeAll(async () => {
      const created = await t
        .http()
        .post('/v1/api-keys')
        .set('Authorization', `Bearer ${t.adminKey}`)
        .send({ name: 'to be revoked', role: 'auditor' });
      expect(created.status).toBe(201);
      revokedKey = created.body.key as string;
      const revoked = await t
        .http()
        .delete(`/v1/api-keys/${created.body.id as string}`)
        .set('Authorization', `Bearer ${t.adminKey}`);
      expect(revoked.status).toBe(200);
      auditorKey = await t.createKey('auditor');
    });

    const countOf = async (table: string) =>
      Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
    const auditCount = () => countOf('audit_events');
    const donorCount = () => countOf('donors');
    const failuresOf = async (address: string) => (await hitsOf(`auth:${address}`))[0]?.hits;

    it('answers 401 until the limit, then 429 to every further failure from that address only', async () => {
      await freshWindow();
      const address = nextAddress();
      const wrongKey = `${f.financeKey.slice(0, -4)}AAAA`;
      expectProblem(await withKey(t, address, wrongKey), 401, 'UNAUTHENTICATED');
      // Requests without a key are refused but do not count: were they counted, the next two
      // failures would already be over the limit.
      for (let i = 0; i < 5; i++) {
        expectProblem(await get('/v1/donors', address), 401, 'UNAUTHENTICATED');
      }
      expectProblem(await withKey(t, address, 'not-a-key-at-all'), 401, 'UNAUTHENTICATED');
      expectProblem(await withKey(t, address, revokedKey), 401, 'UNAUTHENTICATED');

      const before = { audit: await auditCount(), donors: await donorCount() };
      for (const key of [wrongKey, 'not-a-key-at-all', revokedKey]) {
        const refused = await withKey(t, address, key);
        expectRetryAfter(refused);
        expect(refused.body.detail).toMatch(/failed authentications/);
      }
      const write = await counted(
        t
          .http()
          .post('/v1/donors')
          .set('X-Forwarded-For', address)
          .set('Authorization', `Bearer ${wrongKey}`)
          .send({ name: `Refused ${randomUUID().slice(0, 8)}`, type: 'ngo' }),
      );
      expectRetryAfter(write);
      // A refused request writes nothing: no audit event, no donor, not even one more failure.
      expect({ audit: await auditCount(), donors: await donorCount() }).toEqual(before);
      expect(await failuresOf(address)).toBe(FAILED_AUTH_LIMIT);

      // Decision 0018: a valid key from the address is still served, so that bad keys sent from a
      // shared address cannot lock everyone behind it out. No key is still 401, public routes
      // still answer, and another address has a count of its own.
      expect((await withKey(t, address, f.financeKey)).status).toBe(200);
      expect((await withKey(t, address, auditorKey, '/v1/audit-events')).status).toBe(200);
      expectProblem(await get('/v1/donors', address), 401, 'UNAUTHENTICATED');
      expect((await get('/v1/public/signing-keys', address)).status).toBe(200);
      const elsewhere = nextAddress();
      expectProblem(await withKey(t, elsewhere, wrongKey), 401, 'UNAUTHENTICATED');
      expect((await withKey(t, elsewhere, f.financeKey)).status).toBe(200);
    });

    it('answers exactly the limit of 401s to a concurrent burst of wrong keys', async () => {
      await freshWindow();
      const address = nextAddress();
      const statuses = await Promise.all(
        Array.from(
          { length: 8 * FAILED_AUTH_LIMIT },
          async (_, i) => (await withKey(t, address, `guess-${i}`)).status,
        ),
      );
      expect(statuses.filter((status) => status === 401)).toHaveLength(FAILED_AUTH_LIMIT);
      expect(statuses.filter((status) => status === 429)).toHaveLength(7 * FAILED_AUTH_LIMIT);
      expectRetryAfter(await withKey(t, address, 'one-guess-more'));
      expect((await withKey(t, address, f.financeKey)).status).toBe(200);
    });

    it('never counts a valid key', async () => {
      await freshWindow();
      const address = nextAddress();
      for (let i = 0; i < FAILED_AUTH_LIMIT * 3; i++) {
        expect((await withKey(t, address, f.financeKey)).status).toBe(200);
      }
      expectProblem(await withKey(t, address, 'wrong'), 401, 'UNAUTHENTICATED');
      expect((await withKey(t, address, f.financeKey)).status).toBe(200);
    });
  });

  describe('across API processes', () => {
    // The embedded database is opened by one process only, so there is no second process to ask.
    const onServer = Boolean(process.env.TEST_DATABASE_URL);
    const itOnServer = onServer ? it : it.skip;

    if (!onServer) {
      console.log(
        'rate limits across processes: skipped, TEST_DATABASE_URL is unset and the embedded database serves one process',
      );
    }

    let b: TestApp;
    beforeAll(async () => {
      if (!onServer) return;
      const options = t.running.app.get(DataSource).options as { url?: string };
      const config = t.running.app.get<symbol, AppConfig>(APP_CONFIG);
      expect(options.url).toMatch(/^postgres/);
      b = await startTestApp({
        ...LIMITED,
        DATABASE_URL: options.url!,
        DATA_DIR: config.dataDir,
      });
    });
    afterAll(async () => {
      if (onServer) await b.close();
    });

    itOnServer('adds up the public hits of both processes', async () => {
      await freshWindow();
      const address = nextAddress();
      const on = (app: TestApp, path: string) =>
        counted(app.http().get(path).set('X-Forwarded-For', address));
      const apps = [t, b, t, b, b];
      expect(apps).toHaveLength(PUBLIC_LIMIT);
      for (const [i, app] of apps.entries()) {
        const response = await on(app, `/v1/public/receipts/${issued.code}`);
        expect({ i, status: response.status }).toEqual({ i, status: 200 });
        expect(response.body).toStrictEqual(issued.view);
      }
      expectRetryAfter(await on(t, `/v1/public/receipts/${issued.code}`));
      expectRetryAfter(await on(b, '/v1/public/signing-keys'));
      expect((await b.http().get('/v1/public/signing-keys')).status).toBe(200);
    });

    itOnServer('adds up the failed authentications of both processes', async () => {
      await freshWindow();
      const address = nextAddress();
      expectProblem(await withKey(t, address, 'wrong-1'), 401, 'UNAUTHENTICATED');
      expectProblem(await withKey(b, address, 'wrong-2'), 401, 'UNAUTHENTICATED');
      expectProblem(await withKey(b, address, 'wrong-3'), 401, 'UNAUTHENTICATED');
      expectRetryAfter(await withKey(t, address, 'wrong-4'));
      expectRetryAfter(await withKey(b, address, 'wrong-5'));
      expect((await withKey(t, address, f.financeKey)).status).toBe(200);
      expect((await withKey(b, address, f.financeKey)).status).toBe(200);
    });
  });
});

describe('limits set to 0', () => {
  let t: TestApp;
  let code: string;

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
      RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '0',
      TRUST_PROXY: 'true',
    });
    const f = await Factories.create(t);
    await f.rate('EUR', '2026-01-01', '1.0850');
    code = (await receiptOf(t, f)).code;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('never refuses, and counts nothing', async () => {
    const address = nextAddress();
    const get = (path: string, key?: string) => {
      const request = t.http().get(path).set('X-Forwarded-For', address);
      return counted(key === undefined ? request : request.set('Authorization', `Bearer ${key}`));
    };
    for (let i = 0; i < 30; i++) {
      const path = i % 3 === 2 ? '/v1/public/signing-keys' : `/v1/public/receipts/${code}`;
      expect({ i, status: (await get(path)).status }).toEqual({ i, status: 200 });
    }
    expect((await get('/v1/public/receipts/0123456789ABCDEFGHJK')).status).toBe(404);
    for (let i = 0; i < 30; i++) {
      expectProblem(await get('/v1/donors', `wrong-${i}`), 401, 'UNAUTHENTICATED');
    }
    expect((await get('/v1/donors', t.adminKey)).status).toBe(200);
    expect(await t.sql('SELECT * FROM rate_limit_hits')).toEqual([]);
  });
});
