// Crash test (issue 7, item 1): under a load of concurrent payment posts the API process is
// killed with SIGKILL, started again, and nothing acknowledged may be lost, nothing half-written
// may remain, the journal chain must verify, receipt numbers must stay gap-free across the crash,
// and retrying every unanswered request with its Idempotency-Key must yield exactly one payment
// per key. It runs against the embedded database (a PGlite data directory) and, when
// TEST_DATABASE_URL is set, against a scratch database on that PostgreSQL server.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { copyPgliteTemplate, ensurePgliteTemplate } from '../global-setup.js';
import {
  adminKeyOf,
  type Api,
  apiClient,
  type Build,
  type Json,
  postPaymentRaw,
  snapshotBuild,
  startApi as startApiOf,
  stopApi,
  sleep,
} from '../support/child-api.js';
import { checkPaymentLedger, setUpPaymentLoad } from '../support/payment-load.js';

/** Concurrent request loops posting payments while the process is killed. */
const LOOPS = 16;
/** The kill falls at a random moment within this window after the load starts (ms). */
const KILL_WINDOW: [number, number] = [500, 2_500];
/** Kills per engine, each followed by a restart and the full set of checks. */
const ROUNDS = 3;
/** Every payment is received in this year, so its receipts are numbered 1..N. */
const YEAR = 2025;
const RECEIVED_ON = `${YEAR}-03-10`;

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

let build: Build;
beforeAll(() => {
  build = snapshotBuild();
});
afterAll(() => build?.remove());

const startApi = (env: Record<string, string>): Promise<Api> => startApiOf(build.main, env);

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
    const adminKey = adminKeyOf(api.output);
    expect(adminKey).toBeDefined();

    const call = apiClient(() => api!.base);
    const load = await setUpPaymentLoad(call, adminKey!, RECEIVED_ON);
    const { finance, paymentBody } = load;

    const post = async (key: string, body: Json): Promise<Outcome> => {
      const reply = await postPaymentRaw(api!.base, finance, key, body);
      if ('error' in reply) return { kind: 'network', error: reply.error };
      const { status, text } = reply;
      if (status >= 500) return { kind: '5xx', status, body: text };
      if (status < 200 || status >= 300) return { kind: 'other', status, body: text };
      try {
        return { kind: 'ack', status, body: JSON.parse(text) as Json };
      } catch (error) {
        // A 2xx whose body is not JSON was cut short: unanswered, like a lost connection.
        return { kind: 'network', error: String(error) };
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
      const before = await checkPaymentLedger(call, load, engine.sql);

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

      const after = await checkPaymentLedger(call, load, engine.sql);
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
