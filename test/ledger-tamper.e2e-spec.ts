// Proves that the ledger's history cannot be rewritten unnoticed: the database refuses UPDATE,
// DELETE and TRUNCATE on posted facts (a receipt may only move once from issued to cancelled);
// a change made behind the triggers' back is reported by GET /v1/ledger/verify at the changed
// entry; an export of the journal and a public receipt verify offline with the repository's
// scripts and stop verifying once a single amount in them is changed (SPEC 8, 9).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The compiled offline verifiers; `npm test` runs `nest build` first. */
const VERIFY_JOURNAL = resolve('dist/src/tools/verify-journal.js');
const VERIFY_RECEIPT = resolve('dist/src/tools/verify-receipt.js');

/** Runs a verifier with this Node and answers its exit status and what it printed. */
function runTool(script: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** A ledger with a few entries: a confirmed USD pledge, two payments on it, one unpledged. */
async function postFewEntries(t: TestApp, f: Factories) {
  const donor = await f.donor();
  const pledge = await f.pledge({
    donorId: donor.id,
    currency: 'USD',
    amount: '9000.00',
    pledgedOn: '2025-03-03',
    confirmedOn: '2025-03-04',
  });
  const pay = (amount: string, receivedOn: string) =>
    f.pay({ donorId: donor.id, pledgeId: pledge.id, currency: 'USD', amount, receivedOn });
  const payments = [await pay('2500.00', '2025-04-01'), await pay('1500.00', '2025-05-02')];
  payments.push(
    await f.pay({
      donorId: donor.id,
      currency: 'USD',
      amount: '300.00',
      receivedOn: '2025-05-20',
      earmark: 'participation:NAIROBI-2009',
    }),
  );
  const entries = await t.sql<{ seq: string }>('SELECT seq::text AS seq FROM journal_entries');
  return { donor, pledge, payments, entryCount: entries.length };
}

/**
 * Runs statements with the append-only triggers switched off for one transaction, as only an
 * attacker with superuser rights could: `session_replication_role = replica` skips ordinary
 * triggers. One simple-protocol query string keeps BEGIN … COMMIT on one connection of the pool.
 */
const behindTheTriggers = (t: TestApp, statements: string) =>
  t.sql(`BEGIN; SET LOCAL session_replication_role = replica; ${statements}; COMMIT;`);

describe('ledger tamper evidence', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'unfssc-tamper-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every page of GET /v1/ledger/entries, each response's text appended as it came. */
  async function exportJournal(t: TestApp, auth: Record<string, string>, limit: number) {
    const pages: string[] = [];
    let afterSeq: number | null = 0;
    while (afterSeq !== null && pages.length < 1000) {
      const page = await t
        .http()
        .get(`/v1/ledger/entries?afterSeq=${afterSeq}&limit=${limit}`)
        .set(auth);
      expect(page.status).toBe(200);
      pages.push(page.text);
      afterSeq = page.body.nextAfterSeq as number | null;
    }
    return pages.join('\n');
  }

  describe('the database refuses to rewrite history; exports and receipts verify offline', () => {
    let t: TestApp;
    let f: Factories;
    let auditor: Record<string, string>;
    let ledger: Awaited<ReturnType<typeof postFewEntries>>;

    beforeAll(async () => {
      t = await startTestApp();
      f = await Factories.create(t);
      auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
      ledger = await postFewEntries(t, f);
    });
    afterAll(async () => {
      await t?.close();
    });

    it.each([
      ['DELETE FROM journal_entries', 'DELETE FROM journal_entries WHERE seq = 1'],
      ['DELETE FROM journal_lines', 'DELETE FROM journal_lines WHERE entry_seq = 1'],
      ['UPDATE journal_lines', 'UPDATE journal_lines SET amount_usd = amount_usd + 1'],
      ['UPDATE journal_entries', "UPDATE journal_entries SET kind = 'x' WHERE seq = 1"],
      ['DELETE FROM payments', 'DELETE FROM payments'],
      ['UPDATE payments', 'UPDATE payments SET amount = amount + 1'],
      ['DELETE FROM receipts', 'DELETE FROM receipts'],
      [
        "UPDATE a receipt's payload",
        `UPDATE receipts SET payload = jsonb_set(payload, '{amount}', '"1.00"')`,
      ],
      ['TRUNCATE journal_entries', 'TRUNCATE journal_entries CASCADE'],
      ['TRUNCATE receipts', 'TRUNCATE receipts'],
      ['UPDATE audit_events', "UPDATE audit_events SET action = 'rewritten'"],
      ['DELETE FROM audit_events', 'DELETE FROM audit_events'],
    ])('refuses %s', async (_what, statement) => {
      await expect(t.sql(statement)).rejects.toThrow(/refused/);
      const [counts] = await t.sql<{ entries: string; payments: string; receipts: string }>(
        `SELECT (SELECT count(*) FROM journal_entries)::text AS entries,
                (SELECT count(*) FROM payments)::text AS payments,
                (SELECT count(*) FROM receipts)::text AS receipts`,
      );
      expect(Number(counts.entries)).toBeGreaterThanOrEqual(ledger.entryCount);
      expect(Number(counts.payments)).toBeGreaterThanOrEqual(3);
      expect(Number(counts.receipts)).toBe(Number(counts.payments));
    });

    it('lets a receipt move from issued to cancelled once, and never back', async () => {
      const donor = await f.donor();
      const payment = await f.pay({
        donorId: donor.id,
        currency: 'USD',
        amount: '10.00',
        receivedOn: '2025-06-02',
        earmark: 'unearmarked',
      });
      const number = payment.receiptNumber;
      const cancel = `UPDATE receipts SET status = 'cancelled', cancelled_at = now() WHERE number = '${number}'`;
      await expect(t.sql(cancel)).resolves.toBeDefined();
      const [row] = await t.sql<{ status: string }>(
        'SELECT status FROM receipts WHERE number = $1',
        [number],
      );
      expect(row.status).toBe('cancelled');
      await expect(t.sql(cancel)).rejects.toThrow(/only move from issued to cancelled/);
      await expect(
        t.sql(
          `UPDATE receipts SET status = 'issued', cancelled_at = NULL WHERE number = '${number}'`,
        ),
      ).rejects.toThrow(/only move from issued to cancelled/);
    });

    it('exports every page of the journal; the export verifies offline and fails once one amount is changed', async () => {
      const file = join(dir, 'journal-export.json');
      writeFileSync(file, await exportJournal(t, auditor, 2));
      const valid = await runTool(VERIFY_JOURNAL, [file]);
      expect(valid).toEqual({ code: 0, output: expect.stringMatching(/^VALID/m) });

      const text = readFileSync(file, 'utf8');
      // The first payment's cash line, 2,500.00, becomes 2,500.01.
      expect(text).toContain('"amountUsd":"2500.00"');
      writeFileSync(file, text.replace('"amountUsd":"2500.00"', '"amountUsd":"2500.01"'));
      const broken = await runTool(VERIFY_JOURNAL, [file]);
      expect(broken.code).toBe(1);
      expect(broken.output).toMatch(
        new RegExp(`BROKEN at seq ${String(ledger.payments[0].journalEntrySeq)}:`),
      );
    });

    it('serves a receipt publicly that verifies offline with the published keys, and not once its amount is changed', async () => {
      const code = (
        await t.sql<{ code: string }>(
          'SELECT verification_code AS code FROM receipts WHERE number = $1',
          [ledger.payments[0].receiptNumber],
        )
      )[0].code;
      const receipt = await request(t.server).get(`/v1/public/receipts/${code}`);
      expect(receipt.status).toBe(200);
      expect(receipt.body.receipt).toMatchObject({ amount: '2500.00', currency: 'USD' });
      const keys = await request(t.server).get('/v1/public/signing-keys');
      expect(keys.status).toBe(200);
      const receiptFile = join(dir, 'receipt.json');
      const keysFile = join(dir, 'signing-keys.json');
      writeFileSync(receiptFile, receipt.text);
      writeFileSync(keysFile, keys.text);
      const valid = await runTool(VERIFY_RECEIPT, [receiptFile, keysFile]);
      expect(valid).toEqual({ code: 0, output: expect.stringMatching(/^VALID/m) });

      const altered = { ...receipt.body, receipt: { ...receipt.body.receipt, amount: '25000.00' } };
      writeFileSync(receiptFile, JSON.stringify(altered));
      const invalid = await runTool(VERIFY_RECEIPT, [receiptFile, keysFile]);
      expect(invalid).toEqual({ code: 1, output: expect.stringMatching(/^INVALID/m) });
    });

    it('answers a PDF receipt to finance, and 404 to the key of another donor', async () => {
      const number = ledger.payments[1].receiptNumber;
      const binary = (res: request.Response, callback: (error: null, body: Buffer) => void) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      };
      const pdf = await t
        .http()
        .get(`/v1/receipts/${number}`)
        .set(f.auth())
        .set('Accept', 'application/pdf')
        .buffer(true)
        .parse(binary as never);
      expect(pdf.status).toBe(200);
      expect(pdf.headers['content-type']).toMatch(/^application\/pdf/);
      expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');

      const own = await t.createKey('donor', ledger.donor.id);
      const mine = await t
        .http()
        .get(`/v1/receipts/${number}`)
        .set({ Authorization: `Bearer ${own}` });
      expect(mine.status).toBe(200);
      const other = await t.createKey('donor', (await f.donor()).id);
      for (const accept of ['application/json', 'application/pdf']) {
        const refused = await t
          .http()
          .get(`/v1/receipts/${number}`)
          .set({ Authorization: `Bearer ${other}`, Accept: accept });
        expect({ accept, status: refused.status }).toEqual({ accept, status: 404 });
      }
    });
  });

  describe('an export of more than ten entries, paged four at a time', () => {
    let t: TestApp;
    let auditor: Record<string, string>;

    beforeAll(async () => {
      t = await startTestApp();
      const f = await Factories.create(t);
      auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
      const donor = await f.donor();
      for (let day = 1; day <= 12; day += 1)
        await f.pay({
          donorId: donor.id,
          currency: 'USD',
          amount: `${day}.00`,
          receivedOn: `2025-07-${String(day).padStart(2, '0')}`,
          earmark: 'unearmarked',
        });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('pages in seq order 1..12, verifies on the server and offline', async () => {
      const file = join(dir, 'journal-twelve.json');
      const text = await exportJournal(t, auditor, 4);
      writeFileSync(file, text);
      const seqs = text
        .split('\n')
        .flatMap((page) => (JSON.parse(page) as { entries: { seq: number }[] }).entries)
        .map((entry) => entry.seq);
      expect(seqs).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
      const verification = await t.http().get('/v1/ledger/verify').set(auditor);
      expect(verification.body).toEqual({
        valid: true,
        entries: 12,
        headSeq: 12,
        headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        firstBrokenSeq: null,
      });
      expect((await runTool(VERIFY_JOURNAL, [file])).code).toBe(0);
    });
  });

  describe('a journal line whose amount is changed behind the triggers', () => {
    let t: TestApp;
    let auditor: Record<string, string>;
    let ledger: Awaited<ReturnType<typeof postFewEntries>>;

    beforeAll(async () => {
      t = await startTestApp();
      const f = await Factories.create(t);
      auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
      ledger = await postFewEntries(t, f);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('is reported by GET /v1/ledger/verify as the first broken entry', async () => {
      const before = await t.http().get('/v1/ledger/verify').set(auditor);
      expect(before.body).toMatchObject({ valid: true, entries: ledger.entryCount });

      // The cash line of the first payment, an entry in the middle of the journal.
      const seq = Number(ledger.payments[0].journalEntrySeq);
      expect(seq).toBeLessThan(ledger.entryCount);
      await behindTheTriggers(
        t,
        `UPDATE journal_lines SET amount_usd = amount_usd + 100 WHERE entry_seq = ${seq} AND account = '1100'`,
      );
      const [line] = await t.sql<{ amount: string }>(
        `SELECT amount_usd::text AS amount FROM journal_lines WHERE entry_seq = $1 AND account = '1100'`,
        [seq],
      );
      expect(line.amount).toBe('2600.00');

      const after = await t.http().get('/v1/ledger/verify').set(auditor);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({
        valid: false,
        entries: ledger.entryCount,
        headSeq: ledger.entryCount,
        firstBrokenSeq: seq,
      });
    });
  });

  describe("a later entry's effective date changed behind the triggers", () => {
    let t: TestApp;
    let auditor: Record<string, string>;
    let ledger: Awaited<ReturnType<typeof postFewEntries>>;

    beforeAll(async () => {
      t = await startTestApp();
      const f = await Factories.create(t);
      auditor = { Authorization: `Bearer ${await t.createKey('auditor')}` };
      ledger = await postFewEntries(t, f);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('is reported at that entry, the entries before it still verifying', async () => {
      // The second payment's entry: later than the first, with one entry still after it.
      const seq = Number(ledger.payments[1].journalEntrySeq);
      expect(seq).toBe(ledger.entryCount - 1);
      await behindTheTriggers(
        t,
        `UPDATE journal_entries SET effective_on = effective_on - 1 WHERE seq = ${seq}`,
      );
      const [entry] = await t.sql<{ effective: string }>(
        'SELECT effective_on::text AS effective FROM journal_entries WHERE seq = $1',
        [seq],
      );
      expect(entry.effective).toBe('2025-05-01');
      const after = await t.http().get('/v1/ledger/verify').set(auditor);
      expect(after.body).toMatchObject({
        valid: false,
        entries: ledger.entryCount,
        headSeq: ledger.entryCount,
        firstBrokenSeq: seq,
      });
    });
  });
});
