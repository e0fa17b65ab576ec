import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';
import { Dec, USD_DECIMALS, type Decimal } from '#src/common/money/money.js';

// SPEC section 9, tamper evidence: every journal entry stores the hash of its predecessor and a
// hash over its own content, so that changing, removing or reordering any posted entry breaks the
// chain at that entry. This module is pure (no Nest, no TypeORM) because the same code serves the
// ledger service when it posts, GET /v1/ledger/verify when it re-reads the journal, and the
// offline verifier an auditor runs on an export.

/** One line of a journal entry as GET /v1/ledger/entries returns it. */
export interface JournalLineView {
  /** Account code of SPEC section 9 ('1100', '4100'...). */
  account: string;
  side: 'debit' | 'credit';
  /** USD amount as a decimal string ('1250.00'); the side carries the sign. */
  amountUsd: string;
  earmark: string;
  currency: string;
  amountOriginal: string;
  rate: string;
  /** YYYY-MM-DD */
  rateEffectiveOn: string;
  donorId: string | null;
  pledgeId: string | null;
}

/** One journal entry as GET /v1/ledger/entries returns it; its hash covers all other fields. */
export interface JournalEntryView {
  seq: number;
  effectiveOn: string;
  kind: string;
  sourceType: string;
  sourceId: string | null;
  reversesSeq: number | null;
  /** ISO 8601 in UTC with Z and milliseconds. */
  recordedAt: string;
  previousHash: string;
  hash: string;
  /** Empty for a memo entry. */
  lines: JournalLineView[];
}

/** The previousHash of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

const HASH_PATTERN = /^[0-9a-f]{64}$/;

// A line's amountUsd as the API writes it: unsigned, plain notation. The input limits of SPEC
// section 3 (15 integer digits, no zero) are the posting code's business; a verifier only needs
// a number it can add exactly.
const USD_TEXT_PATTERN = /^\d+(\.\d+)?$/;

/**
 * The hash SPEC section 9 stores on an entry: lowercase hex SHA-256 of the UTF-8 bytes of
 * `previousHash` followed by the canonical JSON of the entry without its `hash` field. A full view
 * may be passed: its `hash` is left out of what is hashed.
 */
export function entryHash(entry: Omit<JournalEntryView, 'hash'>): string {
  // previousHash is both the prefix and a member of the JSON. The prefix is what the SPEC names;
  // keeping it inside the JSON too means the canonical text alone shows which chain it belongs to.
  const { hash: _stored, ...content } = entry as Omit<JournalEntryView, 'hash'> & {
    hash?: unknown;
  };
  return sha256Hex(`${content.previousHash}${canonicalJson(content)}`);
}

interface Tally {
  debit: Decimal;
  credit: Decimal;
}

// The lines reach this module from an export file as well as from the database, so nothing about
// their shape is taken for granted: a malformed line is a reason, never an exception.
function lineProblem(line: unknown, number: number): string | null {
  if (typeof line !== 'object' || line === null || Array.isArray(line)) {
    return `line ${String(number)} is not a JSON object`;
  }
  const { side, amountUsd, earmark } = line as Record<string, unknown>;
  if (side !== 'debit' && side !== 'credit') {
    return `line ${String(number)} has side ${JSON.stringify(side) ?? 'undefined'}, not "debit" or "credit"`;
  }
  if (typeof amountUsd !== 'string' || !USD_TEXT_PATTERN.test(amountUsd)) {
    return `line ${String(number)} has amountUsd ${JSON.stringify(amountUsd) ?? 'undefined'}, not an unsigned decimal string`;
  }
  if (typeof earmark !== 'string') {
    return `line ${String(number)} has no earmark`;
  }
  return null;
}

function addTo(tally: Tally, side: 'debit' | 'credit', amountUsd: string): void {
  tally[side] = tally[side].plus(new Dec(amountUsd));
}

// Sums are printed with every decimal they have, so that a sub-cent difference cannot hide
// behind rounding in the reason.
function usdText(value: Decimal): string {
  return value.toFixed(Math.max(USD_DECIMALS, value.decimalPlaces()));
}

function imbalance(tally: Tally, where: string): string | null {
  if (tally.debit.eq(tally.credit)) {
    return null;
  }
  return `${where}debits total ${usdText(tally.debit)} USD but credits total ${usdText(tally.credit)} USD`;
}

/**
 * Why `lines` do not balance (SPEC section 9: debits equal credits in USD, in total and within
 * each earmark), in words, or null when they do. No lines (a memo entry) balance.
 */
export function balanceViolation(lines: readonly JournalLineView[]): string | null {
  if (!Array.isArray(lines)) {
    return 'lines is not an array';
  }
  const total: Tally = { debit: new Dec(0), credit: new Dec(0) };
  const byEarmark = new Map<string, Tally>();
  for (const [index, line] of lines.entries()) {
    const problem = lineProblem(line, index + 1);
    if (problem) {
      return problem;
    }
    const tally = byEarmark.get(line.earmark) ?? { debit: new Dec(0), credit: new Dec(0) };
    byEarmark.set(line.earmark, tally);
    addTo(tally, line.side, line.amountUsd);
    addTo(total, line.side, line.amountUsd);
  }
  // The total is reported first because it is the plainer fault; an entry balanced in total can
  // still move money from one earmark to another, which the per-earmark rule forbids.
  const inTotal = imbalance(total, '');
  if (inTotal) {
    return inTotal;
  }
  for (const [earmark, tally] of byEarmark) {
    const inEarmark = imbalance(tally, `within earmark ${JSON.stringify(earmark)}, `);
    if (inEarmark) {
      return inEarmark;
    }
  }
  return null;
}

/** Where a chain segment starts; the defaults describe a whole journal. */
export interface ChainOptions {
  /** The seq the first entry must have; 1 unless a later segment is verified. */
  expectFirstSeq?: number;
  /** The hash of entry expectFirstSeq − 1; GENESIS_HASH when omitted and the segment starts at 1. */
  startPreviousHash?: string;
}

/** The outcome of a verification: the shape of GET /v1/ledger/verify, plus the reason in words. */
export interface ChainVerification {
  valid: boolean;
  /** Entries read, including any after the first broken one. */
  entries: number;
  /** seq and stored hash of the last entry read; null when there was none. */
  headSeq: number | null;
  headHash: string | null;
  firstBrokenSeq: number | null;
  reason: string | null;
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function quoted(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * Verifies a journal one entry at a time, in seq order, holding only the previous entry's seq and
 * hash, so that a server can verify page after page without holding the journal in memory.
 * Each entry is checked in this order: its seq follows the previous one by exactly one, its
 * previousHash is the previous entry's hash, its stored hash is the recomputed one, and its lines
 * balance. Checking stops at the first broken entry; later entries are still counted and become
 * the head, so that the result says how much was read.
 */
export class ChainVerifier {
  private nextSeq: number;
  private previousHash: string;
  private readonly startsAtGenesis: boolean;
  private count = 0;
  private headSeq: number | null = null;
  private headHash: string | null = null;
  private broken: { seq: number; reason: string } | null = null;

  /** Throws a RangeError for a start that cannot be verified (see ChainOptions). */
  constructor(options: ChainOptions = {}) {
    const firstSeq = options.expectFirstSeq ?? 1;
    if (!isSeq(firstSeq)) {
      throw new RangeError(
        `expectFirstSeq must be a whole number of at least 1, got ${quoted(firstSeq)}`,
      );
    }
    // Starting later than seq 1 without the hash of the entry before would have to trust the first
    // entry's previousHash, and so whatever was done to the history before it.
    if (firstSeq !== 1 && options.startPreviousHash === undefined) {
      throw new RangeError(
        `A segment starting at seq ${String(firstSeq)} needs the hash of entry ${String(firstSeq - 1)}`,
      );
    }
    const start = options.startPreviousHash ?? GENESIS_HASH;
    if (!HASH_PATTERN.test(start)) {
      throw new RangeError('startPreviousHash must be 64 lowercase hexadecimal digits');
    }
    this.nextSeq = firstSeq;
    this.previousHash = start;
    this.startsAtGenesis = options.startPreviousHash === undefined;
  }

  /** Reads the next entry of the journal, in seq order. */
  push(entry: JournalEntryView): void {
    this.count += 1;
    const isObject = typeof entry === 'object' && entry !== null;
    this.headSeq = isObject && isSeq(entry.seq) ? entry.seq : null;
    this.headHash = isObject && typeof entry.hash === 'string' ? entry.hash : null;
    if (this.broken) {
      return;
    }
    const reason = isObject ? this.problemOf(entry) : 'the entry is not a JSON object';
    if (reason) {
      // An entry whose own seq is unusable is reported at the seq it should have had.
      this.broken = { seq: this.headSeq ?? this.nextSeq, reason };
      return;
    }
    this.nextSeq += 1;
    this.previousHash = entry.hash;
  }

  /** The verification of everything pushed so far; it can be read at any time. */
  result(): ChainVerification {
    return {
      valid: this.broken === null,
      entries: this.count,
      headSeq: this.headSeq,
      headHash: this.headHash,
      firstBrokenSeq: this.broken?.seq ?? null,
      reason: this.broken?.reason ?? null,
    };
  }

  private problemOf(entry: JournalEntryView): string | null {
    const order = this.seqProblem(entry.seq) ?? this.linkProblem(entry.previousHash);
    if (order) {
      return order;
    }
    const recomputed = entryHash(entry);
    if (recomputed !== entry.hash) {
      return `the stored hash ${quoted(entry.hash)} is not the hash of the entry's content, ${recomputed}`;
    }
    const balance = balanceViolation(entry.lines);
    return balance === null ? null : `the entry does not balance: ${balance}`;
  }

  private seqProblem(seq: unknown): string | null {
    const expected = this.nextSeq;
    const first = this.count === 1;
    if (seq === expected) {
      return null;
    }
    if (first || !isSeq(seq)) {
      return `${first ? 'the first entry' : 'the entry'} has seq ${quoted(seq)}, expected ${String(expected)}`;
    }
    const previous = String(expected - 1);
    if (seq < expected) {
      return `seq ${String(seq)} follows seq ${previous}: an entry is repeated or out of order`;
    }
    const missing =
      seq === expected + 1
        ? `seq ${String(expected)} is`
        : `seqs ${String(expected)} to ${String(seq - 1)} are`;
    return `seq ${String(seq)} follows seq ${previous}: ${missing} missing`;
  }

  private linkProblem(previousHash: unknown): string | null {
    if (previousHash === this.previousHash) {
      return null;
    }
    if (this.count > 1) {
      return `previousHash is not the hash of entry ${String(this.nextSeq - 1)}`;
    }
    return this.startsAtGenesis
      ? 'previousHash of the first entry is not the genesis hash (64 zeros)'
      : `previousHash is not the hash given for entry ${String(this.nextSeq - 1)}`;
  }
}

/** Verifies a whole journal, or a segment of it (see ChainOptions), in seq order. */
export function verifyChain(
  entries: Iterable<JournalEntryView>,
  options?: ChainOptions,
): ChainVerification {
  const verifier = new ChainVerifier(options);
  for (const entry of entries) {
    verifier.push(entry);
  }
  return verifier.result();
}
