// Crash test (issue 7, item 1): under a load of concurrent payment posts the API process is
// killed with SIGKILL, started again, and nothing acknowledged may be lost, nothing half-written
// may remain, the journal chain must verify, receipt numbers must stay gap-free across the crash,
// and retrying every unanswered request with its Idempotency-Key must yield exactly one payment
// per key. It runs against the embedded database (a PGlite data directory) and, when
// TEST_DATABASE_URL is set, against a scratch database on that PostgreSQL server.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { copyPgliteTemplate, ensurePgliteTemplate } from '../global-setup.js';

/** Concurrent request loops posting payments while the process is killed. */
const LOOPS = 16;
/** The kill falls at a random moment within this window after the load starts (ms). */
const KILL_WINDOW: [number, number] = [500, 2_500];
/** Kills per engine, each followed by a restart and the full set of checks. */
const ROUNDS = 3;
/** Every payment is received in this year, so its receipts are numbered 1..N. */
const YEAR = 2025;
const RECEIVED_ON = `${YEAR}-03-10`;

// The bodies are read loosely; each assertion names the fields it relies on.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface Api {
  process: ChildProcess;
  base: string;
  output: string[];
  exited: Promise<void>;
}

interface Engine {
  name: string;
  env: Record<string, string>;
  /** A direct connection for SQL checks (real PostgreSQL only; PGlite serves one client). */
  sql: pg.Client | null;
  cleanup(): Promise<void>;
}

type Outcome =
  | { kind: 'ack'; status: number; body: Json }
  | { kind: 'network'; error: string }
  | { kind: '5xx'; status: number; body: string }
  | { kind: 'other'; status: number; body: string };

interface Attempt {
  key: string;
  body: Json;
  outcome: Outcome;
}

interface Counts {
  requestsSent: number;
  faultsInjected: number;
  paymentsAcknowledged: number;
  networkErrors: number;
  fiveXxSeen: number;
  otherStatuses: number;
  retried: number;
  retriedReplayed: number;
  retriedNew: number;
  payments: number;
  /** The slowest restart after a kill, until /health/ready answered (ms). */
  slowestRestartMs: number;
}

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

/**
 * The API is restarted several times over a minute; a `nest build` running meanwhile (it
 * empties dist/ first) must not pull the binary away between a kill and its restart. So each
 * run starts a private copy of the build: package.json (for the `#src/*` imports) and dist/,
 * with node_modules linked.
 */
function snapshotBuild(): { main: string; remove(): void } {
  const root = process.cwd();
  if (!existsSync(join(root, 'dist/src/main.js')))
    throw new Error('dist/src/main.js is missing: run `nest build` first');
  const copy = mkdtempSync(join(tmpdir(), 'unfssc-crash-build-'));
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return {
    main: join(copy, 'dist/src/main.js'),
    remove: () => rmSync(copy, { recursive: true, force: true }),
  };
}

let build: { main: string; remove(): void };
beforeAll(() => {
  build = snapshotBuild();
});
afterAll(() => build?.remove());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startApi(env: Record<string, string>): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, [build.main], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return { process: child, base, output, exited };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`API did not become ready (exit ${child.exitCode}):\n${output.join('')}`);
}

async function stopApi(api: Api | null, signal: NodeJS.Signals): Promise<void> {
  if (!api || api.process.exitCode !== null || api.process.signalCode !== null) return;
  api.process.kill(signal);
  await Promise.race([api.exited, sleep(10_000)]);
  if (api.process.exitCode === null && api.process.signalCode === null) {
    api.process.kill('SIGKILL');
    await api.exited;
  }
}

async function scratchPostgres(serverUrl: string): Promise<Engine> {
  const name = `ledger_crash_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'unfssc-crash-pg-'));
  const sql = new pg.Client({ connectionString: url.toString() });
  await sql.connect();
  return {
    name: 'PostgreSQL',
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    sql,
    cleanup: async () => {
      await sql.end();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function embeddedPglite(): Promise<Engine> {
  await ensurePgliteTemplate();
  const dataDir = mkdtempSync(join(tmpdir(), 'unfssc-crash-pglite-'));
  copyPgliteTemplate(dataDir);
  return {
    name: 'embedded PGlite',
    env: { DATA_DIR: dataDir },
    sql: null,
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** One engine's whole scenario: set-up, ROUNDS × (load, kill, restart, checks, retries). */
async function crashScenario(engine: Engine): Promise<Counts> {
  let api: Api | null = await startApi(engine.env);
  try {
    const adminKey = /Admin API key: (\S+)/.exec(api.output.join(''))?.[1];
    expect(adminKey).toBeDefined();

    const call = async (
      method: string,
      path: string,
      key: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Json; replayed: boolean }> => {
      const response = await fetch(`${api!.base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/json',
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as Json) : {},
        replayed: response.headers.get('idempotent-replayed') === 'true',
      };
    };
    const createKey = async (role: string) => {
      const created = await call('POST', '/v1/api-keys', adminKey!, { name: role, role });
      expect(created.status).toBe(201);
      return created.body.key as string;
    };
    const finance = await createKey('finance');
    const auditor = await createKey('auditor');

    const donor = await call('POST', '/v1/donors', finance, { name: 'Crash donor', type: 'ngo' });
    expect(donor.status).toBe(201);
    const pledge = await call(
      'POST',
      '/v1/pledges',
      finance,
      {
        donorId: donor.body.id,
        currency: 'USD',
        amount: '100000000.00',
        earmark: 'unearmarked',
        status: 'confirmed',
        pledgedOn: `${YEAR}-01-02`,
        confirmedOn: `${YEAR}-01-03`,
      },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(pledge.status).toBe(201);

    /** Half the payments settle part of the pledge, half are unpledged contributions. */
    const paymentBody = (key: string, n: number): Json =>
      n % 2 === 0
        ? {
            donorId: donor.body.id,
            pledgeId: pledge.body.id,
            currency: 'USD',
            amount: '10.00',
            receivedOn: RECEIVED_ON,
            bankReference: key,
          }
        : {
            donorId: donor.body.id,
            currency: 'USD',
            amount: '25.50',
            receivedOn: RECEIVED_ON,
            earmark: 'unearmarked',
            bankReference: key,
          };

    const post = async (key: string, body: Json): Promise<Outcome> => {
      try {
        const response = await fetch(`${api!.base}/v1/payments`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${finance}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': key,
          },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        if (response.status >= 200 && response.status < 300)
          return { kind: 'ack', status: response.status, body: JSON.parse(text) as Json };
        return response.status >= 500
          ? { kind: '5xx', status: response.status, body: text }
          : { kind: 'other', status: response.status, body: text };
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        return { kind: 'network', error: cause?.code ?? cause?.message ?? String(error) };
      }
    };

    const counts: Counts = {
      requestsSent: 0,
      faultsInjected: 0,
      paymentsAcknowledged: 0,
      networkErrors: 0,
      fiveXxSeen: 0,
      otherStatuses: 0,
      retried: 0,
      retriedReplayed: 0,
      retriedNew: 0,
      payments: 0,
      slowestRestartMs: 0,
    };
    const others: string[] = [];
    /** Every idempotency key sent, over all rounds: each must end as exactly one payment. */
    const allKeys = new Set<string>();
    /** Payment id → key, of every 2xx answer (during the load or on retry). */
    const acknowledged = new Map<string, string>();

    for (let round = 1; round <= ROUNDS; round += 1) {
      // --- load, then SIGKILL at a random moment of the window ---
      const attempts: Attempt[] = [];
      let killed = false;
      let sequence = 0;
      const loop = async (loopNo: number) => {
        while (!killed) {
          const n = (sequence += 1);
          const key = `crash-r${round}-l${loopNo}-${n}-${randomUUID().slice(0, 8)}`;
          const body = paymentBody(key, n);
          allKeys.add(key);
          counts.requestsSent += 1;
          attempts.push({ key, body, outcome: await post(key, body) });
        }
      };
      const loops = Array.from({ length: LOOPS }, (_, i) => loop(i));
      const killAfter =
        KILL_WINDOW[0] + Math.floor(Math.random() * (KILL_WINDOW[1] - KILL_WINDOW[0]));
      await sleep(killAfter);
      killed = true;
      api.process.kill('SIGKILL');
      counts.faultsInjected += 1;
      await api.exited;
      await Promise.all(loops);
      expect(api.process.signalCode).toBe('SIGKILL');

      const roundAcks = attempts.filter((a) => a.outcome.kind === 'ack');
      const unanswered = attempts.filter(
        (a) => a.outcome.kind === 'network' || a.outcome.kind === '5xx',
      );
      counts.paymentsAcknowledged += roundAcks.length;
      counts.networkErrors += attempts.filter((a) => a.outcome.kind === 'network').length;
      counts.fiveXxSeen += attempts.filter((a) => a.outcome.kind === '5xx').length;
      for (const a of attempts)
        if (a.outcome.kind === 'other' || a.outcome.kind === '5xx')
          others.push(`${a.key}: ${a.outcome.status} ${a.outcome.body}`);
      counts.otherStatuses += attempts.filter((a) => a.outcome.kind === 'other').length;

      // --- restart on the same database ---
      api = null;
      const restartedAt = Date.now();
      api = await startApi(engine.env);
      counts.slowestRestartMs = Math.max(counts.slowestRestartMs, Date.now() - restartedAt);
      // Not a first start: no new admin key.
      expect(api.output.join('')).not.toMatch(/Admin API key/);

      // (a) every acknowledged payment is there, with its receipt.
      for (const a of roundAcks) {
        const paid = (a.outcome as { body: Json }).body;
        expect(paid).toMatchObject({ bankReference: a.key, status: 'posted' });
        acknowledged.set(paid.id as string, a.key);
        const found = await call('GET', `/v1/payments/${paid.id}`, finance);
        expect(found.status).toBe(200);
        expect(found.body).toEqual(paid);
        const receipt = await call('GET', `/v1/receipts/${paid.receiptNumber}`, finance);
        expect(receipt.status).toBe(200);
        expect(receipt.body).toMatchObject({
          status: 'issued',
          receipt: { number: paid.receiptNumber, bankReference: a.key, amount: a.body.amount },
        });
      }

      // (b)–(d) before any retry: the database as the crash left it.
      const before = await checkInvariants(engine, call, finance, auditor, donor.body.id);

      // (e) retry every unanswered request with its key and body: exactly one payment each.
      let replayed = 0;
      for (const a of unanswered) {
        const outcome = await post(a.key, a.body);
        expect(outcome).toMatchObject({ kind: 'ack', status: 201 });
        const paid = (outcome as { body: Json }).body;
        expect(paid.bankReference).toBe(a.key);
        acknowledged.set(paid.id as string, a.key);
        // A replay is known by its payment already existing before the retry.
        if (before.byReference.has(a.key)) {
          replayed += 1;
          expect(before.byReference.get(a.key)).toEqual([paid.id]);
        }
      }
      counts.retried += unanswered.length;
      counts.retriedReplayed += replayed;
      counts.retriedNew += unanswered.length - replayed;
      // Before the retries the crash left exactly the acknowledged payments plus those that
      // committed without their answer reaching the client (replayed on retry), nothing else.
      const sentThisRound = new Set(attempts.map((a) => a.key));
      const roundPaymentsBefore = [...before.byReference.keys()].filter((k) =>
        sentThisRound.has(k),
      );
      expect(roundPaymentsBefore.length).toBe(roundAcks.length + replayed);

      const after = await checkInvariants(engine, call, finance, auditor, donor.body.id);
      // Every key sent so far is exactly one payment; every acknowledged id is that payment.
      expect([...after.byReference.keys()].sort()).toEqual([...allKeys].sort());
      for (const [reference, ids] of after.byReference) {
        expect({ reference, ids: ids.length }).toEqual({ reference, ids: 1 });
      }
      for (const [id, key] of acknowledged) expect(after.byReference.get(key)).toEqual([id]);
      counts.payments = after.payments;
      expect(after.payments).toBe(counts.paymentsAcknowledged + counts.retried);

      // A second retry of the same requests is a pure replay and writes nothing.
      for (const a of unanswered.slice(0, 3)) {
        const again = await call('POST', '/v1/payments', finance, a.body, {
          'Idempotency-Key': a.key,
        });
        expect({ status: again.status, replayed: again.replayed }).toEqual({
          status: 201,
          replayed: true,
        });
      }
    }

    expect(others).toEqual([]);
    expect(counts.fiveXxSeen).toBe(0);
    return counts;
  } finally {
    await stopApi(api, 'SIGTERM');
  }
}

interface Snapshot {
  payments: number;
  /** bankReference (= the idempotency key) → payment ids. */
  byReference: Map<string, string[]>;
}

/** (b) no partial entry, (c) the chain verifies, (d) receipts gap-free for the year. */
async function checkInvariants(
  engine: Engine,
  call: (method: string, path: string, key: string) => Promise<{ status: number; body: Json }>,
  finance: string,
  auditor: string,
  donorId: string,
): Promise<Snapshot> {
  // Every payment, paged through the API (both engines).
  const payments: Json[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const page = await call(
      'GET',
      `/v1/payments?donorId=${donorId}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      finance,
    );
    expect(page.status).toBe(200);
    payments.push(...(page.body.items as Json[]));
    cursor = page.body.nextCursor as string | null;
  }
  // Every journal entry, paged through the API.
  const entries: Json[] = [];
  for (let afterSeq: number | null = 0; afterSeq !== null;) {
    const page = await call('GET', `/v1/ledger/entries?afterSeq=${afterSeq}&limit=500`, auditor);
    expect(page.status).toBe(200);
    entries.push(...(page.body.entries as Json[]));
    afterSeq = page.body.nextAfterSeq as number | null;
  }

  // (b) no partial entry: each payment entry has balanced lines, each payment exactly one entry.
  const paymentEntries = entries.filter((e) => e.kind === 'payment_received');
  const broken = paymentEntries.filter((e) => {
    const sum = (side: string) =>
      (e.lines as Json[])
        .filter((l) => l.side === side)
        .reduce((total, l) => total + Math.round(Number(l.amountUsd) * 100), 0);
    return e.lines.length === 0 || sum('debit') !== sum('credit');
  });
  expect(broken.map((e) => e.seq)).toEqual([]);
  expect(paymentEntries.map((e) => e.sourceId).sort()).toEqual(payments.map((p) => p.id).sort());
  const bySeq = new Map(entries.map((e) => [e.seq as number, e]));
  for (const p of payments)
    expect(bySeq.get(p.journalEntrySeq)).toMatchObject({
      kind: 'payment_received',
      sourceId: p.id,
    });

  // (c) the chain verifies and covers every entry, numbered 1..N.
  const verify = await call('GET', '/v1/ledger/verify', auditor);
  expect(verify.status).toBe(200);
  expect(verify.body).toMatchObject({
    valid: true,
    firstBrokenSeq: null,
    entries: entries.length,
    headSeq: entries.length,
  });
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));

  // (d) receipt numbers for the year are exactly 1..N, one per payment, none beyond.
  const numbers = payments.map((p) => Number(/^UNFSSC-(\d{4})-(\d{6})$/.exec(p.receiptNumber)![2]));
  expect(payments.every((p) => String(p.receiptNumber).startsWith(`UNFSSC-${YEAR}-`))).toBe(true);
  expect(numbers.sort((x, y) => x - y)).toEqual(payments.map((_, i) => i + 1));
  const next = `UNFSSC-${YEAR}-${String(payments.length + 1).padStart(6, '0')}`;
  expect((await call('GET', `/v1/receipts/${next}`, finance)).status).toBe(404);

  if (engine.sql) {
    // The same, straight from the tables, plus what the API does not show.
    const { rows: orphans } = await engine.sql.query(
      `SELECT 'entry without lines' AS problem, e.seq::text AS ref FROM journal_entries e
         WHERE e.kind = 'payment_received' AND NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.entry_seq = e.seq)
       UNION ALL SELECT 'lines without entry', l.entry_seq::text FROM journal_lines l
         WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.seq = l.entry_seq)
       UNION ALL SELECT 'payment without receipt', p.id::text FROM payments p
         WHERE NOT EXISTS (SELECT 1 FROM receipts r WHERE r.payment_id = p.id)
       UNION ALL SELECT 'receipt without payment', r.number FROM receipts r
         WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = r.payment_id)
       UNION ALL SELECT 'payment entry without payment', e.seq::text FROM journal_entries e
         WHERE e.kind = 'payment_received' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = e.source_id)
       UNION ALL SELECT 'payment without audit event', p.id::text FROM payments p
         WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.action = 'payment.created' AND a.resource_id = p.id::text)
       UNION ALL SELECT 'idempotency key without answer', k.key FROM idempotency_keys k
         WHERE k.status_code IS NULL`,
    );
    expect(orphans).toEqual([]);
    const { rows: counter } = await engine.sql.query(
      `SELECT (SELECT last_seq FROM receipt_counters WHERE year = $1) AS last_seq,
              (SELECT count(*)::int FROM receipts WHERE year = $1) AS n,
              (SELECT max(seq) FROM receipts WHERE year = $1) AS hi,
              (SELECT seq::int FROM ledger_head) AS head`,
      [YEAR],
    );
    expect(counter[0]).toEqual({
      last_seq: payments.length,
      n: payments.length,
      hi: payments.length,
      head: entries.length,
    });
    const { rows: pledge } = await engine.sql.query(
      `SELECT p.paid_amount::numeric = coalesce((SELECT sum(amount) FROM payments x WHERE x.pledge_id = p.id), 0) AS consistent
         FROM pledges p`,
    );
    expect(pledge).toEqual([{ consistent: true }]);
  }

  const byReference = new Map<string, string[]>();
  for (const p of payments) {
    const ids = byReference.get(p.bankReference as string) ?? [];
    ids.push(p.id as string);
    byReference.set(p.bankReference as string, ids);
  }
  return { payments: payments.length, byReference };
}

function report(engine: string, counts: Counts): void {
  console.log(
    `crash test on ${engine}: requests sent ${counts.requestsSent}, faults injected (SIGKILL) ${counts.faultsInjected}, ` +
      `payments acknowledged ${counts.paymentsAcknowledged}, 5xx seen ${counts.fiveXxSeen}; ` +
      `network errors ${counts.networkErrors}, retried ${counts.retried} ` +
      `(${counts.retriedReplayed} replayed, ${counts.retriedNew} new), payments in the ledger ${counts.payments}; ` +
      `slowest restart to ready ${counts.slowestRestartMs} ms`,
  );
}

const serverUrl = process.env.TEST_DATABASE_URL;

describe('crash: SIGKILL under concurrent payment posts', () => {
  (serverUrl ? it : it.skip)(
    'loses nothing acknowledged and leaves nothing partial on PostgreSQL',
    async () => {
      const engine = await scratchPostgres(serverUrl!);
      try {
        report(engine.name, await crashScenario(engine));
      } finally {
        await engine.cleanup();
      }
    },
    120_000,
  );

  it('loses nothing acknowledged and leaves nothing partial on the embedded database', async () => {
    const engine = await embeddedPglite();
    try {
      report(engine.name, await crashScenario(engine));
    } finally {
      await engine.cleanup();
    }
  }, 120_000);
});
