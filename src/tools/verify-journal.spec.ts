// Proves that the offline journal verifier reads every export shape an auditor can produce from
// GET /v1/ledger/entries, says VALID or where the chain breaks, and exits 0, 1 or 2 accordingly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS_HASH, entryHash, type JournalEntryView } from '#src/ledger/journal-hash.js';
import {
  EXIT_BROKEN,
  EXIT_USAGE,
  EXIT_VALID,
  USAGE,
  runVerifyJournal,
} from '#src/tools/verify-journal.js';

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'verify-journal-'));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

let fileCount = 0;

/** Writes `text` to a new file of the temporary directory and returns its path. */
function exportFile(text: string): string {
  fileCount += 1;
  const file = join(directory, `export-${String(fileCount)}.json`);
  writeFileSync(file, text, 'utf8');
  return file;
}

/** Runs the verifier and collects what it wrote. */
function run(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runVerifyJournal(args, {
    out: (text) => (out += text),
    err: (text) => (err += text),
  });
  return { code, out, err };
}

// Three entries of one earmark: a memo, a confirmation and a payment. That their hashes are the
// ones an independent implementation computes is proven in journal-hash.spec.ts; here they only
// need to form a chain.
function journal(): JournalEntryView[] {
  const line = (account: string, side: 'debit' | 'credit', amountUsd: string) => ({
    account,
    side,
    amountUsd,
    earmark: 'unearmarked',
    currency: 'USD',
    amountOriginal: amountUsd,
    rate: '1',
    rateEffectiveOn: '2026-01-01',
    donorId: 'donor-1',
    pledgeId: 'pledge-1',
  });
  const contents = [
    { kind: 'pledge_announced', lines: [] },
    {
      kind: 'pledge_confirmed',
      lines: [line('1200', 'debit', '500.00'), line('4100', 'credit', '500.00')],
    },
    {
      kind: 'payment_posted',
      lines: [
        line('1100', 'debit', '500.00'),
        line('1200', 'credit', '500.00'),
        line('5200', 'debit', '40.00'),
        line('2200', 'credit', '40.00'),
      ],
    },
  ];
  const entries: JournalEntryView[] = [];
  for (const [index, content] of contents.entries()) {
    const entry: JournalEntryView = {
      seq: index + 1,
      effectiveOn: '2026-01-15',
      sourceType: 'pledge',
      sourceId: 'pledge-1',
      reversesSeq: null,
      recordedAt: `2026-01-15T09:3${String(index)}:00.000Z`,
      previousHash: entries[index - 1]?.hash ?? GENESIS_HASH,
      hash: '',
      ...content,
    };
    entry.hash = entryHash(entry);
    entries.push(entry);
  }
  return entries;
}

const ENTRIES = journal();
const HEAD = ENTRIES[2].hash;

describe('verify-journal on a sound export', () => {
  it('accepts one page as the API answers it, pretty-printed or not', () => {
    const file = exportFile(JSON.stringify({ entries: ENTRIES, nextAfterSeq: null }, null, 2));
    const result = run(file);
    expect(result).toEqual({
      code: EXIT_VALID,
      err: '',
      out:
        `Journal export: ${file}\n` +
        'Entries read: 3\n' +
        `Head: seq 3, hash ${HEAD}\n` +
        'VALID: every entry follows the one before it, links to its hash, hashes to its stored hash and balances.\n',
    });
  });

  it('accepts a JSON array of entries', () => {
    expect(run(exportFile(JSON.stringify(ENTRIES))).code).toBe(EXIT_VALID);
  });

  it('accepts JSON Lines, with a blank last line and Windows line ends', () => {
    const text = ENTRIES.map((entry) => JSON.stringify(entry)).join('\r\n') + '\r\n\r\n';
    expect(run(exportFile(text)).code).toBe(EXIT_VALID);
  });

  it('accepts pages appended to one file with nothing between them, as curl >> writes them', () => {
    const text =
      JSON.stringify({ entries: ENTRIES.slice(0, 2), nextAfterSeq: 2 }) +
      JSON.stringify({ entries: ENTRIES.slice(2), nextAfterSeq: null });
    const result = run(exportFile(text));
    expect(result.code).toBe(EXIT_VALID);
    expect(result.out).not.toContain('Note:');
  });

  it('accepts a file that starts with a byte order mark', () => {
    expect(run(exportFile(`\uFEFF${JSON.stringify(ENTRIES)}`)).code).toBe(EXIT_VALID);
  });

  it('finds an empty journal valid', () => {
    const result = run(exportFile('{"entries":[],"nextAfterSeq":null}'));
    expect(result.code).toBe(EXIT_VALID);
    expect(result.out).toContain('Head: none (the export holds no entries)');
  });

  it('warns when the last page read says more entries follow', () => {
    const result = run(
      exportFile(JSON.stringify({ entries: ENTRIES.slice(0, 2), nextAfterSeq: 2 })),
    );
    expect(result.code).toBe(EXIT_VALID);
    expect(result.out).toContain(
      'Note: the last page read says more entries follow (nextAfterSeq 2); the export may be incomplete.',
    );
  });

  it('verifies an export made after a recorded head, given that head', () => {
    const file = exportFile(JSON.stringify({ entries: ENTRIES.slice(2), nextAfterSeq: null }));
    expect(run(file, '--after', `2:${ENTRIES[1].hash}`).code).toBe(EXIT_VALID);
    expect(run(file, '--after', `2:${ENTRIES[0].hash}`)).toMatchObject({
      code: EXIT_BROKEN,
      out: expect.stringContaining(
        'BROKEN at seq 3: previousHash is not the hash given for entry 2.',
      ) as unknown,
    });
  });

  it('compares recorded head hashes with the entries that bear them', () => {
    const file = exportFile(JSON.stringify(ENTRIES));
    const result = run(file, '--checkpoint', `2:${ENTRIES[1].hash}`, '--checkpoint', `3:${HEAD}`);
    expect(result.code).toBe(EXIT_VALID);
    expect(result.out).toContain(
      'Checkpoint seq 2: hash matches.\nCheckpoint seq 3: hash matches.',
    );
  });
});

describe('verify-journal on a tampered export', () => {
  it('exits 1 and names the first broken seq and the reason', () => {
    const entries = journal();
    entries[1].lines[1].amountUsd = '50.00';
    const result = run(exportFile(JSON.stringify({ entries })));
    expect(result.code).toBe(EXIT_BROKEN);
    expect(result.out).toMatch(
      /\nBROKEN at seq 2: the stored hash "[0-9a-f]{64}" is not the hash of the entry's content, [0-9a-f]{64}\.\n$/,
    );
  });

  it('exits 1 for a gap', () => {
    const result = run(exportFile(JSON.stringify([ENTRIES[0], ENTRIES[2]])));
    expect(result.code).toBe(EXIT_BROKEN);
    expect(result.out).toContain('BROKEN at seq 3: seq 3 follows seq 1: seq 2 is missing.');
  });

  it('exits 1 when a whole rewritten chain no longer has a recorded head hash', () => {
    const rewritten = journal();
    rewritten[0].recordedAt = '2026-01-15T09:29:59.000Z';
    for (const [index, entry] of rewritten.entries()) {
      entry.previousHash = rewritten[index - 1]?.hash ?? GENESIS_HASH;
      entry.hash = entryHash(entry);
    }
    const result = run(exportFile(JSON.stringify(rewritten)), '--checkpoint', `3:${HEAD}`);
    expect(result.code).toBe(EXIT_BROKEN);
    expect(result.out).toContain('VALID');
    expect(result.out).toContain(
      `Checkpoint seq 3: entry 3 has hash ${rewritten[2].hash}, not the recorded ${HEAD}: the history up to it has been rewritten.`,
    );
  });

  it('exits 1 when a recorded seq is not in the export', () => {
    const result = run(
      exportFile(JSON.stringify(ENTRIES.slice(0, 2))),
      '--checkpoint',
      `3:${HEAD}`,
    );
    expect(result.code).toBe(EXIT_BROKEN);
    expect(result.out).toContain('Checkpoint seq 3: seq 3 is not in the export');
  });

  it('exits 1 for an entry that is not an object', () => {
    const result = run(exportFile(JSON.stringify([ENTRIES[0], null, ENTRIES[2]])));
    expect(result.code).toBe(EXIT_BROKEN);
    expect(result.out).toContain('BROKEN at seq 2: the entry is not a JSON object.');
  });
});

describe('verify-journal usage and unreadable files', () => {
  it('prints the usage with --help and exits 0', () => {
    expect(run('--help')).toEqual({ code: EXIT_VALID, out: `${USAGE}\n`, err: '' });
  });

  it.each([
    [[], 'No export file given.'],
    [['a.json', 'b.json'], 'Give exactly one export file.'],
    [['a.json', '--verbose'], "Unknown option '--verbose'"],
    [['a.json', '--checkpoint', '3:ABC'], '--checkpoint takes <seq>:<hash>'],
    [['a.json', '--checkpoint', `0:${GENESIS_HASH}`], '--checkpoint takes <seq>:<hash>'],
    [['a.json', '--after'], "Option '--after <value>' argument missing"],
  ])('exits 2 for the arguments %j', (args, message) => {
    const result = run(...args);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.out).toBe('');
    expect(result.err).toContain(message);
    expect(result.err).toContain(USAGE);
  });

  it('exits 2 for a file that does not exist', () => {
    const result = run(join(directory, 'missing.json'));
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(/^Cannot read .*missing\.json: ENOENT/);
  });

  it('exits 2 for a file that is not JSON, naming the line', () => {
    const text = `${JSON.stringify(ENTRIES[0])}\n${JSON.stringify(ENTRIES[1])}\n{"seq": 3,\n`;
    const result = run(exportFile(text));
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(/^Line 3: /);
  });

  it('exits 2 for an empty file, and for JSON that holds no entries', () => {
    expect(run(exportFile(' \n')).err).toMatch(/holds no JSON\.\n$/);
    expect(run(exportFile(' \n')).code).toBe(EXIT_USAGE);
    expect(run(exportFile('42')).err).toBe(
      'Line 1: expected a page, an array of entries or an entry, found 42.\n',
    );
    expect(run(exportFile('{"entries":{}}')).err).toBe('Line 1: "entries" is not an array.\n');
  });
});
