// Proves that a receipt's Ed25519 signature covers exactly its canonical JSON (every field, in any
// key order), that the signing key is taken from configuration or created once in the data
// directory with owner-only permissions, and that codes and numbers have the printed shapes.
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatReceiptNumber,
  isVerificationCode,
  loadOrCreateSigningKey,
  newVerificationCode,
  normalizeVerificationCode,
  receiptCanonicalBytes,
  signReceipt,
  signingKeyId,
  SIGNING_KEY_FILE,
  verifyReceiptSignature,
} from '#src/receipts/receipt-signer.js';
import type { ReceiptPayload } from '#src/receipts/receipt.types.js';

const payload: ReceiptPayload = {
  number: 'UNFSSC-2026-000001',
  verificationCode: '7QK2M9ZX4TN8VB3CRH6D',
  donorId: '5f0c6f4e-2b1a-4c5d-9e8f-0a1b2c3d4e5f',
  donorName: 'Japan',
  pledgeReference: 'JPN-2026-01',
  currency: 'JPY',
  amount: '3000000',
  receivedOn: '2026-03-15',
  rate: '149.85',
  rateEffectiveOn: '2026-03-01',
  amountUsd: '20020.02',
  earmark: 'unearmarked',
  bankReference: null,
  issuedAt: '2026-03-15T10:04:05.123Z',
};

function freshKeyPair(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

describe('signing and verifying a receipt', () => {
  const { privateKey, publicKeyPem } = freshKeyPair();

  it('verifies a receipt it signed, with a 64-byte Ed25519 signature in base64', () => {
    const signature = signReceipt(payload, privateKey);
    expect(Buffer.from(signature, 'base64')).toHaveLength(64);
    expect(verifyReceiptSignature(payload, signature, publicKeyPem)).toBe(true);
  });

  it('signs the sorted, whitespace-free UTF-8 JSON, so another language can rebuild the bytes', () => {
    const receipt = { ...payload, donorName: 'République de Côte d’Ivoire' };
    const text = receiptCanonicalBytes(receipt).toString('utf8');
    expect(text).toBe(
      '{"amount":"3000000","amountUsd":"20020.02","bankReference":null,"currency":"JPY",' +
        '"donorId":"5f0c6f4e-2b1a-4c5d-9e8f-0a1b2c3d4e5f","donorName":"République de Côte d’Ivoire",' +
        '"earmark":"unearmarked","issuedAt":"2026-03-15T10:04:05.123Z","number":"UNFSSC-2026-000001",' +
        '"pledgeReference":"JPN-2026-01","rate":"149.85","rateEffectiveOn":"2026-03-01",' +
        '"receivedOn":"2026-03-15","verificationCode":"7QK2M9ZX4TN8VB3CRH6D"}',
    );
    // Non-ASCII characters are written as UTF-8 bytes, not as \u escapes.
    expect(receiptCanonicalBytes(receipt).includes(Buffer.from('ô', 'utf8'))).toBe(true);
  });

  // Each field is changed on its own; a null field is given a value, so that "absent" can never
  // be swapped for a value without breaking the signature.
  it.each(Object.keys(payload) as (keyof ReceiptPayload)[])(
    'refuses the receipt once %s is changed',
    (field) => {
      const signature = signReceipt(payload, privateKey);
      const current = payload[field];
      const changed = { ...payload, [field]: current === null ? 'X' : `${current}0` };
      expect(verifyReceiptSignature(changed, signature, publicKeyPem)).toBe(false);
    },
  );

  it('refuses the receipt when a null field is dropped or a field is added', () => {
    const signature = signReceipt(payload, privateKey);
    const { bankReference: _dropped, ...withoutBankReference } = payload;
    expect(
      verifyReceiptSignature(withoutBankReference as ReceiptPayload, signature, publicKeyPem),
    ).toBe(false);
    const withExtra = { ...payload, status: 'issued' } as ReceiptPayload;
    expect(verifyReceiptSignature(withExtra, signature, publicKeyPem)).toBe(false);
  });

  it('does not depend on the key order of the payload object', () => {
    const reversed = Object.fromEntries(Object.entries(payload).reverse()) as ReceiptPayload;
    expect(Object.keys(reversed)[0]).toBe('issuedAt');
    expect(receiptCanonicalBytes(reversed)).toEqual(receiptCanonicalBytes(payload));
    // Ed25519 is deterministic, so the same bytes give the same signature.
    expect(signReceipt(reversed, privateKey)).toBe(signReceipt(payload, privateKey));
    expect(verifyReceiptSignature(reversed, signReceipt(payload, privateKey), publicKeyPem)).toBe(
      true,
    );
  });

  it('refuses a signature made with another key', () => {
    const other = freshKeyPair();
    expect(
      verifyReceiptSignature(payload, signReceipt(payload, other.privateKey), publicKeyPem),
    ).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['not base64', '!!!!'],
    ['base64 with junk that Buffer.from would skip', `${signReceipt(payload, privateKey)}#`],
    ['too short', 'AAAA'],
  ])('answers false, without throwing, for a malformed signature (%s)', (_why, signature) => {
    expect(verifyReceiptSignature(payload, signature, publicKeyPem)).toBe(false);
  });

  it('answers false for a public key that is not Ed25519 or not a key at all', () => {
    const signature = signReceipt(payload, privateKey);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const ecPem = ec.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyReceiptSignature(payload, signature, ecPem)).toBe(false);
    expect(verifyReceiptSignature(payload, signature, 'not a key')).toBe(false);
  });
});

describe('the signing key', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'receipt-key-'));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses the configured PEM and writes nothing to the data directory', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = loadOrCreateSigningKey({ pem, dataDir });
    expect(key.created).toBe(false);
    expect(key.publicKeyPem).toBe(
      createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    );
    expect(fs.existsSync(join(dataDir, SIGNING_KEY_FILE))).toBe(false);
  });

  it('names a key by the first 16 hex characters of the SHA-256 of its SPKI DER', () => {
    const key = loadOrCreateSigningKey({ pem: null, dataDir });
    const der = createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(key.keyId).toBe(createHash('sha256').update(der).digest('hex').slice(0, 16));
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(signingKeyId(createPublicKey(key.publicKeyPem))).toBe(key.keyId);
  });

  it('creates the key once, readable by its owner only, and reads the same key afterwards', () => {
    const first = loadOrCreateSigningKey({ pem: null, dataDir });
    const path = join(dataDir, SIGNING_KEY_FILE);
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(path);

    const second = loadOrCreateSigningKey({ pem: null, dataDir });
    expect(second.created).toBe(false);
    expect(second.keyId).toBe(first.keyId);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(readFileSync(path)).toEqual(bytes);
    const signature = signReceipt(payload, first.privateKey);
    expect(signReceipt(payload, second.privateKey)).toBe(signature);
  });

  it('creates the data directory when it does not exist yet', () => {
    const nested = join(dataDir, 'not', 'yet');
    expect(loadOrCreateSigningKey({ pem: null, dataDir: nested }).created).toBe(true);
    expect(fs.existsSync(join(nested, SIGNING_KEY_FILE))).toBe(true);
  });

  it("signs with the other process's key when it wins the exclusive create", () => {
    const winner = generateKeyPairSync('ed25519').privateKey;
    const winnerPem = winner.export({ type: 'pkcs8', format: 'pem' }).toString();
    const realWrite = fs.writeFileSync.bind(fs);
    // Another process creates the file between this one's read (none yet) and its own create.
    jest.spyOn(fs, 'writeFileSync').mockImplementationOnce((path) => {
      realWrite(path, winnerPem, { mode: 0o600 });
      throw Object.assign(new Error('file exists'), { code: 'EEXIST' });
    });
    const key = loadOrCreateSigningKey({ pem: null, dataDir });
    expect(key.created).toBe(false);
    expect(key.keyId).toBe(signingKeyId(winner));
    expect(readFileSync(join(dataDir, SIGNING_KEY_FILE), 'utf8')).toBe(winnerPem);
  });

  it('reads the winner again while its file is still only partly written', () => {
    const winner = generateKeyPairSync('ed25519').privateKey;
    const winnerPem = winner.export({ type: 'pkcs8', format: 'pem' }).toString();
    const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    jest.spyOn(fs, 'writeFileSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('file exists'), { code: 'EEXIST' });
    });
    jest
      .spyOn(fs, 'readFileSync')
      .mockImplementationOnce(() => {
        throw enoent;
      })
      .mockImplementationOnce(() => winnerPem.slice(0, 40))
      .mockImplementationOnce(() => winnerPem);
    expect(loadOrCreateSigningKey({ pem: null, dataDir }).keyId).toBe(signingKeyId(winner));
  });

  describe('refuses a key that is not Ed25519', () => {
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

    it('from configuration, naming the type and quoting no key material', () => {
      expect(() => loadOrCreateSigningKey({ pem: rsaPem, dataDir })).toThrow(
        /configured receipt signing key is a rsa key; receipts are signed with Ed25519/,
      );
      const body = rsaPem.split('\n')[1]!;
      expect(() => loadOrCreateSigningKey({ pem: rsaPem, dataDir })).not.toThrow(body);
    });

    it('from a file in the data directory', () => {
      writeFileSync(join(dataDir, SIGNING_KEY_FILE), rsaPem, { mode: 0o600 });
      expect(() => loadOrCreateSigningKey({ pem: null, dataDir })).toThrow(/Ed25519/);
    });

    it('when the configured text is not a private key at all', () => {
      const publicPem = freshKeyPair().publicKeyPem;
      for (const pem of ['not a pem', publicPem]) {
        expect(() => loadOrCreateSigningKey({ pem, dataDir })).toThrow(
          'The configured receipt signing key is not a PEM private key',
        );
      }
    });
  });
});

describe('verification codes', () => {
  const codes = Array.from({ length: 2000 }, newVerificationCode);

  it('are 20 characters of Crockford base32, without I, L, O or U', () => {
    for (const code of codes) {
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);
      expect(code).not.toMatch(/[ILOU]/);
      expect(isVerificationCode(code)).toBe(true);
    }
  });

  it('use the whole alphabet and do not repeat', () => {
    // 40,000 characters over 32 symbols: a symbol never drawn would mean a broken mapping.
    expect(new Set(codes.join('')).size).toBe(32);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each([
    ['lower case', '7qk2m9zx4tn8vb3crh6d'],
    ['19 characters', '7QK2M9ZX4TN8VB3CRH6'],
    ['21 characters', '7QK2M9ZX4TN8VB3CRH6DD'],
    ['an O', 'OQK2M9ZX4TN8VB3CRH6D'],
    ['a U', 'UQK2M9ZX4TN8VB3CRH6D'],
    ['a separator', '7QK2M-9ZX4TN8VB3CRH6'],
    ['empty', ''],
  ])('refuses %s as an issued code', (_why, text) => {
    expect(isVerificationCode(text)).toBe(false);
  });

  it.each([
    ['7qk2m-9zx4t-n8vb3-crh6d', '7QK2M9ZX4TN8VB3CRH6D'],
    ['7QK2M 9ZX4T N8VB3 CRH6D', '7QK2M9ZX4TN8VB3CRH6D'],
    ['OQK2M9ZX4TN8VB3CRHID', '0QK2M9ZX4TN8VB3CRH1D'],
    ['lQK2M9ZX4TN8VB3CRH6D', '1QK2M9ZX4TN8VB3CRH6D'],
  ])('reads %j as typed from paper as %s', (typed, code) => {
    expect(normalizeVerificationCode(typed)).toBe(code);
  });

  it('cannot read a U or a wrong length as a code', () => {
    expect(normalizeVerificationCode('UQK2M9ZX4TN8VB3CRH6D')).toBeNull();
    expect(normalizeVerificationCode('7QK2M9ZX4T')).toBeNull();
  });
});

describe('receipt numbers', () => {
  it.each([
    [2026, 1, 'UNFSSC-2026-000001'],
    [2026, 42, 'UNFSSC-2026-000042'],
    [2027, 999999, 'UNFSSC-2027-999999'],
    [2026, 1234567, 'UNFSSC-2026-1234567'],
  ])('numbers receipt %i/%i as %s', (year, seq, number) => {
    expect(formatReceiptNumber(year, seq)).toBe(number);
  });

  it.each([
    [2026, 0],
    [2026, -1],
    [2026, 1.5],
    [26, 1],
    [20260, 1],
  ])('refuses year %i with sequence %d', (year, seq) => {
    expect(() => formatReceiptNumber(year, seq)).toThrow(RangeError);
  });
});
