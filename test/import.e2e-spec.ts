// Proves the bulk import of issue 6 through the built command line, against a database of the
// suite's own (a new database on TEST_DATABASE_URL's server, else a fresh embedded one): a file
// with bad lines names every one and writes nothing; a good file imports each line through the
// API's rules, with gap-free receipts and a valid hash chain, and a second run replays it; lines
// refused by a rule are listed with their codes and import on a later run once fixed; rates and
// pledges import too, and payments then settle those pledges in file order.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { JournalService } from '#src/ledger/journal.service.js';
import { copyPgliteTemplate } from './global-setup.js';
import { Factories } from './support/factories.js';
import {
  gapFreeJournal,
  gapFreeReceiptYears,
  journalNumbering,
  receiptYears,
  unbalancedEntries,
} from './support/ledger-invariants.js';
import { withClient } from './support/pg-cluster.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const run = promisify(execFile);
const CLI = resolve('dist/src/cli.js');
const SUMMARY = /^imported (\d+), replayed (\d+), failed (\d+) in \d+\.\d s \((\d+) lines\/s\)$/;
const PAYMENTS_HEADER =
  'donorId,pledgeId,currency,amount,receivedOn,earmark,bankReference,idempotencyKey';

interface CliRun {
  code: number;
  stdout: string;
  lines: string[];
  /** imported, replayed, failed, lines/s, from the summary that must be the last line. */
  summary: [number, number, number, number];
}

jest.setTimeout(180_000);

let database: Awaited<ReturnType<typeof provisionDatabase>>;
let donors: string[];

beforeAll(async () => {
  database = await provisionDatabase();
  donors = await withApp(async (t) => {
    const f = await Factories.create(t);
    await f.rate('EUR', '2024-01-01', '0.9');
    await f.rate('EUR', '2025-01-01', '0.92');
    const created = [];
    for (let i = 0; i < 6; i++) created.push((await f.donor()).id);
    return created;
  });
});

afterAll(async () => {
  await database?.drop();
});

describe('import payments', () => {
  it('refuses a file with bad lines, naming every one, and writes nothing', async () => {
    const marker = `REFUSED-${randomUUID().slice(0, 8)}`;
    const good = (i: number) => payment({ amount: '10.00', bankReference: `${marker}-${i}` });
    const file = writeCsv(PAYMENTS_HEADER, [
      good(1),
      payment({ donorId: 'D-17' }),
      good(2),
      payment({ currency: 'USD', amount: '10.005' }),
      payment({ earmark: '' }),
      good(3),
      payment({ currency: 'EURO', receivedOn: '2025-02-30' }),
      `${donors[0]},,USD,10.00`,
    ]);

    const outcome = await cli(['import', 'payments', file]);

    expect(outcome.code).toBe(2);
    expect(outcome.lines.slice(0, -2)).toEqual([
      'line 3: donorId: must be a UUID',
      'line 5: amount: must have at most 2 decimals for USD',
      'line 6: earmark: is required for a payment without a pledge',
      'line 8: currency: must be an ISO 4217 currency code such as USD',
      'line 8: receivedOn: must be a calendar date written YYYY-MM-DD',
      'line 9: has 4 fields; the header has 8',
    ]);
    expect(outcome.lines.at(-2)).toBe('The file was refused: 5 bad line(s); nothing was written.');
    expect(outcome.summary.slice(0, 3)).toEqual([0, 0, 5]);
    await withApp(async (t) => {
      const rows = await t.sql<{ count: string }>(
        'SELECT count(*)::text AS count FROM payments WHERE bank_reference LIKE $1',
        [`${marker}%`],
      );
      expect(rows[0].count).toBe('0');
    });
  });

  it('imports 200 payments with gap-free receipts and a valid chain; a second run replays them', async () => {
    const marker = `GOOD-${randomUUID().slice(0, 8)}`;
    const lines = Array.from({ length: 200 }, (_, i) =>
      payment({
        donorId: donors[i % donors.length],
        currency: i % 2 === 0 ? 'USD' : 'EUR',
        amount: `${100 + i}.${String(i % 100).padStart(2, '0')}`,
        receivedOn: `${2024 + (i % 2)}-${String(1 + (i % 12)).padStart(2, '0')}-15`,
        bankReference: `${marker}-${i}`,
        // Half the lines carry their own key, half get one derived from their content.
        idempotencyKey: i % 2 === 0 ? `${marker}-key-${i}` : '',
      }),
    );
    const file = writeCsv(PAYMENTS_HEADER, lines);
    const out = join(database.dir, `${marker}.out.csv`);

    const first = await cli(['import', 'payments', file, '--out', out]);
    console.log(`import of 200 payments (${database.kind()}): ${first.summary[3]} payments/s`);

    expect(first.code).toBe(0);
    expect(first.lines).toHaveLength(1);
    expect(first.summary.slice(0, 3)).toEqual([200, 0, 0]);
    const results = readOutcomes(out);
    expect(results.map((row) => row.line)).toEqual(lines.map((_, i) => String(i + 2)));
    expect(new Set(results.map((row) => row.outcome))).toEqual(new Set(['imported']));
    expect(new Set(results.map((row) => row.receiptNumber)).size).toBe(200);

    await withApp(async (t) => {
      const ids = results.map((row) => row.id);
      const [{ count }] = await t.sql<{ count: string }>(
        'SELECT count(*)::text AS count FROM payments WHERE id = ANY($1) AND bank_reference LIKE $2',
        [ids, `${marker}%`],
      );
      expect(count).toBe('200');
      const years = await receiptYears(t);
      expect(years).toEqual(gapFreeReceiptYears(years));
      const numbering = await journalNumbering(t);
      expect(numbering).toEqual(gapFreeJournal(numbering.count));
      await expect(t.running.app.get(JournalService).verify()).resolves.toMatchObject({
        valid: true,
        firstBrokenSeq: null,
      });
      expect(await unbalancedEntries(t)).toEqual([]);
      // Each line wrote the audit event the API writes, with its key and the run's request id.
      const events = await t.sql<{ role: string; request_id: string; keys: string }>(
        `SELECT role, request_id, count(DISTINCT idempotency_key)::text AS keys FROM audit_events
          WHERE action = 'payment.created' AND resource_id = ANY($1) GROUP BY role, request_id`,
        [ids],
      );
      expect(events).toEqual([
        { role: 'system', request_id: expect.stringMatching(/^import-/), keys: '200' },
      ]);
      const completed = await t.sql(
        `SELECT 1 FROM audit_events WHERE action = 'import.completed' AND request_id = $1`,
        [events[0].request_id],
      );
      expect(completed).toHaveLength(1);
    });

    const again = await cli(['import', 'payments', file, '--out', out]);

    expect(again.code).toBe(0);
    expect(again.summary.slice(0, 3)).toEqual([0, 200, 0]);
    expect(readOutcomes(out).map((row) => [row.outcome, row.id])).toEqual(
      results.map((row) => ['replayed', row.id]),
    );
    await withApp(async (t) => {
      const [{ count }] = await t.sql<{ count: string }>(
        'SELECT count(*)::text AS count FROM payments WHERE bank_reference LIKE $1',
        [`${marker}%`],
      );
      expect(count).toBe('200');
    });
  });

  it('lists lines refused by a rule with their codes, and imports them on a later run once fixed', async () => {
    const marker = `RULES-${randomUUID().slice(0, 8)}`;
    const file = writeCsv(PAYMENTS_HEADER, [
      payment({ bankReference: `${marker}-1` }),
      payment({ donorId: randomUUID(), bankReference: `${marker}-2` }),
      payment({ currency: 'NOK', amount: '5000.00', bankReference: `${marker}-3` }),
      payment({ receivedOn: '2099-01-01', bankReference: `${marker}-4` }),
      payment({ bankReference: `${marker}-5` }),
    ]);

    const first = await cli(['import', 'payments', file]);

    expect(first.code).toBe(1);
    expect(first.lines.slice(0, -1)).toEqual([
      expect.stringMatching(/^line 3: NOT_FOUND: Donor [0-9a-f-]{36} was not found$/),
      expect.stringMatching(/^line 4: RATE_NOT_FOUND: No NOK rate is effective/),
      expect.stringMatching(/^line 5: DATE_IN_FUTURE: /),
    ]);
    expect(first.summary.slice(0, 3)).toEqual([2, 0, 3]);

    const rates = writeCsv('currency,effectiveOn,rate', ['NOK,2024-01-01,10.5']);
    expect((await cli(['import', 'rates', rates])).code).toBe(0);
    const second = await cli(['import', 'payments', file]);

    expect(second.code).toBe(1);
    expect(second.summary.slice(0, 3)).toEqual([1, 2, 2]);
    expect(second.lines.slice(0, -1).map((line) => line.split(':')[0])).toEqual([
      'line 3',
      'line 5',
    ]);
  });
});

describe('import rates', () => {
  it('names every bad line of a rates file and writes none of it', async () => {
    const file = writeCsv('currency,effectiveOn,rate', [
      'CHF,2024-01-01,0.88',
      'USD,2024-01-01,1',
      'CHF,2024-13-01,0.88',
      'SEK,2024-01-01,-10',
    ]);

    const outcome = await cli(['import', 'rates', file]);

    expect(outcome.code).toBe(2);
    expect(
      outcome.lines.filter((line) => line.startsWith('line ')).map((l) => l.split(':')[0]),
    ).toEqual(['line 3', 'line 4', 'line 5']);
    expect(outcome.summary.slice(0, 3)).toEqual([0, 0, 3]);
    await withApp(async (t) => {
      expect(await t.sql(`SELECT 1 FROM rates WHERE currency IN ('CHF', 'SEK')`)).toEqual([]);
    });
  });

  it('imports a good rates file in one transaction', async () => {
    const file = writeCsv('currency,effectiveOn,rate', [
      'GBP,2024-01-01,0.79',
      'GBP,2025-01-01,0.8',
    ]);

    const outcome = await cli(['import', 'rates', `${file}`]);

    expect(outcome.code).toBe(0);
    expect(outcome.summary.slice(0, 3)).toEqual([2, 0, 0]);
    await withApp(async (t) => {
      const rows = await t.sql<{ rate: string }>(
        `SELECT rate::text AS rate FROM rates WHERE currency = 'GBP' ORDER BY effective_on`,
      );
      expect(rows.map((row) => row.rate)).toEqual(['0.79', '0.8']);
    });
  });
});

describe('import pledges', () => {
  const header = 'donorId,currency,amount,earmark,status,pledgedOn,confirmedOn,reference';

  it('refuses an instalments column, which a CSV cell cannot hold', async () => {
    const file = writeCsv(`${header},instalments`, [
      `${donors[0]},EUR,1000.00,unearmarked,announced,2024-02-01,,,x`,
    ]);

    const outcome = await cli(['import', 'pledges', file]);

    expect(outcome.code).toBe(2);
    expect(outcome.lines[0]).toMatch(/^line 1: instalments: cannot be given in a CSV file/);
  });

  it('imports pledges, whose ids let their payments settle them in file order', async () => {
    const marker = `PLEDGE-${randomUUID().slice(0, 8)}`;
    const pledges = writeCsv(header, [
      ...donors
        .slice(0, 4)
        .map(
          (donor, i) =>
            `${donor},EUR,1000.00,unearmarked,confirmed,2024-02-01,2024-02-10,${marker}-${i}`,
        ),
      `${donors[4]},EUR,500.00,unearmarked,announced,2024-02-01,,${marker}-announced`,
    ]);
    const pledgesOut = join(database.dir, `${marker}.pledges.csv`);

    const imported = await cli(['import', 'pledges', pledges, '--out', pledgesOut]);

    expect(imported.code).toBe(0);
    expect(imported.summary.slice(0, 3)).toEqual([5, 0, 0]);
    const ids = readOutcomes(pledgesOut).map((row) => row.id);
    // Two payments per confirmed pledge, interleaved: the second of each settles it.
    const payments = writeCsv(
      PAYMENTS_HEADER,
      [400, 600].flatMap((amount) =>
        ids.slice(0, 4).map((pledgeId, i) =>
          payment({
            donorId: donors[i],
            pledgeId,
            currency: 'EUR',
            amount: `${amount}.00`,
            receivedOn: '2024-03-01',
            earmark: '',
            bankReference: `${marker}-${amount}-${i}`,
          }),
        ),
      ),
    );

    const paid = await cli(['import', 'payments', payments]);

    expect(paid.code).toBe(0);
    expect(paid.summary.slice(0, 3)).toEqual([8, 0, 0]);
    await withApp(async (t) => {
      const rows = await t.sql<{ reference: string; status: string; settled: boolean }>(
        `SELECT reference, status, paid_amount = amount AS settled FROM pledges
          WHERE reference LIKE $1 ORDER BY reference`,
        [`${marker}%`],
      );
      expect(rows).toEqual([
        ...[0, 1, 2, 3].map((i) => ({
          reference: `${marker}-${i}`,
          status: 'paid',
          settled: true,
        })),
        { reference: `${marker}-announced`, status: 'announced', settled: false },
      ]);
      const receivable = await t.sql<{ usd: string }>(
        `SELECT COALESCE(sum(CASE side WHEN 'debit' THEN amount_usd ELSE -amount_usd END), 0)::text AS usd
           FROM journal_lines WHERE account = '1200' AND pledge_id = ANY($1)`,
        [ids],
      );
      expect(receivable[0].usd).toBe('0.00');
    });
  });

  it('writes in batches exactly what the API posts line by line, refusals included', async () => {
    const marker = `SAME-${randomUUID().slice(0, 8)}`;
    const amounts = ['300.00', '300.00', '400.00', '50.00'];
    const { batchPledge, apiPledge, apiAnswers } = await withApp(async (t) => {
      const f = await Factories.create(t);
      const terms = {
        donorId: donors[5],
        currency: 'EUR',
        amount: '1000.00',
        pledgedOn: '2024-02-01',
        confirmedOn: '2024-02-10',
      };
      const twins = [await f.pledge(terms), await f.pledge(terms)];
      // The API, one request at a time, against the second twin.
      const answers = [];
      for (const amount of amounts) {
        const response = await f.payment({
          donorId: donors[5],
          pledgeId: twins[1].id,
          currency: 'EUR',
          amount,
          receivedOn: '2024-03-01',
        });
        answers.push({ status: response.status, body: response.body });
      }
      return {
        batchPledge: twins[0].id,
        apiPledge: twins[1].id,
        apiAnswers: answers,
      };
    });
    // The import, one batch, against the first twin: the same lines, interleaved with others.
    const file = writeCsv(
      PAYMENTS_HEADER,
      amounts.flatMap((amount, i) => [
        payment({
          donorId: donors[5],
          pledgeId: batchPledge,
          currency: 'EUR',
          amount,
          receivedOn: '2024-03-01',
          earmark: '',
          bankReference: `${marker}-${i}`,
        }),
        payment({ amount: '7.00', bankReference: `${marker}-unpledged-${i}` }),
      ]),
    );
    const out = join(database.dir, `${marker}.out.csv`);

    const imported = await cli(['import', 'payments', file, '--out', out]);

    expect(imported.summary.slice(0, 3)).toEqual([7, 0, 1]);
    expect(apiAnswers.map((answer) => answer.status)).toEqual([201, 201, 201, 409]);
    expect(imported.lines[0]).toBe(
      `line 8: ${apiAnswers[3].body.code}: ${apiAnswers[3].body.detail}`,
    );
    const outcomes = readOutcomes(out).filter((_, i) => i % 2 === 0);
    const batchIds = outcomes.slice(0, 3).map((row) => row.id);
    await withApp(async (t) => {
      const f = await Factories.create(t);
      const read = async (id: string) =>
        (await t.http().get(`/v1/payments/${id}`).set(f.auth())).body;
      const figures = (payment: Record<string, unknown>) => {
        const {
          id: _id,
          pledgeId: _p,
          bankReference: _b,
          receiptNumber: _r,
          journalEntrySeq: _s,
          ...rest
        } = payment;
        return rest;
      };
      const batch = await Promise.all(batchIds.map(read));
      expect(batch.map(figures)).toEqual(apiAnswers.slice(0, 3).map((a) => figures(a.body)));
      const pledges = await Promise.all(
        [batchPledge, apiPledge].map(
          async (id) => (await t.http().get(`/v1/pledges/${id}`).set(f.auth())).body,
        ),
      );
      const state = ({ id: _id, reference: _r, ...rest }: Record<string, unknown>) => rest;
      expect(state(pledges[0])).toEqual(state(pledges[1]));
      expect(pledges[0]).toMatchObject({ status: 'paid', outstandingAmount: '0.00' });
      const lines = await t.sql<{ pledge: string; account: string; side: string; usd: string }>(
        `SELECT CASE WHEN p.pledge_id = $1 THEN 'batch' ELSE 'api' END AS pledge, l.account, l.side,
                l.amount_usd::text AS usd
           FROM journal_lines l JOIN payments p ON p.journal_entry_seq = l.entry_seq
          WHERE p.pledge_id = ANY (ARRAY[$1, $2]::uuid[])
          ORDER BY l.entry_seq, l.line_no`,
        [batchPledge, apiPledge],
      );
      const of = (which: string) =>
        lines
          .filter((l) => l.pledge === which)
          .map(({ account, side, usd }) => [account, side, usd]);
      expect(of('batch')).toEqual(of('api'));
      // 1000 EUR at 0.9 carried at 1,111.11: relief 333.33 + 333.33, then the settling payment
      // relieves the 444.45 left against 444.44 of cash, the cent to 4900.
      expect(of('batch')).toHaveLength(13);
      expect(of('batch')).toContainEqual(['4900', 'debit', '0.01']);
      expect(await unbalancedEntries(t)).toEqual([]);
    });
  });
});

/** A payments line; unset fields take an unpledged USD payment's values. */
function payment(fields: Record<string, string>): string {
  const line: Record<string, string> = {
    donorId: donors[0],
    pledgeId: '',
    currency: 'USD',
    amount: '25.00',
    receivedOn: '2025-02-01',
    earmark: 'unearmarked',
    bankReference: '',
    idempotencyKey: '',
    ...fields,
  };
  return PAYMENTS_HEADER.split(',')
    .map((column) => line[column])
    .join(',');
}

function writeCsv(header: string, lines: string[]): string {
  const file = join(database.dir, `${randomUUID()}.csv`);
  writeFileSync(file, `${header}\n${lines.join('\n')}\n`);
  return file;
}

function readOutcomes(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
}

async function cli(args: string[]): Promise<CliRun> {
  let code = 0;
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...database.env },
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw error;
    ({ code, stdout } = failed);
    if (code > 2)
      throw new Error(`the command failed (${code}): ${failed.stderr}`, { cause: error });
  }
  const lines = stdout.trimEnd().split('\n');
  const match = SUMMARY.exec(lines.at(-1) ?? '');
  if (!match) throw new Error(`no summary as the last line of:\n${stdout}`);
  const [, imported, replayed, failed, rate] = match.map(Number);
  return { code, stdout, lines, summary: [imported, replayed, failed, rate] };
}

/** Opens the application on the suite's database for `work`, then closes it for the CLI. */
async function withApp<T>(work: (t: TestApp) => Promise<T>): Promise<T> {
  const t = await startTestApp(database.env);
  try {
    return await work(t);
  } finally {
    await t.close();
  }
}

async function provisionDatabase(): Promise<{
  env: Record<string, string>;
  dir: string;
  kind(): string;
  drop(): Promise<void>;
}> {
  // The data directory holds the receipt signing key on a PostgreSQL server too.
  const dir = mkdtempSync(join(tmpdir(), 'unfssc-import-'));
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    copyPgliteTemplate(dir);
    return {
      env: { DATA_DIR: dir },
      dir,
      kind: () => 'embedded PGlite',
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `ledger_import_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: dir },
    dir,
    kind: () => 'PostgreSQL',
    drop: async () => {
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  await withClient(url, (client) => client.query(text));
}
