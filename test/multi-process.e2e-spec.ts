// Proves that coordination lives in PostgreSQL, not in a process: two API processes on one
// database, taking concurrent payments against shared pledges and concurrent allocation commits,
// keep the journal gap-free and valid, receipts gap-free, no pledge overpaid and no budget
// overspent. It needs a real PostgreSQL (TEST_DATABASE_URL); the embedded one serves one process.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const serverUrl = process.env.TEST_DATABASE_URL;
const describeWithServer = serverUrl ? describe : describe.skip;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

interface Api {
  process: ChildProcess;
  base: string;
  output: string[];
}

async function startApi(env: Record<string, string>): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return { process: child, base, output };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`API did not become ready: ${output.join('')}`);
}

describeWithServer('two API processes on one PostgreSQL', () => {
  const name = `ledger_multi_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'unfssc-multi-'));
  let apis: Api[] = [];
  let db: pg.Client;
  let finance = '';
  let admin = '';

  const call = async (
    api: Api,
    method: string,
    path: string,
    body?: unknown,
    key = finance,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${api.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // The bodies are read loosely here; each assertion names the fields it relies on.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    const admin_ = new pg.Client({ connectionString: serverUrl });
    await admin_.connect();
    await admin_.query(`CREATE DATABASE ${name}`);
    await admin_.end();
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    const env = { DATABASE_URL: url.toString(), DATA_DIR: dataDir };
    // Both start at once: migrations and the bootstrap key take turns on advisory locks.
    apis = await Promise.all([startApi(env), startApi(env)]);
    const banner = apis.map((api) => api.output.join('')).join('\n');
    const keys = [...banner.matchAll(/Admin API key: (\S+)/g)].map((m) => m[1]);
    expect(keys).toHaveLength(1);
    admin = keys[0];
    finance = (
      await call(apis[0], 'POST', '/v1/api-keys', { name: 'finance', role: 'finance' }, admin)
    ).body.key;
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
  });

  afterAll(async () => {
    for (const api of apis) api.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await db?.end();
    const admin_ = new pg.Client({ connectionString: serverUrl });
    await admin_.connect();
    await admin_.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin_.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every invariant under concurrent payments and allocation commits from both', async () => {
    const [a, b] = apis;
    const donor = (await call(a, 'POST', '/v1/donors', { name: 'Shared donor', type: 'ngo' })).body;
    const pledge = (
      await call(
        a,
        'POST',
        '/v1/pledges',
        {
          donorId: donor.id,
          currency: 'USD',
          amount: '20000.00',
          earmark: 'participation:NAIROBI-2009',
          status: 'confirmed',
          pledgedOn: '2009-09-01',
          confirmedOn: '2009-09-02',
        },
        finance,
        { 'Idempotency-Key': randomUUID() },
      )
    ).body;

    // 60 payments of 500.00 against a pledge of 20,000.00, alternating processes: 40 fit.
    const payments = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call(
          i % 2 ? a : b,
          'POST',
          '/v1/payments',
          {
            donorId: donor.id,
            pledgeId: pledge.id,
            currency: 'USD',
            amount: '500.00',
            receivedOn: '2009-09-10',
          },
          finance,
          { 'Idempotency-Key': randomUUID() },
        ),
      ),
    );
    expect(payments.filter((p) => p.status === 201)).toHaveLength(40);
    expect(payments.every((p) => p.status === 201 || p.status === 409 || p.status === 422)).toBe(
      true,
    );

    // Travel: budget = 20,000.00 cash − 8% PSC = 18,400.00; 30 requests costing 700.00 each, one delegate.
    await call(
      a,
      'PATCH',
      '/v1/conferences/NAIROBI-2009',
      {
        nominationDeadline: '2009-11-06',
        dsaRateUsd: '0.00',
        dsaNights: 0,
        terminalExpensesUsd: '0.00',
        maxDelegatesLdc: 1,
        maxDelegatesOther: 1,
      },
      admin,
    );
    const countries = (
      await db.query(
        `SELECT alpha3 FROM countries c WHERE EXISTS (SELECT 1 FROM grouping_memberships g WHERE g.alpha3 = c.alpha3 AND g.joined_on <= '2009-12-01' AND (g.left_on IS NULL OR g.left_on > '2009-12-01')) ORDER BY alpha3 LIMIT 30`,
      )
    ).rows.map((r: { alpha3: string }) => r.alpha3);
    for (const [i, countryCode] of countries.entries()) {
      const created = await call(
        i % 2 ? a : b,
        'POST',
        '/v1/conferences/NAIROBI-2009/travel-requests',
        {
          countryCode,
          nominatedOn: '2009-10-01',
          nominationReference: `REF-${i}`,
          delegates: [{ name: `Delegate ${i}`, airfareUsd: '700.00' }],
        },
      );
      expect(created.status).toBe(201);
    }
    const commits = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(i % 2 ? a : b, 'POST', '/v1/conferences/NAIROBI-2009/allocation-runs', {
          mode: 'commit',
          effectiveOn: '2009-11-16',
        }),
      ),
    );
    expect(commits.every((c) => c.status === 201)).toBe(true);

    const [{ obligated, delegates }] = (
      await db.query(
        `SELECT COALESCE(sum(amount_usd), 0)::text AS obligated, count(*)::int AS delegates FROM allocations`,
      )
    ).rows;
    // 18,400.00 / 700.00 = 26.28…: exactly 26 delegates, 18,200.00 obligated, whatever the interleaving.
    expect({ obligated, delegates }).toEqual({ obligated: '18200.00', delegates: 26 });
    const twice = (
      await db.query(`SELECT request_id FROM allocations GROUP BY request_id HAVING count(*) > 1`)
    ).rows;
    expect(twice).toEqual([]);

    const auditor = (
      await call(a, 'POST', '/v1/api-keys', { name: 'auditor', role: 'auditor' }, admin)
    ).body.key;
    const verification = await call(b, 'GET', '/v1/ledger/verify', undefined, auditor);
    expect(verification.body).toMatchObject({ valid: true, firstBrokenSeq: null });
    const [numbering] = (
      await db.query(
        `SELECT count(*)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi FROM journal_entries`,
      )
    ).rows;
    expect(numbering.hi - numbering.lo + 1).toBe(numbering.n);
    const [receipts] = (
      await db.query(
        `SELECT count(*)::int AS n, max(seq)::int AS hi FROM receipts WHERE year = 2009`,
      )
    ).rows;
    expect(receipts).toEqual({ n: 40, hi: 40 });
    const [state] = (
      await db.query(`SELECT status, paid_amount::text AS paid FROM pledges WHERE id = $1`, [
        pledge.id,
      ])
    ).rows;
    expect(state).toEqual({ status: 'paid', paid: '20000' });
  });
});
