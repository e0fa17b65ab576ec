import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  verifyChain,
  type ChainOptions,
  type ChainVerification,
  type JournalEntryView,
} from '#src/ledger/journal-hash.js';

// The offline verifier of SPEC section 9: an auditor exports the journal through the API and
// checks it here, with no database and no server, so that the check does not rely on the system
// it checks. docs/audit-verification.md describes the same procedure for re-implementation.

export const USAGE = `Usage: npm run verify:journal -- <export.json> [options]
   or: node dist/src/tools/verify-journal.js <export.json> [options]

Verifies an export of GET /v1/ledger/entries: each entry follows the one before it by one seq,
its previousHash is that entry's hash, its hash recomputes from its content, and it balances in
USD in total and within each earmark.

The file holds the entries in seq order as one page ({ "entries": [...] }), pages written one
after another, a JSON array of entries, or JSON Lines (one entry per line).

Options:
  --after <seq>:<hash>       The export starts after entry <seq>, whose hash was recorded as
                             <hash> (an export made with afterSeq=<seq>).
  --checkpoint <seq>:<hash>  A head hash recorded earlier: entry <seq> must still have <hash>.
                             May be given more than once.
  -h, --help                 Prints this text.

Exit status: 0 valid, 1 broken or a checkpoint not met, 2 usage error or unreadable file.`;

export const EXIT_VALID = 0;
export const EXIT_BROKEN = 1;
export const EXIT_USAGE = 2;

/** Where the verifier writes; the command line passes process.stdout and process.stderr. */
export interface VerifyJournalOutput {
  out(text: string): void;
  err(text: string): void;
}

/** A seq and the hash an auditor recorded for it. */
interface RecordedHash {
  seq: number;
  hash: string;
}

interface VerifyRequest {
  file: string;
  after: RecordedHash | null;
  checkpoints: RecordedHash[];
}

/** Entries read from an export, and what its last page said about what follows. */
interface JournalExport {
  entries: JournalEntryView[];
  nextAfterSeq: unknown;
}

class UsageError extends Error {}

/** A file that cannot be read, or that is not JSON of one of the accepted shapes. */
class ExportError extends Error {}

const RECORDED_HASH_PATTERN = /^(\d{1,15}):([0-9a-f]{64})$/;

function recordedHash(text: string, option: string, minimumSeq: number): RecordedHash {
  const match = RECORDED_HASH_PATTERN.exec(text);
  const seq = match ? Number(match[1]) : Number.NaN;
  if (!match || seq < minimumSeq) {
    throw new UsageError(
      `${option} takes <seq>:<hash>, a seq of at least ${String(minimumSeq)} and 64 lowercase hexadecimal digits; got "${text}".`,
    );
  }
  return { seq, hash: match[2] };
}

/** Returns null when help was asked for. */
function parseRequest(args: readonly string[]): VerifyRequest | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        after: { type: 'string' },
        checkpoint: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return null;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? 'No export file given.' : 'Give exactly one export file.',
    );
  }
  return {
    file: positionals[0],
    // Seq 0 with the genesis hash is the start of the journal, so --after accepts it.
    after: values.after === undefined ? null : recordedHash(values.after, '--after', 0),
    checkpoints: (values.checkpoint ?? []).map((text) => recordedHash(text, '--checkpoint', 1)),
  };
}

const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * Where the JSON value starting at `start` ends. Objects and arrays are matched bracket for
 * bracket outside strings; a bare value (which cannot be an entry) runs to the next whitespace
 * and JSON.parse then says what is wrong with it. Malformed text is left to JSON.parse too.
 */
function valueEnd(text: string, start: number): number {
  if (text[start] !== '{' && text[start] !== '[') {
    let index = start;
    while (index < text.length && !JSON_WHITESPACE.has(text[index])) index += 1;
    return index;
  }
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
    } else if ((char === '}' || char === ']') && --depth === 0) {
      return index + 1;
    }
  }
  return text.length;
}

/**
 * The JSON values of `text` one after another: a single document, JSON Lines, or pages saved by
 * appending each response to one file (curl ... >> export.json), which need no separator.
 */
function* jsonValues(text: string): Generator<{ value: unknown; line: number }> {
  let index = 0;
  let line = 1;
  for (;;) {
    while (index < text.length && JSON_WHITESPACE.has(text[index])) {
      if (text[index] === '\n') line += 1;
      index += 1;
    }
    if (index >= text.length) return;
    const end = valueEnd(text, index);
    const slice = text.slice(index, end);
    let value: unknown;
    try {
      value = JSON.parse(slice);
    } catch (error) {
      throw new ExportError(`Line ${String(line)}: ${(error as Error).message}`);
    }
    yield { value, line };
    line += slice.split('\n').length - 1;
    index = end;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readExport(file: string): JournalExport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ExportError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const result: JournalExport = { entries: [], nextAfterSeq: null };
  let values = 0;
  // A byte order mark, as some Windows tools write, is not part of the JSON.
  for (const { value, line } of jsonValues(text.replace(/^\uFEFF/, ''))) {
    values += 1;
    if (Array.isArray(value)) {
      result.entries.push(...(value as JournalEntryView[]));
    } else if (isRecord(value) && 'entries' in value) {
      if (!Array.isArray(value.entries)) {
        throw new ExportError(`Line ${String(line)}: "entries" is not an array.`);
      }
      result.entries.push(...(value.entries as JournalEntryView[]));
      result.nextAfterSeq = value.nextAfterSeq ?? null;
    } else if (isRecord(value)) {
      result.entries.push(value as unknown as JournalEntryView);
    } else {
      throw new ExportError(
        `Line ${String(line)}: expected a page, an array of entries or an entry, found ${JSON.stringify(value)}.`,
      );
    }
  }
  if (values === 0) {
    throw new ExportError(`${file} holds no JSON.`);
  }
  return result;
}

/** Why a recorded hash is not met by a valid export, or null when it is. */
function checkpointProblem(checkpoint: RecordedHash, entries: JournalEntryView[]): string | null {
  const entry = entries.find((candidate) => candidate.seq === checkpoint.seq);
  if (!entry) {
    return `seq ${String(checkpoint.seq)} is not in the export, so its recorded hash cannot be compared.`;
  }
  if (entry.hash !== checkpoint.hash) {
    return `entry ${String(checkpoint.seq)} has hash ${String(entry.hash)}, not the recorded ${checkpoint.hash}: the history up to it has been rewritten.`;
  }
  return null;
}

function summary(file: string, verification: ChainVerification): string[] {
  const head =
    verification.headSeq === null
      ? 'Head: none (the export holds no entries)'
      : `Head: seq ${String(verification.headSeq)}, hash ${verification.headHash ?? '(none)'}`;
  const verdict = verification.valid
    ? 'VALID: every entry follows the one before it, links to its hash, hashes to its stored hash and balances.'
    : `BROKEN at seq ${String(verification.firstBrokenSeq)}: ${String(verification.reason)}.`;
  return [
    `Journal export: ${file}`,
    `Entries read: ${String(verification.entries)}`,
    head,
    verdict,
  ];
}

function verify(request: VerifyRequest, output: VerifyJournalOutput): number {
  const journal = readExport(request.file);
  const options: ChainOptions = request.after
    ? { expectFirstSeq: request.after.seq + 1, startPreviousHash: request.after.hash }
    : {};
  const verification = verifyChain(journal.entries, options);
  const lines = summary(request.file, verification);
  let code = verification.valid ? EXIT_VALID : EXIT_BROKEN;
  // A recorded hash says something only about a chain that holds together up to it.
  for (const checkpoint of verification.valid ? request.checkpoints : []) {
    const problem = checkpointProblem(checkpoint, journal.entries);
    lines.push(`Checkpoint seq ${String(checkpoint.seq)}: ${problem ?? 'hash matches.'}`);
    if (problem) code = EXIT_BROKEN;
  }
  // The chain cannot show that entries are missing at its end; the last page can.
  if (journal.nextAfterSeq !== null) {
    lines.push(
      `Note: the last page read says more entries follow (nextAfterSeq ${JSON.stringify(journal.nextAfterSeq)}); the export may be incomplete.`,
    );
  }
  output.out(`${lines.join('\n')}\n`);
  return code;
}

/**
 * Runs the verifier on command-line arguments (without `node` and the script) and returns the exit
 * status: EXIT_VALID, EXIT_BROKEN, or EXIT_USAGE for bad arguments and unreadable files.
 */
export function runVerifyJournal(args: readonly string[], output: VerifyJournalOutput): number {
  try {
    const request = parseRequest(args);
    if (request === null) {
      output.out(`${USAGE}\n`);
      return EXIT_VALID;
    }
    return verify(request, output);
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`${error.message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ExportError) {
      output.err(`${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

// Run only when this file is the program, not when a test imports it. The script path is
// resolved through symbolic links because import.meta.url always is.
function isProgram(): boolean {
  const script = process.argv[1];
  try {
    return script !== undefined && import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isProgram()) {
  try {
    process.exitCode = runVerifyJournal(process.argv.slice(2), {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
  } catch (error) {
    // A fault of the verifier itself must not read as a verdict on the journal (exit 1).
    process.stderr.write(`The verifier failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}
