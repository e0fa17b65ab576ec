// Proves that the journal chain of SPEC section 9 hashes each entry exactly as an auditor's own
// implementation does, and that changing, removing, reordering or unbalancing any entry is
// reported at that entry's seq.
import fc from 'fast-check';
import { canonicalJson } from '#src/common/canonical-json.js';
import {
  ChainVerifier,
  GENESIS_HASH,
  balanceViolation,
  entryHash,
  verifyChain,
  type JournalEntryView,
  type JournalLineView,
} from '#src/ledger/journal-hash.js';

const DONOR_ID = 'b3f1c2a4-5d6e-4f70-8a91-0c2d3e4f5a6b';
const PLEDGE_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const PAYMENT_ID = 'e4d909c2-90d0-4b2a-9d8f-1a2b3c4d5e6f';
const EARMARK = 'participation:NAIROBI-2009';

// The hashes below were computed outside this code base, with Python 3:
//   json.dumps(entry, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
// and, as a second writer, one that sorts keys by their UTF-16-BE bytes (UTF-16 code unit order,
// as JavaScript's sort does); both gave the same text, then
//   hashlib.sha256((previousHash + text).encode('utf-8')).hexdigest().
// The first one was checked a third time with `printf '%s' ... | sha256sum`. Python's sort_keys
// orders by code point, which differs from code unit order only for keys beyond U+FFFF against
// keys in U+E000–U+FFFF; every key of an entry is ASCII, and so is every value here.
const HASH_1 = '1e8c58870cc1d28eb497c56dd663c68d380b6b54929a4f6f34a6f22fef9042f0';
const HASH_2 = '8a27a4c5ea684a64852cc08432b77430311a95282be796ea19fe439b0bcbcfb7';
const HASH_3 = '27192beee351af4e6991fbac9e9921ce95a00f5d02ca916df5d47376f24a7955';

const CANONICAL_1 =
  '{"effectiveOn":"2009-10-05","kind":"pledge_announced","lines":[],' +
  `"previousHash":"${GENESIS_HASH}","recordedAt":"2009-10-05T14:03:27.481Z",` +
  `"reversesSeq":null,"seq":1,"sourceId":"${PLEDGE_ID}","sourceType":"pledge"}`;

function line(
  account: string,
  side: 'debit' | 'credit',
  amountUsd: string,
  original: { amount: string; rate: string; rateEffectiveOn: string },
): JournalLineView {
  return {
    account,
    side,
    amountUsd,
    earmark: EARMARK,
    currency: 'EUR',
    amountOriginal: original.amount,
    rate: original.rate,
    rateEffectiveOn: original.rateEffectiveOn,
    donorId: DONOR_ID,
    pledgeId: PLEDGE_ID,
  };
}

// A pledge of EUR 250,000.00 for participation in the Nairobi 2009 conference: announced (a memo
// entry), confirmed at the October rate 0.684 (250000.00 / 0.684 = 365497.076... → 365497.08 USD,
// the carrying value), then paid at the November rate 0.668 (250000.00 / 0.668 = 374251.497... →
// 374251.50 USD). The payment relieves the carrying value, the 8754.42 USD difference is an FX
// gain, and PSC is 8 % of the cash, 29940.12 USD. Debits 374251.50 + 29940.12 = 404191.62 equal
// credits 365497.08 + 8754.42 + 29940.12 = 404191.62. Which currency and rate the FX and PSC lines
// carry is the ledger service's decision; here they only need to be fixed.
const OCTOBER = { amount: '250000.00', rate: '0.684', rateEffectiveOn: '2009-10-01' };
const NOVEMBER = { amount: '250000.00', rate: '0.668', rateEffectiveOn: '2009-11-01' };
const PSC = { amount: '20000.00', rate: '0.668', rateEffectiveOn: '2009-11-01' };

const CHAIN: readonly JournalEntryView[] = [
  {
    seq: 1,
    effectiveOn: '2009-10-05',
    kind: 'pledge_announced',
    sourceType: 'pledge',
    sourceId: PLEDGE_ID,
    reversesSeq: null,
    recordedAt: '2009-10-05T14:03:27.481Z',
    previousHash: GENESIS_HASH,
    hash: HASH_1,
    lines: [],
  },
  {
    seq: 2,
    effectiveOn: '2009-10-20',
    kind: 'pledge_confirmed',
    sourceType: 'pledge',
    sourceId: PLEDGE_ID,
    reversesSeq: null,
    recordedAt: '2009-10-20T08:41:09.006Z',
    previousHash: HASH_1,
    hash: HASH_2,
    lines: [
      line('1200', 'debit', '365497.08', OCTOBER),
      line('4100', 'credit', '365497.08', OCTOBER),
    ],
  },
  {
    seq: 3,
    effectiveOn: '2009-11-16',
    kind: 'payment_posted',
    sourceType: 'payment',
    sourceId: PAYMENT_ID,
    reversesSeq: null,
    recordedAt: '2009-11-16T10:12:55.730Z',
    previousHash: HASH_2,
    hash: HASH_3,
    lines: [
      line('1100', 'debit', '374251.50', NOVEMBER),
      line('1200', 'credit', '365497.08', OCTOBER),
      line('4900', 'credit', '8754.42', NOVEMBER),
      line('5200', 'debit', '29940.12', PSC),
      line('2200', 'credit', '29940.12', PSC),
    ],
  },
];

/** A fresh copy of the chain, so that no test sees another's tampering. */
function chain(): JournalEntryView[] {
  return structuredClone(CHAIN) as JournalEntryView[];
}

/**
 * Recomputes previousHash and hash from `fromIndex` on, as someone who can write to the database
 * would after tampering, to show what the chain does and does not reveal.
 */
function rehash(entries: JournalEntryView[], fromIndex = 0): JournalEntryView[] {
  for (let index = fromIndex; index < entries.length; index += 1) {
    const entry = entries[index];
    entry.previousHash = index === 0 ? GENESIS_HASH : entries[index - 1].hash;
    entry.hash = entryHash(entry);
  }
  return entries;
}

describe('a pledge announced, confirmed and paid in EUR for the Nairobi 2009 conference', () => {
  it('writes the memo entry in the canonical form Python writes', () => {
    const { hash: _hash, ...content } = CHAIN[0];
    expect(canonicalJson(content)).toBe(CANONICAL_1);
  });

  it('hashes every entry to the value computed independently', () => {
    expect(CHAIN.map((entry) => entryHash(entry))).toEqual([HASH_1, HASH_2, HASH_3]);
  });

  it('hashes previousHash followed by the canonical JSON, so the prefix counts', () => {
    const { hash: _hash, ...content } = CHAIN[0];
    expect(entryHash(content)).toBe(HASH_1);
    expect(entryHash({ ...content, previousHash: HASH_3 })).not.toBe(HASH_1);
  });

  it('verifies, with the payment balanced in total and within its earmark', () => {
    expect(balanceViolation(CHAIN[2].lines)).toBeNull();
    expect(verifyChain(CHAIN)).toEqual({
      valid: true,
      entries: 3,
      headSeq: 3,
      headHash: HASH_3,
      firstBrokenSeq: null,
      reason: null,
    });
  });
});

describe('tampering with the Nairobi 2009 chain', () => {
  it('reports a changed amount at the entry that holds it', () => {
    const entries = chain();
    entries[1].lines[0].amountUsd = '365497.80';
    const result = verifyChain(entries);
    expect(result).toMatchObject({ valid: false, entries: 3, headSeq: 3, firstBrokenSeq: 2 });
    expect(result.reason).toMatch(
      /^the stored hash "8a27a4c5.*" is not the hash of the entry's content/,
    );
  });

  it('reports a changed and rehashed entry at the next one, whose previousHash no longer matches', () => {
    const entries = chain();
    entries[1].lines[1].amountUsd = '365497.80';
    entries[1].lines[0].amountUsd = '365497.80';
    entries[1].hash = entryHash(entries[1]);
    expect(verifyChain(entries)).toMatchObject({
      firstBrokenSeq: 3,
      reason: 'previousHash is not the hash of entry 2',
    });
  });

  it('cannot see a rewrite of the whole chain, which only the recorded head hash reveals', () => {
    const entries = chain();
    entries[1].lines[1].amountUsd = '365497.80';
    entries[1].lines[0].amountUsd = '365497.80';
    const result = verifyChain(rehash(entries));
    expect(result.valid).toBe(true);
    expect(result.headSeq).toBe(3);
    expect(result.headHash).not.toBe(HASH_3);
  });

  it('reports a deleted entry as a gap at the entry after it', () => {
    const entries = chain();
    entries.splice(1, 1);
    expect(verifyChain(entries)).toMatchObject({
      valid: false,
      entries: 2,
      firstBrokenSeq: 3,
      reason: 'seq 3 follows seq 1: seq 2 is missing',
    });
  });

  it('reports a deleted first entry at the new first entry', () => {
    expect(verifyChain(chain().slice(1))).toMatchObject({
      firstBrokenSeq: 2,
      reason: 'the first entry has seq 2, expected 1',
    });
  });

  it('cannot see a truncated tail, which only the recorded head hash reveals', () => {
    expect(verifyChain(chain().slice(0, 2))).toMatchObject({
      valid: true,
      headSeq: 2,
      headHash: HASH_2,
    });
  });

  it('reports entries out of order at the first one out of place', () => {
    const [first, second, third] = chain();
    expect(verifyChain([first, third, second])).toMatchObject({
      firstBrokenSeq: 3,
      reason: 'seq 3 follows seq 1: seq 2 is missing',
    });
  });

  it('reports a repeated entry at its second occurrence', () => {
    const [first, second, third] = chain();
    expect(verifyChain([first, second, second, third])).toMatchObject({
      entries: 4,
      headSeq: 3,
      firstBrokenSeq: 2,
      reason: 'seq 2 follows seq 2: an entry is repeated or out of order',
    });
  });

  it('reports a first entry that does not start from the genesis hash', () => {
    const entries = chain();
    entries[0].previousHash = 'f'.repeat(64);
    expect(verifyChain(entries)).toMatchObject({
      firstBrokenSeq: 1,
      reason: 'previousHash of the first entry is not the genesis hash (64 zeros)',
    });
  });

  it('reports an entry that does not balance even when its hash is correct', () => {
    const entries = chain();
    entries[2].lines[4].amountUsd = '29940.13';
    expect(verifyChain(rehash(entries))).toMatchObject({
      firstBrokenSeq: 3,
      reason:
        'the entry does not balance: debits total 404191.62 USD but credits total 404191.63 USD',
    });
  });

  it('reports an entry balanced in total that moves money from one earmark to another', () => {
    const entries = chain();
    entries[2].lines[4].earmark = 'unearmarked';
    expect(verifyChain(rehash(entries))).toMatchObject({
      firstBrokenSeq: 3,
      reason:
        'the entry does not balance: within earmark "participation:NAIROBI-2009", ' +
        'debits total 404191.62 USD but credits total 374251.50 USD',
    });
  });

  it('reports a line whose side is neither debit nor credit', () => {
    const entries = chain();
    (entries[1].lines[0] as { side: string }).side = 'DEBIT';
    expect(verifyChain(rehash(entries))).toMatchObject({
      firstBrokenSeq: 2,
      reason: 'the entry does not balance: line 1 has side "DEBIT", not "debit" or "credit"',
    });
  });

  it('reports an amount written as a number or with an exponent', () => {
    const lines = chain()[1].lines;
    (lines[0] as { amountUsd: unknown }).amountUsd = 365497.08;
    expect(balanceViolation(lines)).toBe(
      'line 1 has amountUsd 365497.08, not an unsigned decimal string',
    );
    lines[0].amountUsd = '3.6549708e5';
    expect(balanceViolation(lines)).toBe(
      'line 1 has amountUsd "3.6549708e5", not an unsigned decimal string',
    );
  });

  it('keeps checking nothing after the first break, but still counts what it read', () => {
    const entries = chain();
    entries[0].kind = 'pledge_confirmed';
    entries[2].lines[0].amountUsd = '1.00';
    expect(verifyChain(entries)).toMatchObject({ entries: 3, headSeq: 3, firstBrokenSeq: 1 });
  });
});

describe('verifying a segment of the journal', () => {
  it('verifies entries after a recorded head when given that head', () => {
    expect(
      verifyChain(chain().slice(2), { expectFirstSeq: 3, startPreviousHash: HASH_2 }),
    ).toMatchObject({ valid: true, entries: 1, headSeq: 3, headHash: HASH_3 });
  });

  it('reports a segment that does not continue the recorded head', () => {
    expect(
      verifyChain(chain().slice(2), { expectFirstSeq: 3, startPreviousHash: HASH_1 }),
    ).toMatchObject({
      firstBrokenSeq: 3,
      reason: 'previousHash is not the hash given for entry 2',
    });
  });

  it('refuses to start after seq 1 without the hash of the entry before', () => {
    expect(() => verifyChain(chain().slice(2), { expectFirstSeq: 3 })).toThrow(RangeError);
    expect(() => new ChainVerifier({ expectFirstSeq: 0 })).toThrow(RangeError);
    expect(
      () => new ChainVerifier({ startPreviousHash: GENESIS_HASH.toUpperCase() + 'A' }),
    ).toThrow(RangeError);
  });

  it('finds an empty journal valid, with no head', () => {
    expect(verifyChain([])).toEqual({
      valid: true,
      entries: 0,
      headSeq: null,
      headHash: null,
      firstBrokenSeq: null,
      reason: null,
    });
  });

  it('gives the same result one page at a time as all at once, and can be read between pages', () => {
    const verifier = new ChainVerifier();
    const [first, ...rest] = chain();
    verifier.push(first);
    expect(verifier.result()).toMatchObject({ valid: true, entries: 1, headHash: HASH_1 });
    rest.forEach((entry) => verifier.push(entry));
    expect(verifier.result()).toEqual(verifyChain(CHAIN));
  });
});

// Random journals: every field of every entry is arbitrary text (any Unicode, including astral
// characters) except what the chain itself constrains, and the lines of each entry are postings
// that balance within their earmark. Cents are bigints so that no JavaScript number holds money.
const text = fc.string({ unit: 'binary', maxLength: 10 });
const nullableText = fc.option(text, { nil: null });
const cents = fc.bigInt({ min: 1n, max: 10n ** 17n - 1n });

function usd(amountCents: bigint): string {
  const digits = amountCents.toString().padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

const postingArb = fc
  .record({
    earmark: fc.oneof(fc.constantFrom('unearmarked', EARMARK), text),
    oneSide: fc.constantFrom<'debit' | 'credit'>('debit', 'credit'),
    parts: fc.array(cents, { minLength: 1, maxLength: 3 }),
    accounts: fc.array(fc.constantFrom('1100', '1200', '2100', '2200', '4100', '4900', '5100'), {
      minLength: 4,
      maxLength: 4,
    }),
    currency: text,
    amountOriginal: text,
    rate: text,
    rateEffectiveOn: text,
    donorId: nullableText,
    pledgeId: nullableText,
  })
  .map(({ oneSide, parts, accounts, ...facts }): JournalLineView[] => {
    // One line on one side against one to three lines on the other, all in one earmark.
    const otherSide: 'debit' | 'credit' = oneSide === 'debit' ? 'credit' : 'debit';
    const total = parts.reduce((sum, part) => sum + part, 0n);
    return [
      { ...facts, account: accounts[0], side: oneSide, amountUsd: usd(total) },
      ...parts.map((part, index) => ({
        ...facts,
        account: accounts[index + 1],
        side: otherSide,
        amountUsd: usd(part),
      })),
    ];
  });

const contentArb = fc.record({
  effectiveOn: text,
  kind: text,
  sourceType: text,
  sourceId: nullableText,
  reversesSeq: fc.option(fc.nat(), { nil: null }),
  recordedAt: text,
  postings: fc.array(postingArb, { maxLength: 3 }),
});

const chainArb = fc.array(contentArb, { minLength: 1, maxLength: 6 }).map((contents) =>
  rehash(
    contents.map(({ postings, ...content }, index) => ({
      ...content,
      seq: index + 1,
      previousHash: '',
      hash: '',
      lines: postings.flat(),
    })),
  ),
);

/** Every place a single field lives in an entry: its own keys, and each key of each line. */
function fieldPaths(entry: JournalEntryView): Array<[string] | [number, string]> {
  return [
    ...Object.keys(entry).map((key): [string] => [key]),
    ...entry.lines.flatMap((entryLine, index) =>
      Object.keys(entryLine).map((key): [number, string] => [index, key]),
    ),
  ];
}

describe('random journals', () => {
  it('verify when built by the rules', () => {
    fc.assert(
      fc.property(chainArb, (entries) => {
        expect(verifyChain(entries)).toMatchObject({
          valid: true,
          entries: entries.length,
          headSeq: entries.length,
          headHash: entries[entries.length - 1].hash,
        });
      }),
    );
  });

  it('are reported at the entry whose one field was replaced or deleted', () => {
    const change = fc.oneof(
      fc.constant({ delete: true } as const),
      fc.jsonValue().map((value) => ({ delete: false, value }) as const),
    );
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.nat(), change, (entries, at, field, how) => {
        const index = at % entries.length;
        const original = entries[index];
        const paths = fieldPaths(original);
        const path = paths[field % paths.length];
        const mutated = structuredClone(original);
        const target = (path.length === 1 ? mutated : mutated.lines[path[0]]) as unknown as Record<
          string,
          unknown
        >;
        const key = path.length === 1 ? path[0] : path[1];
        if (how.delete) {
          delete target[key];
        } else {
          fc.pre(canonicalJson(how.value) !== canonicalJson(target[key]));
          target[key] = how.value;
        }
        // fast-check replays generated values while shrinking, so the chain it gave is not edited.
        const tampered = entries.with(index, mutated);
        // A replaced seq that is still a whole number is where the verifier finds the entry;
        // otherwise it reports the seq the entry should have had.
        const seqAfter = mutated.seq as unknown;
        const expectedSeq =
          typeof seqAfter === 'number' && Number.isSafeInteger(seqAfter) && seqAfter >= 1
            ? seqAfter
            : original.seq;
        expect(verifyChain(tampered)).toMatchObject({ valid: false, firstBrokenSeq: expectedSeq });
      }),
    );
  });
});
