// Proves that canonicalJson writes the byte-exact form that receipts are signed over and the
// journal chain hashes (SPEC sections 8 and 9), matching a verifier written in another language.
import fc from 'fast-check';
import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } };
    expect(canonicalJson(value)).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('keeps arrays in their order', () => {
    expect(canonicalJson([3, 1, 2, ['b', 'a']])).toBe('[3,1,2,["b","a"]]');
  });

  it('sorts integer-like keys as text, where a JavaScript object would put them first by value', () => {
    const value = { b: 1, '10': 2, '9': 3, a: 4 };
    expect(JSON.stringify(value)).toBe('{"9":3,"10":2,"b":1,"a":4}');
    expect(canonicalJson(value)).toBe('{"10":2,"9":3,"a":4,"b":1}');
  });

  it('sorts by UTF-16 code unit, so an astral character comes before U+FFFD', () => {
    const value = { '\uFFFD': 1, '😀': 2, é: 3, z: 4, Z: 5 };
    expect(canonicalJson(value)).toBe('{"Z":5,"z":4,"é":3,"😀":2,"\uFFFD":1}');
  });

  it('writes non-ASCII text as itself, not as escapes', () => {
    const value = { donorName: 'République de Côte d’Ivoire 中国 😀' };
    expect(canonicalJson(value)).toBe('{"donorName":"République de Côte d’Ivoire 中国 😀"}');
  });

  it('drops undefined properties and writes undefined array items as null, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1], c: null })).toBe(
      '{"b":[null,1],"c":null}',
    );
  });

  it('applies toJSON, so a Date is written as its ISO timestamp', () => {
    expect(canonicalJson({ issuedAt: new Date(Date.UTC(2026, 0, 15, 9, 30)) })).toBe(
      '{"issuedAt":"2026-01-15T09:30:00.000Z"}',
    );
  });

  it('keeps a "__proto__" key as an ordinary member', () => {
    const value = JSON.parse('{"b":2,"__proto__":{"x":1}}') as unknown;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1},"b":2}');
  });

  it('refuses a value that has no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('says the same thing as JSON.stringify, and is stable when applied again', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalJson(value);
        expect(JSON.parse(canonical)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(canonical))).toBe(canonical);
      }),
    );
  });

  it('does not depend on the order in which keys were inserted', () => {
    const entriesArb = fc.uniqueArray(fc.tuple(fc.string(), fc.jsonValue()), {
      selector: ([key]) => key,
    });
    fc.assert(
      fc.property(entriesArb, (entries) => {
        const forwards = Object.fromEntries(entries);
        const backwards = Object.fromEntries([...entries].reverse());
        expect(canonicalJson(backwards)).toBe(canonicalJson(forwards));
      }),
    );
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('hashes the UTF-8 bytes of the text (é is C3 A9)', () => {
    expect(sha256Hex('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});

// The expected values were computed with Python's json.dumps(sort_keys=True,
// separators=(",", ":"), ensure_ascii=False) and hashlib, the tools an auditor would use.
describe('a first journal entry, hashed as SPEC section 9 describes', () => {
  const line = {
    account: '1200',
    side: 'debit',
    amountUsd: '10125.04',
    earmark: 'unearmarked',
    currency: 'JPY',
    amountOriginal: '1000000',
    rate: '98.765',
    rateEffectiveOn: '2026-01-01',
    donorId: 'd-1',
    pledgeId: 'p-1',
  };
  const entry = {
    seq: 1,
    effectiveOn: '2026-01-15',
    kind: 'pledge_confirmed',
    sourceType: 'pledge',
    sourceId: 'p-1',
    reversesSeq: null,
    recordedAt: '2026-01-15T09:30:00.000Z',
    previousHash: '0'.repeat(64),
    lines: [line, { ...line, account: '4100', side: 'credit' }],
  };

  it('writes the canonical form an offline verifier rebuilds', () => {
    expect(canonicalJson(entry)).toBe(
      '{"effectiveOn":"2026-01-15","kind":"pledge_confirmed","lines":[' +
        '{"account":"1200","amountOriginal":"1000000","amountUsd":"10125.04","currency":"JPY",' +
        '"donorId":"d-1","earmark":"unearmarked","pledgeId":"p-1","rate":"98.765",' +
        '"rateEffectiveOn":"2026-01-01","side":"debit"},' +
        '{"account":"4100","amountOriginal":"1000000","amountUsd":"10125.04","currency":"JPY",' +
        '"donorId":"d-1","earmark":"unearmarked","pledgeId":"p-1","rate":"98.765",' +
        '"rateEffectiveOn":"2026-01-01","side":"credit"}],' +
        `"previousHash":"${'0'.repeat(64)}","recordedAt":"2026-01-15T09:30:00.000Z",` +
        '"reversesSeq":null,"seq":1,"sourceId":"p-1","sourceType":"pledge"}',
    );
  });

  it('hashes previousHash followed by the canonical form', () => {
    expect(sha256Hex(entry.previousHash + canonicalJson(entry))).toBe(
      '59bae4b1b7743f82311e53c34946666e60f64cd45bc1e53ac452c6281ed27c34',
    );
  });

  it('hashes a receipt with non-ASCII text over its UTF-8 bytes', () => {
    const receipt = {
      number: 'UNFSSC-2026-000001',
      donorName: 'République de Côte d’Ivoire',
      currency: 'EUR',
      amount: '1250.00',
    };
    expect(sha256Hex(canonicalJson(receipt))).toBe(
      '3fad1021350ca676f54801d4fac1266d4fdba924a8172df875729622eaae987c',
    );
  });
});
