// Proves the backup and restore procedure of docs/operations.md on a real PostgreSQL: a ledger
// recorded through the API (rates, donors, pledges, payments with a reversal, a committed
// NAIROBI-2009 allocation run) is dumped with `pg_dump -Fc` while the API runs, restored with
// `pg_restore` into a new database, and a second API started on it (same DATA_DIR, so the same
// receipt signing key) answers the same chain head, a byte-identical journal export, identical
// receipts that still verify, and pinned reports with identical bodies and content hashes. Every
// table and sequence of the restored database equals the original, the append-only triggers come
// back (created after the data, so they never fired during the restore), and the next payment
// continues the receipt and journal numbering without a gap. pg_dump and pg_restore need a
// PostgreSQL server, so the suite runs only with TEST_DATABASE_URL.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verifyReceiptSignature } from '#src/receipts/receipt-signer.js';
import type { ReceiptPayload } from '#src/receipts/receipt.types.js';
import { Factories } from './support/factories.js';
import { withClient } from './support/pg-cluster.js';
import { expectProblem } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const serverUrl = process.env.TEST_DATABASE_URL;
const describeWithServer = serverUrl ? describe : describe.skip;
const title = serverUrl
  ? 'backup and restore with pg_dump and pg_restore'
  : 'backup and restore (skipped: set TEST_DATABASE_URL to a PostgreSQL server; pg_dump and pg_restore need one)';

const run = promisify(execFile);

/** The URL of another database on the same server as `base`. */
function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Everything a database holds, in a comparable form: per table its row count and a digest of
 * its rows in a fixed order; every sequence's position; every user trigger and whether it is
 * enabled; and the applied migrations.
 */
async function snapshot(url: string): Promise<Record<string, unknown>> {
  return withClient(url, async (client) => {
    const tables = (
      await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
      )
    ).rows.map((row) => row.name);
    const contents: Record<string, unknown> = {};
    for (const table of tables) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS rows,
                md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest
           FROM public.${client.escapeIdentifier(table)} t`,
      );
      contents[table] = rows[0];
    }
    const sequences = (
      await client.query(
        `SELECT sequencename, last_value::text FROM pg_sequences
          WHERE schemaname = 'public' ORDER BY sequencename`,
      )
    ).rows;
    const triggers = (
      await client.query(
        `SELECT tgrelid::regclass::text AS "table", tgname, tgenabled, tgdeferrable, tginitdeferred
           FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`,
      )
    ).rows;
    return { contents, sequences, triggers };
  });
}

interface Captured {
  verify: { status: number; text: string; body: Record<string, unknown> };
  entryPages: string[];
  receipts: Record<string, string>;
  receiptsByNumber: Record<string, string>;
  signingKeys: string;
  reports: Record<string, string>;
}

describeWithServer(title, () => {
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const originalName = `ledger_backup_${suffix}`;
  const restoredName = `ledger_restored_${suffix}`;
  const originalUrl = databaseUrl(serverUrl || 'postgres://localhost/postgres', originalName);
  const restoredUrl = databaseUrl(serverUrl || 'postgres://localhost/postgres', restoredName);
  // Created in beforeAll: a skipped suite still runs this body to collect its tests.
  let dataDir = '';
  const dumpFile = join(tmpdir(), `unfssc-backup-${suffix}.dump`);

  let original: TestApp | undefined;
  let restored: TestApp | undefined;
  let finance = '';
  let auditor = '';
  let admin = '';
  let japanId = '';
  let pledgeId = '';
  let reversedPaymentId = '';
  const codes: string[] = [];
  const numbers: string[] = [];
  let before: Captured;
  let dumpList = '';

  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  const ok = <T extends { status: number; body: unknown }>(response: T, status: number): T => {
    if (response.status !== status)
      throw new Error(
        `expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
      );
    return response;
  };

  /** The chain, the journal, receipts and pinned reports exactly as the API answers them. */
  async function capture(t: TestApp, pin: { asOf: string; asOfSeq: number }): Promise<Captured> {
    const verify = ok(await t.http().get('/v1/ledger/verify').set(as(auditor)), 200);
    const entryPages: string[] = [];
    let afterSeq: number | null = 0;
    while (afterSeq !== null) {
      const page = ok(
        await t.http().get(`/v1/ledger/entries?afterSeq=${afterSeq}&limit=7`).set(as(auditor)),
        200,
      );
      entryPages.push(page.text);
      afterSeq = page.body.nextAfterSeq as number | null;
    }
    const receipts: Record<string, string> = {};
    for (const code of codes) {
      receipts[code] = ok(await t.http().get(`/v1/public/receipts/${code}`), 200).text;
    }
    const receiptsByNumber: Record<string, string> = {};
    for (const number of numbers) {
      receiptsByNumber[number] = ok(
        await t.http().get(`/v1/receipts/${number}`).set(as(finance)),
        200,
      ).text;
    }
    const signingKeys = ok(await t.http().get('/v1/public/signing-keys'), 200).text;
    const pinned = `asOf=${pin.asOf}&asOfSeq=${pin.asOfSeq}`;
    const reportPaths = {
      contributions: `/v1/reports/contributions?${pinned}`,
      fundStatus: `/v1/reports/fund-status?${pinned}`,
      trialBalance: `/v1/reports/trial-balance?${pinned}`,
      travelSupport: `/v1/reports/travel-support?conference=NAIROBI-2009&${pinned}`,
    };
    const reports: Record<string, string> = {};
    for (const [name, path] of Object.entries(reportPaths)) {
      reports[name] = ok(await t.http().get(path).set(as(auditor)), 200).text;
    }
    reports.contributionsCsv = ok(
      await t
        .http()
        .get(reportPaths.contributions)
        .set({ ...as(auditor), Accept: 'text/csv' }),
      200,
    ).text;
    return {
      verify: { status: verify.status, text: verify.text, body: verify.body },
      entryPages,
      receipts,
      receiptsByNumber,
      signingKeys,
      reports,
    };
  }

  /** A year of the fund: every kind of fact the ledger keeps, recorded as its users would. */
  async function recordLedger(t: TestApp): Promise<void> {
    const f = await Factories.create(t);
    finance = f.financeKey;
    auditor = await t.createKey('auditor');
    admin = await t.createKey('admin');

    await f.rate('EUR', '2009-01-01', '0.75');
    await f.rate('JPY', '2009-03-01', '100');
    await f.rate('JPY', '2009-04-01', '98');
    const japan = await f.memberState('JPN');
    japanId = japan.id;
    const norway = await f.memberState('NOR');
    // Non-ASCII text must come back byte for byte too.
    const ngo = await f.donor({ name: 'Fondation Émile & Søren — 南南合作', type: 'ngo' });

    await f.pledge({
      donorId: ngo.id,
      currency: 'EUR',
      amount: '5000.00',
      status: 'announced',
      pledgedOn: '2009-02-10',
    });
    const pledge = await f.pledge({
      donorId: japan.id,
      currency: 'JPY',
      amount: '3000000',
      earmark: 'participation:NAIROBI-2009',
      pledgedOn: '2009-03-02',
      confirmedOn: '2009-03-16',
      reference: 'JPN/2009/1',
    });
    pledgeId = pledge.id;
    const eurPledge = await f.pledge({
      donorId: norway.id,
      currency: 'EUR',
      amount: '40000.00',
      pledgedOn: '2009-01-20',
      confirmedOn: '2009-02-01',
      reference: 'NOR/2009/7',
    });

    const jpy = { donorId: japan.id, pledgeId: pledge.id, currency: 'JPY', amount: '1000000' };
    const returned = await f.pay({ ...jpy, receivedOn: '2009-04-20', bankReference: 'MT103 0420' });
    reversedPaymentId = returned.id;
    await f.reverse(reversedPaymentId, '2009-05-04');
    const payments = [
      returned,
      await f.pay({ ...jpy, receivedOn: '2009-06-15' }),
      await f.pay({
        donorId: norway.id,
        pledgeId: eurPledge.id,
        currency: 'EUR',
        amount: '15000.00',
        receivedOn: '2009-05-05',
      }),
      await f.pay({
        donorId: norway.id,
        currency: 'USD',
        amount: '10000.00',
        receivedOn: '2009-10-01',
        earmark: 'participation:NAIROBI-2009',
      }),
      await f.pay({
        donorId: ngo.id,
        currency: 'USD',
        amount: '2500.00',
        receivedOn: '2009-10-02',
        earmark: 'unearmarked',
      }),
    ];
    for (const payment of payments) {
      numbers.push(payment.receiptNumber);
      const receipt = ok(
        await t.http().get(`/v1/receipts/${payment.receiptNumber}`).set(as(finance)),
        200,
      );
      codes.push(receipt.body.receipt.verificationCode as string);
    }

    // NAIROBI-2009: its money parameters are entered, then one run is committed.
    ok(
      await t.http().patch('/v1/conferences/NAIROBI-2009').set(as(admin)).send({
        nominationDeadline: '2009-11-06',
        dsaRateUsd: '250.00',
        dsaNights: 4,
        terminalExpensesUsd: '100.00',
        maxDelegatesLdc: 2,
        maxDelegatesOther: 1,
      }),
      200,
    );
    const requests = [
      { countryCode: 'MWI', nominatedOn: '2009-10-10', airfares: ['900.00', '1000.00'] },
      { countryCode: 'KEN', nominatedOn: '2009-10-12', airfares: ['300.00'] },
      { countryCode: 'NPL', nominatedOn: '2009-11-10', airfares: ['1500.00'] },
    ];
    for (const { countryCode, nominatedOn, airfares } of requests) {
      ok(
        await t
          .http()
          .post('/v1/conferences/NAIROBI-2009/travel-requests')
          .set(as(finance))
          .send({
            countryCode,
            nominatedOn,
            nominationReference: `${countryCode}/2009/1`,
            delegates: airfares.map((airfareUsd, i) => ({ name: `Delegate ${i}`, airfareUsd })),
          }),
        201,
      );
    }
    const commit = ok(
      await t
        .http()
        .post('/v1/conferences/NAIROBI-2009/allocation-runs')
        .set(as(finance))
        .set('Idempotency-Key', randomUUID())
        .send({ mode: 'commit', effectiveOn: '2009-11-16' }),
      201,
    );
    expect(Number(commit.body.spentUsd)).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'unfssc-backup-'));
    await withClient(serverUrl!, (client) => client.query(`CREATE DATABASE ${originalName}`));
    original = await startTestApp({ DATABASE_URL: originalUrl, DATA_DIR: dataDir });
    await recordLedger(original);
    const head = ok(await original.http().get('/v1/ledger/verify').set(as(auditor)), 200);
    before = await capture(original, { asOf: '2009-12-31', asOfSeq: head.body.headSeq as number });

    // The nightly backup: taken while the API is up (pg_dump reads one consistent snapshot).
    await run('pg_dump', ['--format=custom', `--file=${dumpFile}`, `--dbname=${originalUrl}`]);
    dumpList = (await run('pg_restore', ['--list', dumpFile])).stdout;
    await original.close();
    original = undefined;

    // The restore: a new, empty database, then pg_restore of the whole archive into it.
    await withClient(serverUrl!, (client) => client.query(`CREATE DATABASE ${restoredName}`));
    await run('pg_restore', ['--exit-on-error', '--no-owner', `--dbname=${restoredUrl}`, dumpFile]);
  }, 180_000);

  afterAll(async () => {
    await restored?.close();
    await original?.close();
    if (serverUrl) {
      await withClient(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
        await client.query(`DROP DATABASE IF EXISTS ${originalName} WITH (FORCE)`);
      });
    }
    rmSync(dumpFile, { force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('recorded a realistic ledger whose chain verifies before the backup', () => {
    expect(before.verify.body).toMatchObject({ valid: true, firstBrokenSeq: null });
    expect(before.verify.body.entries).toBeGreaterThanOrEqual(12);
    expect(before.entryPages.length).toBeGreaterThan(1);
    expect(JSON.parse(before.receipts[codes[0]]).status).toBe('cancelled');
  });

  it('restores data before it creates the triggers, so no trigger fires during the restore', () => {
    // `pg_restore --list` prints the archive's table of contents in restore order: every row is
    // copied (TABLE DATA, SEQUENCE SET) before any trigger exists (post-data section).
    const lines = dumpList.split('\n').filter((line) => /^\d+;/.test(line));
    const lastData = lines.findLastIndex((line) => / (TABLE DATA|SEQUENCE SET) /.test(line));
    const firstTrigger = lines.findIndex((line) => / TRIGGER /.test(line));
    expect(lastData).toBeGreaterThan(0);
    expect(firstTrigger).toBeGreaterThan(lastData);
    for (const table of ['journal_entries', 'journal_lines', 'receipts', 'account_day_balances']) {
      expect(dumpList).toMatch(new RegExp(`TABLE DATA public ${table} `));
    }
    for (const sequence of ['journal_lines_id_seq', 'audit_events_seq_seq']) {
      expect(dumpList).toMatch(new RegExp(`SEQUENCE SET public ${sequence} `));
    }
  });

  it('restores every table, sequence and trigger exactly', async () => {
    const [a, b] = [await snapshot(originalUrl), await snapshot(restoredUrl)];
    expect(b).toEqual(a);
    const contents = a.contents as Record<string, { rows: number }>;
    expect(Object.keys(contents).length).toBeGreaterThanOrEqual(25);
    for (const table of ['journal_entries', 'journal_lines', 'receipts', 'allocations']) {
      expect(contents[table].rows).toBeGreaterThan(0);
    }
    // The append-only rules are back and enabled ('O'), not merely present.
    const triggers = b.triggers as { tgname: string; tgenabled: string }[];
    expect(triggers.map((trigger) => trigger.tgname)).toEqual(
      expect.arrayContaining([
        'journal_entries_append_only',
        'journal_lines_append_only',
        'receipts_guard',
        'audit_events_append_only',
        'journal_entries_balanced',
        'journal_lines_day_balances',
        'journal_entries_contribution_facts',
      ]),
    );
    expect(triggers.every((trigger) => trigger.tgenabled === 'O')).toBe(true);
  });

  describe('an API started on the restored database with the same data directory', () => {
    let after: Captured;

    beforeAll(async () => {
      restored = await startTestApp({ DATABASE_URL: restoredUrl, DATA_DIR: dataDir });
      const head = before.verify.body;
      after = await capture(restored, { asOf: '2009-12-31', asOfSeq: head.headSeq as number });
    }, 120_000);

    it('found nothing to migrate and created no new admin key', async () => {
      expect(restored!.adminKey).toBe('');
      const applied = 'SELECT id, timestamp::text, name FROM schema_migrations ORDER BY id';
      const was = await withClient(
        originalUrl,
        async (client) => (await client.query(applied)).rows,
      );
      expect(await restored!.sql(applied)).toEqual(was);
      expect(was.length).toBeGreaterThan(0);
    });

    it('verifies the chain with the same head', () => {
      expect(after.verify.body).toMatchObject({ valid: true, firstBrokenSeq: null });
      expect(after.verify.text).toBe(before.verify.text);
    });

    it('exports a byte-identical journal, page by page', () => {
      expect(after.entryPages).toEqual(before.entryPages);
    });

    it('answers identical receipts that still verify with the published key', () => {
      expect(after.signingKeys).toBe(before.signingKeys);
      expect(after.receipts).toEqual(before.receipts);
      expect(after.receiptsByNumber).toEqual(before.receiptsByNumber);
      const keys = JSON.parse(after.signingKeys) as {
        items: { keyId: string; publicKeyPem: string }[];
      };
      for (const text of Object.values(after.receipts)) {
        const document = JSON.parse(text) as {
          receipt: ReceiptPayload;
          signature: string;
          keyId: string;
        };
        const key = keys.items.find((item) => item.keyId === document.keyId);
        expect(key).toBeDefined();
        expect(
          verifyReceiptSignature(document.receipt, document.signature, key!.publicKeyPem),
        ).toBe(true);
      }
    });

    it('answers pinned reports with identical bodies and content hashes', () => {
      for (const name of ['contributions', 'fundStatus', 'trialBalance', 'travelSupport']) {
        const [was, is] = [JSON.parse(before.reports[name]), JSON.parse(after.reports[name])];
        expect(is.contentHash).toBe(was.contentHash);
        expect(after.reports[name]).toBe(before.reports[name]);
      }
      expect(after.reports.contributionsCsv).toBe(before.reports.contributionsCsv);
      const travel = JSON.parse(after.reports.travelSupport);
      expect(Number(travel.totals.countriesFunded)).toBeGreaterThan(0);
    });

    it('keeps the append-only rules and the conference lock', async () => {
      await expect(
        restored!.sql('UPDATE journal_lines SET amount_usd = amount_usd + 1'),
      ).rejects.toThrow(/append-only/);
      await expect(restored!.sql('DELETE FROM receipts')).rejects.toThrow(/never removed/);
      expectProblem(
        await restored!
          .http()
          .patch('/v1/conferences/NAIROBI-2009')
          .set(as(admin))
          .send({ dsaRateUsd: '300.00' }),
        409,
        'CONFERENCE_LOCKED',
      );
      expectProblem(
        await restored!
          .http()
          .post(`/v1/payments/${reversedPaymentId}/reverse`)
          .set(as(finance))
          .send({ reason: 'Again', reversedOn: '2009-05-06' }),
        409,
        'ALREADY_REVERSED',
      );
    });

    it('continues receipt and journal numbering without a gap', async () => {
      const head = before.verify.body as { headSeq: number; headHash: string; entries: number };
      const lastNumber = numbers
        .filter((n) => n.startsWith('UNFSSC-2009-'))
        .sort()
        .at(-1)!;
      const nextNumber = `UNFSSC-2009-${String(Number(lastNumber.slice(-6)) + 1).padStart(6, '0')}`;

      const payment = ok(
        await restored!
          .http()
          .post('/v1/payments')
          .set(as(finance))
          .set('Idempotency-Key', randomUUID())
          .send({
            donorId: japanId,
            pledgeId,
            currency: 'JPY',
            amount: '500000',
            receivedOn: '2009-12-15',
          }),
        201,
      );
      expect(payment.body.receiptNumber).toBe(nextNumber);
      expect(payment.body.journalEntrySeq).toBe(head.headSeq + 1);

      const page = ok(
        await restored!
          .http()
          .get(`/v1/ledger/entries?afterSeq=${head.headSeq}&limit=10`)
          .set(as(auditor)),
        200,
      );
      expect(page.body.entries).toHaveLength(1);
      expect(page.body.entries[0]).toMatchObject({
        seq: head.headSeq + 1,
        previousHash: head.headHash,
        sourceId: payment.body.id,
      });

      const verify = ok(await restored!.http().get('/v1/ledger/verify').set(as(auditor)), 200);
      expect(verify.body).toMatchObject({
        valid: true,
        entries: head.entries + 1,
        headSeq: head.headSeq + 1,
        headHash: page.body.entries[0].hash,
      });

      const receipt = ok(
        await restored!.http().get(`/v1/receipts/${nextNumber}`).set(as(finance)),
        200,
      );
      const keys = JSON.parse(after.signingKeys) as {
        items: { keyId: string; publicKeyPem: string }[];
      };
      expect(keys.items.map((key) => key.keyId)).toContain(receipt.body.keyId);
      const key = keys.items.find((item) => item.keyId === receipt.body.keyId)!;
      expect(
        verifyReceiptSignature(receipt.body.receipt, receipt.body.signature, key.publicKeyPem),
      ).toBe(true);
      // Rows with serial ids (journal lines, audit events, contribution facts) got fresh ids.
      const [{ lines }] = await restored!.sql<{ lines: number }>(
        'SELECT count(*)::int AS lines FROM journal_lines WHERE entry_seq = $1',
        [head.headSeq + 1],
      );
      expect(lines).toBeGreaterThan(0);

      // A report pinned before the new payment still answers what it answered before the backup.
      const pinned = ok(
        await restored!
          .http()
          .get(`/v1/reports/trial-balance?asOf=2009-12-31&asOfSeq=${head.headSeq}`)
          .set(as(auditor)),
        200,
      );
      expect(pinned.text).toBe(before.reports.trialBalance);
    });
  });
});
