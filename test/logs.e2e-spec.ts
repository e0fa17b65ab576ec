// Proves that the logs of the real server (`node dist/src/main.js` at LOG_LEVEL=info, output
// captured from the child process) never hold a bearer key, the bootstrap admin key outside the
// one banner line main.ts prints on first start, or a delegate's name, whether the request
// succeeds, fails validation, conflicts, is refused or fails inside the server; and that every
// JSON log line about a request carries that request's id. Run it after `npx nest build`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { copyPgliteTemplate } from './global-setup.js';

const MAIN = resolve(process.cwd(), 'dist/src/main.js');
const START_TIMEOUT_MS = 60_000;
const DELEGATES = ['Secret Delegate Name', 'Another Secret Delegate'];

interface Server {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  baseUrl: string;
  adminKey: string;
  exited: Promise<void>;
}

interface Sent {
  label: string;
  status: number;
  requestId: string;
  body: Record<string, unknown>;
}

interface LogLine {
  text: string;
  json: Record<string, unknown> | null;
}

/** A fresh database: a new one on TEST_DATABASE_URL's server, else an embedded PGlite copy. */
async function provisionDatabase(dataDir: string): Promise<{
  env: Record<string, string>;
  drop(): Promise<void>;
}> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    copyPgliteTemplate(dataDir);
    return { env: {}, drop: async () => undefined };
  }
  const name = `ledger_logs_${process.pid}_${randomUUID().slice(0, 8)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Starts main.js on a free port (PORT=0: main prints the address it got) and reads its banner. */
async function startServer(env: Record<string, string>): Promise<Server> {
  const inherited = { ...process.env };
  // Jest's --experimental-vm-modules is for the test runner, not for the server under test.
  delete inherited.NODE_OPTIONS;
  const child = spawn(process.execPath, [MAIN], {
    cwd: process.cwd(),
    env: { ...inherited, ...env, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const listening = /listening on (http:\/\/\S+)/.exec(output.stdout);
    const key = /Admin API key: (\S+)/.exec(output.stdout);
    if (listening && key) {
      return { child, output, baseUrl: listening[1], adminKey: key[1], exited };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`main.js did not start:\n${output.stdout}\n${output.stderr}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('logs of the running server', () => {
  let dataDir: string;
  let drop: () => Promise<void> = async () => undefined;
  let server: Server;
  let financeKey = '';
  const unknownKey = `unf_${'0'.repeat(16)}_${'k'.repeat(43)}`;
  const clientRequestId = `logs-client-${randomUUID().slice(0, 8)}`;
  const conferenceCode = `LOGS-${randomUUID().slice(0, 8).toUpperCase()}`;
  const sent: Sent[] = [];
  let lines: LogLine[] = [];

  async function call(
    label: string,
    method: string,
    path: string,
    options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Sent> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const result: Sent = {
      label,
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? '',
      body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    sent.push(result);
    return result;
  }

  const travelRequest = (countryCode: string, names: string[], airfareUsd = '900.00') => ({
    countryCode,
    nominatedOn: '2026-07-01',
    nominationReference: `${countryCode}/MFA/2026/7`,
    delegates: names.map((name) => ({ name, airfareUsd })),
  });

  /** Every request the suite makes: each carries a key, a delegate name or both. */
  async function exerciseServer(): Promise<void> {
    const admin = server.adminKey;
    await call('admin lists donors', 'GET', '/v1/donors', { key: admin });
    const created = await call('admin creates a finance key', 'POST', '/v1/api-keys', {
      key: admin,
      body: { name: 'logs finance', role: 'finance' },
    });
    financeKey = String(created.body.key);
    await call('admin creates a conference', 'POST', '/v1/conferences', {
      key: admin,
      body: conferenceBody(conferenceCode),
    });
    const path = `/v1/conferences/${conferenceCode}/travel-requests`;
    await call('travel request', 'POST', path, {
      key: financeKey,
      body: travelRequest('MWI', DELEGATES),
    });
    await call('travel request again (409)', 'POST', path, {
      key: financeKey,
      body: travelRequest('MWI', DELEGATES),
    });
    await call('travel request with a bad airfare (400)', 'POST', path, {
      key: financeKey,
      body: travelRequest('NER', DELEGATES, '1e3'),
    });
    await call('travel request the server fails on (NUL byte)', 'POST', path, {
      key: financeKey,
      body: travelRequest(
        'BGD',
        DELEGATES.map((name) => `${name}\u0000`),
      ),
    });
    await call('travel requests listed', 'GET', path, { key: financeKey });
    await exercisePledges();
    await call('unknown route', 'GET', '/v1/no-such-route', { key: financeKey });
    await call('unknown key', 'GET', '/v1/donors', { key: unknownKey });
    await call('admin key on a finance route (403)', 'POST', '/v1/donors', {
      key: admin,
      body: { name: 'Refused', type: 'ngo' },
    });
    await call('key in X-Api-Key', 'GET', '/v1/donors', { headers: { 'x-api-key': admin } });
    await call('client request id', 'GET', '/v1/countries?limit=1', {
      key: financeKey,
      headers: { 'x-request-id': clientRequestId },
    });
  }

  async function exercisePledges(): Promise<void> {
    const donor = await call('finance creates a donor', 'POST', '/v1/donors', {
      key: financeKey,
      body: { name: 'Logs Donor', type: 'ngo' },
    });
    const idempotencyKey = `logs-${randomUUID()}`;
    const pledge = {
      donorId: donor.body.id,
      currency: 'USD',
      amount: '100.00',
      earmark: 'unearmarked',
      status: 'announced',
      pledgedOn: '2026-02-01',
    };
    for (const label of ['pledge with Idempotency-Key', 'pledge replayed']) {
      await call(label, 'POST', '/v1/pledges', {
        key: financeKey,
        body: pledge,
        headers: { 'idempotency-key': idempotencyKey },
      });
    }
  }

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx nest build\` first`);
    dataDir = mkdtempSync(join(tmpdir(), 'unfssc-logs-'));
    const database = await provisionDatabase(dataDir);
    drop = database.drop;
    server = await startServer({ DATA_DIR: dataDir, ...database.env });
    await exerciseServer();
    server.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([server.exited, new Promise((done) => (timer = setTimeout(done, 15_000)))]);
    clearTimeout(timer);
    lines = `${server.output.stdout}\n${server.output.stderr}`
      .split('\n')
      .filter((text) => text.trim() !== '')
      .map((text) => ({ text, json: parseJson(text) }));
  }, 120_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('made the requests it meant to make', () => {
    expect(sent.map((s) => [s.label, s.status])).toEqual(
      expect.arrayContaining([
        ['admin lists donors', 200],
        ['travel request', 201],
        ['travel request again (409)', 409],
        ['travel request with a bad airfare (400)', 400],
        ['pledge with Idempotency-Key', 201],
        ['pledge replayed', 201],
        ['unknown route', 404],
        ['unknown key', 401],
        ['admin key on a finance route (403)', 403],
        ['key in X-Api-Key', 401],
      ]),
    );
    expect(financeKey).toMatch(/^unf_/);
    expect(lines.filter((line) => line.json !== null).length).toBeGreaterThan(sent.length);
  });

  it('prints the bootstrap admin key once, on the banner line, and in no JSON log line', () => {
    const holding = lines.filter((line) => line.text.includes(server.adminKey));
    expect(holding.map((line) => line.text.trim())).toEqual([`Admin API key: ${server.adminKey}`]);
    expect(holding[0].json).toBeNull();
  });

  it('logs no bearer key, whole or its secret part', () => {
    for (const key of [server.adminKey, financeKey, unknownKey]) {
      // unf_<prefix>_<secret>: the secret itself may contain '_' (base64url), so split twice only.
      const secret = key.split('_').slice(2).join('_');
      expect(secret.length).toBeGreaterThanOrEqual(43);
      const leaks = lines.filter(
        (line) => line.json !== null && (line.text.includes(key) || line.text.includes(secret)),
      );
      expect(leaks.map((line) => excerpt(line.text, [key, secret]))).toEqual([]);
    }
  });

  it("logs no delegate's name, even when the request fails", () => {
    const leaks = lines.filter((line) => DELEGATES.some((name) => line.text.includes(name)));
    expect(leaks.map((line) => excerpt(line.text, DELEGATES))).toEqual([]);
  });

  it('puts a request id on every JSON line that concerns a request', () => {
    const aboutRequests = lines.filter(
      (line) =>
        line.json !== null &&
        ['req', 'res', 'requestId', 'responseTime'].some((key) => key in line.json!),
    );
    expect(aboutRequests.length).toBeGreaterThan(0);
    const withoutId = aboutRequests.filter((line) => requestIdOf(line.json!) === null);
    expect(withoutId.map((line) => line.text.slice(0, 500))).toEqual([]);
  });

  it('logs each request under the id its response carried, the client id when one was sent', () => {
    const logged = new Set(lines.map((line) => line.json && requestIdOf(line.json)));
    const missing = sent.filter((s) => s.requestId === '' || !logged.has(s.requestId));
    expect(missing.map((s) => `${s.label} (${s.status}) ${s.requestId}`)).toEqual([]);
    expect(sent.find((s) => s.label === 'client request id')?.requestId).toBe(clientRequestId);
  });
});

function conferenceBody(code: string): Record<string, unknown> {
  return {
    code,
    name: 'Logs Conference',
    city: 'Nairobi',
    startsOn: '2026-10-05',
    endsOn: '2026-10-07',
    nominationDeadline: '2026-08-31',
    dsaRateUsd: '300.00',
    dsaNights: 4,
    terminalExpensesUsd: '100.00',
    maxDelegatesLdc: 2,
    maxDelegatesOther: 1,
    useUnearmarked: false,
    ldcGraceYears: 0,
  };
}

/** The start of a log line and the text around the first secret in it, to show where it leaked. */
function excerpt(text: string, secrets: string[]): string {
  const at = Math.min(...secrets.map((s) => text.indexOf(s)).filter((i) => i >= 0));
  return `${text.slice(0, 300)} … ${text.slice(Math.max(0, at - 200), at + 200)}`;
}

function parseJson(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The request id of a log line: pino-http's `req.id`, or the filter's `requestId`. */
function requestIdOf(json: Record<string, unknown>): string | null {
  const id = (json.req as { id?: unknown } | undefined)?.id ?? json.requestId;
  return typeof id === 'string' && id !== '' && id !== 'undefined' ? id : null;
}
