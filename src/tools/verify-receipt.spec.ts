// Proves that the offline checker accepts a receipt exactly as the API answers it, with a PEM key
// or the signing-keys list, refuses one whose signed fields were altered or whose key is not
// published, reports a cancelled receipt as validly signed but cancelled, and exits 0, 1 or 2.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingKeyId, signReceipt } from '#src/receipts/receipt-signer.js';
import type { ReceiptPayload, SignedReceiptView } from '#src/receipts/receipt.types.js';
import { checkReceipt, runVerifyReceipt } from '#src/tools/verify-receipt.js';

const receipt: ReceiptPayload = {
  number: 'UNFSSC-2026-000001',
  verificationCode: '7QK2M9ZX4TN8VB3CRH6D',
  donorId: '5f0c6f4e-2b1a-4c5d-9e8f-0a1b2c3d4e5f',
  donorName: 'République de Côte d’Ivoire',
  pledgeReference: null,
  currency: 'JPY',
  amount: '3000000',
  receivedOn: '2026-03-15',
  rate: '149.85',
  rateEffectiveOn: '2026-03-01',
  amountUsd: '20020.02',
  earmark: 'unearmarked',
  bankReference: 'MHCBJPJT 0315-77',
  issuedAt: '2026-03-15T10:04:05.123Z',
};

function keyPair(): { privateKey: KeyObject; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, keyId: signingKeyId(publicKey) };
}

const current = keyPair();
const retired = keyPair();

function issued(payload: ReceiptPayload = receipt): SignedReceiptView {
  return {
    receipt: payload,
    signature: signReceipt(payload, current.privateKey),
    keyId: current.keyId,
    status: 'issued',
    cancelledAt: null,
  };
}

// The files a verifier saves from the API, as the API writes them: JSON text.
const signingKeys = JSON.stringify({
  items: [
    { keyId: retired.keyId, publicKeyPem: retired.publicKeyPem },
    { keyId: current.keyId, publicKeyPem: current.publicKeyPem },
  ],
  nextCursor: null,
});

function run(files: Record<string, string>, args: string[] = ['receipt.json', 'keys']) {
  let stdout = '';
  let stderr = '';
  const status = runVerifyReceipt(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
  });
  return { status, stdout, stderr };
}

describe('a genuine receipt', () => {
  it('is VALID with the PEM public key, printing its number, amount and status', () => {
    const result = run({ 'receipt.json': JSON.stringify(issued()), keys: current.publicKeyPem });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^VALID: /);
    expect(result.stdout).toContain('Receipt: UNFSSC-2026-000001\n');
    expect(result.stdout).toContain('Amount:  JPY 3000000 (USD 20020.02)\n');
    expect(result.stdout).toContain('Status:  issued\n');
    expect(result.stderr).toBe('');
  });

  it('is VALID with the signing-keys list, the key chosen by keyId among several', () => {
    const result = run({ 'receipt.json': JSON.stringify(issued()), keys: signingKeys });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`verifies with Ed25519 key ${current.keyId}`);
  });

  it('is VALID when its keys come in another order, as another JSON writer may save them', () => {
    const reordered = Object.fromEntries(Object.entries(issued().receipt).reverse());
    const document = { ...issued(), receipt: reordered };
    expect(checkReceipt(JSON.stringify(document, null, 2), signingKeys).valid).toBe(true);
  });

  it('reads real files from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-receipt-'));
    try {
      writeFileSync(join(dir, 'receipt.json'), JSON.stringify(issued()));
      writeFileSync(join(dir, 'signing-keys.json'), signingKeys);
      const lines: string[] = [];
      const status = runVerifyReceipt([join(dir, 'receipt.json'), join(dir, 'signing-keys.json')], {
        stdout: (text) => lines.push(text),
        stderr: (text) => lines.push(text),
      });
      expect(status).toBe(0);
      expect(lines.join('')).toMatch(/^VALID/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a cancelled receipt', () => {
  const cancelled = { ...issued(), status: 'cancelled', cancelledAt: '2026-04-02T08:00:00.000Z' };

  it('still verifies, and says plainly that it is cancelled', () => {
    const result = run({ 'receipt.json': JSON.stringify(cancelled), keys: signingKeys });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^VALID: /);
    expect(result.stdout).toContain('Status:  CANCELLED on 2026-04-02T08:00:00.000Z\n');
    expect(result.stdout).toContain('The signature is still valid, but the receipt is cancelled');
  });

  it('is told apart from an issued one by the status beside the signature, which it says is unsigned', () => {
    // Flipping the status back does not break the signature: only the fund's answer is current.
    const flipped = { ...cancelled, status: 'issued', cancelledAt: null };
    const result = run({ 'receipt.json': JSON.stringify(flipped), keys: signingKeys });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'The status is not covered by the signature; GET /v1/public/receipts/7QK2M9ZX4TN8VB3CRH6D',
    );
  });
});

describe('a receipt that is not proven genuine', () => {
  it.each([
    ['the amount', { amount: '30000000' }],
    ['the donor name', { donorName: 'Republique de Cote d’Ivoire' }],
    ['the rate', { rate: '149.8' }],
    ['a null turned into a value', { pledgeReference: 'JPN-1' }],
  ])('is INVALID once %s is altered', (_what, change) => {
    const document = { ...issued(), receipt: { ...receipt, ...change } };
    const result = run({ 'receipt.json': JSON.stringify(document), keys: signingKeys });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^INVALID: /);
    expect(result.stdout).toContain('(not proven)');
  });

  it('is INVALID when an amount is turned into a JSON number', () => {
    const document = { ...issued(), receipt: { ...receipt, amount: 3000000 } };
    expect(run({ 'receipt.json': JSON.stringify(document), keys: signingKeys }).status).toBe(1);
  });

  it('is INVALID when no published key has its keyId', () => {
    const document = { ...issued(), keyId: 'ffffffffffffffff' };
    const result = run({ 'receipt.json': JSON.stringify(document), keys: signingKeys });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('no published signing key has the id ffffffffffffffff');
  });

  it('is INVALID when the list pairs its keyId with another key', () => {
    const forged = JSON.stringify({
      items: [{ keyId: current.keyId, publicKeyPem: retired.publicKeyPem }],
      nextCursor: null,
    });
    const result = run({ 'receipt.json': JSON.stringify(issued()), keys: forged });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`the key given has id ${retired.keyId}`);
  });

  it('is INVALID with the PEM of another key, and says the key ids differ', () => {
    const result = run({ 'receipt.json': JSON.stringify(issued()), keys: retired.publicKeyPem });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`the receipt names key ${current.keyId}`);
  });
});

describe('usage errors exit 2 and print the usage', () => {
  const good = { 'receipt.json': JSON.stringify(issued()), keys: signingKeys };
  const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

  it.each([
    ['no argument', good, [], 'Give a receipt file and a key file.'],
    ['one argument', good, ['receipt.json'], 'Give a receipt file and a key file.'],
    ['three arguments', good, ['receipt.json', 'keys', 'x'], 'Give a receipt file and a key file.'],
    ['a missing file', good, ['receipt.json', 'nope'], 'Cannot read nope'],
    [
      'a receipt file that is not JSON',
      { ...good, 'receipt.json': '<html>' },
      undefined,
      'not JSON',
    ],
    [
      'a receipt file without a signature',
      { ...good, 'receipt.json': JSON.stringify({ receipt, keyId: current.keyId }) },
      undefined,
      'not the JSON of GET /v1/public/receipts/{code}',
    ],
    [
      'an unknown status',
      { ...good, 'receipt.json': JSON.stringify({ ...issued(), status: 'void' }) },
      undefined,
      'not the JSON of GET /v1/public/receipts/{code}',
    ],
    ['a key file of neither kind', { ...good, keys: '{"keys":[]}' }, undefined, 'items array'],
    ['a PEM key that is not Ed25519', { ...good, keys: rsaPem }, undefined, 'not an Ed25519 key'],
    ['a PEM that is no key', { ...good, keys: '-----BEGIN NOTHING-----' }, undefined, 'not a PEM'],
  ])('for %s', (_why, files, args, message) => {
    const result = run(files, args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: node dist/src/tools/verify-receipt.js');
  });

  it('prints the usage and exits 0 when asked for help', () => {
    const result = run(good, ['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Exit status: 0 the signature is valid, 1 it is not');
  });
});
