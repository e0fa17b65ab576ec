import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '#src/common/canonical-json.js';
import type { ReceiptPayload } from '#src/receipts/receipt.types.js';

// Receipt signing of SPEC section 8, as plain functions with no Nest or TypeORM import so that the
// offline checker (src/tools/verify-receipt.ts) runs the very same code as the API. Nothing here
// logs, and no error message ever quotes key material: a PEM that reached a log would have to be
// treated as leaked and every receipt signed with it re-issued.

/** The file the embedded default keeps its private key in, inside the data directory. */
export const SIGNING_KEY_FILE = 'receipt-signing-key.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
  /** True when this call generated the key, so the caller can say so once at boot. */
  created: boolean;
}

/**
 * The receipt signing key: the configured PEM when there is one, else the key kept in
 * `<dataDir>/receipt-signing-key.pem`, generated on first start. Throws an Error when the PEM (or
 * the file) is not an Ed25519 private key, or when the file cannot be read or created.
 */
export function loadOrCreateSigningKey(options: {
  pem: string | null;
  dataDir: string;
}): SigningKey {
  if (options.pem !== null) {
    return describeKey(parseEd25519PrivateKey(options.pem, 'The configured receipt signing key'));
  }
  const path = join(options.dataDir, SIGNING_KEY_FILE);
  const existing = readKeyFileIfPresent(path);
  if (existing !== null) {
    return describeKey(existing);
  }
  return createKeyFile(options.dataDir, path);
}

/** First 16 lowercase hex characters of the SHA-256 of the public key's SPKI DER encoding. */
export function signingKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** The bytes that are signed: UTF-8 of the canonical JSON (keys sorted, no whitespace). */
export function receiptCanonicalBytes(payload: ReceiptPayload): Buffer {
  return Buffer.from(canonicalJson(payload), 'utf8');
}

/** Base64 Ed25519 signature over the canonical bytes of `payload`. */
export function signReceipt(payload: ReceiptPayload, privateKey: KeyObject): string {
  // Ed25519 hashes internally, so Node takes `null` for the digest algorithm.
  return sign(null, receiptCanonicalBytes(payload), privateKey).toString('base64');
}

/**
 * Whether `signatureBase64` is a valid Ed25519 signature of `payload` under `publicKeyPem`.
 * Answers false, rather than throwing, for a malformed signature or a key that is not Ed25519,
 * because to a verifier both mean the same thing: this receipt is not proven genuine.
 */
export function verifyReceiptSignature(
  payload: ReceiptPayload,
  signatureBase64: string,
  publicKeyPem: string,
): boolean {
  try {
    const publicKey = createPublicKey(publicKeyPem);
    if (publicKey.asymmetricKeyType !== 'ed25519') {
      return false;
    }
    return verify(null, receiptCanonicalBytes(payload), publicKey, strictBase64(signatureBase64));
  } catch {
    return false;
  }
}

// Crockford's base32: digits and upper-case letters without I, L, O and U, so a code copied from
// paper cannot be misread as 1, 1, 0 or mistyped as an obscenity.
const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const VERIFICATION_CODE_LENGTH = 20;
const VERIFICATION_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{20}$/;

/**
 * A fresh verification code: 20 Crockford base32 characters, 100 random bits, so that codes
 * cannot be guessed to enumerate the public endpoint.
 */
export function newVerificationCode(): string {
  // 32 divides 256, so keeping the low five bits of each random byte is uniform, with no bias.
  const bytes = randomBytes(VERIFICATION_CODE_LENGTH);
  return Array.from(bytes, (byte) => CROCKFORD_ALPHABET[byte & 31]).join('');
}

/** Whether `text` is a verification code exactly as issued (upper case, no separators). */
export function isVerificationCode(text: string): boolean {
  return VERIFICATION_CODE_PATTERN.test(text);
}

/**
 * The issued form of a code as a person typed it, or null when it cannot be one: case is ignored,
 * spaces and hyphens dropped, and I/L read as 1 and O as 0, as Crockford's decoding rules say.
 */
export function normalizeVerificationCode(text: string): string | null {
  const code = text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return isVerificationCode(code) ? code : null;
}

/** `UNFSSC-2026-000001`: six digits at least, more once a year passes 999999 receipts. */
export function formatReceiptNumber(year: number, seq: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) {
    throw new RangeError(`A receipt year has four digits, not ${String(year)}`);
  }
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`A receipt sequence starts at 1, not ${String(seq)}`);
  }
  return `UNFSSC-${String(year)}-${String(seq).padStart(6, '0')}`;
}

function describeKey(privateKey: KeyObject, created = false): SigningKey {
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
  return {
    privateKey,
    publicKeyPem: String(publicKeyPem),
    keyId: signingKeyId(privateKey),
    created,
  };
}

function parseEd25519PrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    // The parser's message names the format problem, never the key, so it is safe to pass on.
    throw new Error(`${source} is not a PEM private key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `${source} is a ${key.asymmetricKeyType ?? 'unknown'} key; receipts are signed with Ed25519`,
    );
  }
  return key;
}

function readKeyFileIfPresent(path: string): KeyObject | null {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw new Error(`Cannot read the receipt signing key ${path}`, { cause: error });
  }
  return parseEd25519PrivateKey(pem, `The receipt signing key file ${path}`);
}

function createKeyFile(dataDir: string, path: string): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    // `wx` creates the file only if it does not exist, atomically, so of two processes starting
    // on the same data directory exactly one writes its key and the other signs with the winner's:
    // two keys would leave receipts that verify against a key the API no longer publishes.
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') {
      throw new Error(`Cannot create the receipt signing key ${path}`, { cause: error });
    }
    return describeKey(readWinnersKey(path));
  }
  return describeKey(privateKey, true);
}

// The winner of the exclusive create may not have finished writing when the loser reads, so an
// empty or partial file is read again for a short while before it is declared corrupt.
function readWinnersKey(path: string): KeyObject {
  const attempts = 20;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const key = readKeyFileIfPresent(path);
      if (key !== null) return key;
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    if (attempt >= attempts) {
      throw new Error(`The receipt signing key ${path} disappeared while it was being created`);
    }
    sleepSync(50);
  }
}

function sleepSync(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

function strictBase64(text: string): Buffer {
  // Buffer.from ignores characters outside the alphabet; a signature that is not exactly base64
  // is refused instead, so that two different texts never count as the same signature.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new TypeError('The signature is not base64');
  }
  return Buffer.from(text, 'base64');
}

// Duck-typed rather than `instanceof Error`: errors raised by Node's own modules come from another
// realm under Jest's module sandbox, where that test fails.
function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
