import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { signingKeyId, verifyReceiptSignature } from '#src/receipts/receipt-signer.js';
import type { ReceiptPayload } from '#src/receipts/receipt.types.js';

// Offline receipt checker (SPEC section 8): a donor or an auditor proves a receipt genuine with
// the public key alone, without the API and without trusting the server that handed it over. It
// runs the same canonicalisation and verification code as the API signs with, so the two cannot
// disagree about which bytes are signed.

export const VERIFY_RECEIPT_USAGE = `Usage: node dist/src/tools/verify-receipt.js <receipt.json> <public-key.pem | signing-keys.json>

  receipt.json       the JSON answered by GET /v1/public/receipts/{verificationCode} or
                     GET /v1/receipts/{number}: { receipt, signature, keyId, status, cancelledAt }
  public-key.pem     an Ed25519 public key in PEM (SPKI) form
  signing-keys.json  the JSON answered by GET /v1/public/signing-keys; the key is chosen by keyId

Exit status: 0 the signature is valid, 1 it is not, 2 the command was used wrongly.`;

/** A command-line mistake: a missing argument, an unreadable file, a file of the wrong shape. */
export class VerifyReceiptUsageError extends Error {}

export interface ReceiptCheck {
  valid: boolean;
  /** What the checker prints, one line each. */
  lines: string[];
}

interface ReceiptDocument {
  receipt: Record<string, unknown>;
  signature: string;
  keyId: string;
  status: 'issued' | 'cancelled';
  cancelledAt: string | null;
}

/**
 * Checks the text of a receipt document against the text of a PEM public key or of the
 * signing-keys list. Throws VerifyReceiptUsageError when either text is not what it should be;
 * a receipt that merely fails to verify is answered, not thrown.
 */
export function checkReceipt(receiptText: string, keyText: string): ReceiptCheck {
  const document = parseReceiptDocument(receiptText);
  const key = selectPublicKey(keyText, document.keyId);
  const lines: string[] = [];
  if (key.pem === null) {
    lines.push(`INVALID: no published signing key has the id ${document.keyId}.`);
    lines.push(...describe(document, false));
    return { valid: false, lines };
  }
  // The receipt object is checked exactly as it was read: any field added, removed or changed,
  // even a string turned into a number, changes the canonical bytes and fails the signature.
  const payload = document.receipt as unknown as ReceiptPayload;
  const valid = verifyReceiptSignature(payload, document.signature, key.pem);
  lines.push(
    valid
      ? `VALID: the signature verifies with Ed25519 key ${key.keyId}.`
      : `INVALID: the signature does not match these receipt fields under key ${key.keyId}; ` +
          'the receipt may have been altered, or it was signed with another key.',
  );
  lines.push(...describe(document, valid));
  if (key.keyId !== document.keyId) {
    lines.push(
      `Note: the receipt names key ${document.keyId}, but the key given has id ${key.keyId}.`,
    );
  }
  return { valid, lines };
}

/**
 * The command line: reads the two files, prints the verdict, and answers the exit status
 * (0 valid, 1 invalid, 2 usage error).
 */
export function runVerifyReceipt(
  args: readonly string[],
  io: {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    readFile?: (path: string) => string;
  },
): number {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    io.stdout(`${VERIFY_RECEIPT_USAGE}\n`);
    return 0;
  }
  const readFile = io.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  try {
    if (args.length !== 2) {
      throw new VerifyReceiptUsageError('Give a receipt file and a key file.');
    }
    const [receiptPath, keyPath] = args as [string, string];
    const check = checkReceipt(readInput(readFile, receiptPath), readInput(readFile, keyPath));
    io.stdout(`${check.lines.join('\n')}\n`);
    return check.valid ? 0 : 1;
  } catch (error) {
    if (error instanceof VerifyReceiptUsageError) {
      io.stderr(`${error.message}\n\n${VERIFY_RECEIPT_USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

function describe(document: ReceiptDocument, valid: boolean): string[] {
  const r = document.receipt;
  const claimed = valid ? '' : ' (not proven)';
  const lines = [
    `Receipt: ${text(r.number)}${claimed}`,
    `Amount:  ${text(r.currency)} ${text(r.amount)} (USD ${text(r.amountUsd)})${claimed}`,
  ];
  if (document.status === 'cancelled') {
    const on = document.cancelledAt === null ? '' : ` on ${document.cancelledAt}`;
    lines.push(`Status:  CANCELLED${on}`);
    if (valid) {
      lines.push(
        'The signature is still valid, but the receipt is cancelled: it proves what was issued, ' +
          'and no longer acknowledges a contribution.',
      );
    }
  } else {
    lines.push('Status:  issued');
  }
  // The status sits beside the signed fields, so a file can claim any status; only the fund can
  // say whether a receipt has since been cancelled.
  lines.push(
    'The status is not covered by the signature; GET /v1/public/receipts/' +
      `${text(r.verificationCode)} answers the current one.`,
  );
  return lines;
}

function text(value: unknown): string {
  if (value === undefined) return 'missing';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function readInput(readFile: (path: string) => string, path: string): string {
  try {
    return readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new VerifyReceiptUsageError(`Cannot read ${path}: ${reason}`);
  }
}

function parseJson(source: string, what: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch {
    throw new VerifyReceiptUsageError(`The ${what} is not JSON.`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseReceiptDocument(source: string): ReceiptDocument {
  const value = parseJson(source, 'receipt file');
  const shapeError = new VerifyReceiptUsageError(
    'The receipt file is not the JSON of GET /v1/public/receipts/{code}: it needs receipt, ' +
      'signature, keyId, status ("issued" or "cancelled") and cancelledAt.',
  );
  if (!isRecord(value) || !isRecord(value.receipt)) throw shapeError;
  const { receipt, signature, keyId, status, cancelledAt } = value;
  if (typeof signature !== 'string' || typeof keyId !== 'string') throw shapeError;
  if (status !== 'issued' && status !== 'cancelled') throw shapeError;
  if (cancelledAt !== null && typeof cancelledAt !== 'string') throw shapeError;
  return { receipt, signature, keyId, status, cancelledAt };
}

/** The public key to check with and its id, or a null PEM when the list has no key of that id. */
function selectPublicKey(source: string, keyId: string): { pem: string | null; keyId: string } {
  if (source.trimStart().startsWith('-----BEGIN')) {
    const key = parsePublicKey(source, 'The key file');
    return {
      pem: key.export({ type: 'spki', format: 'pem' }).toString(),
      keyId: signingKeyId(key),
    };
  }
  const value = parseJson(source, 'key file (neither a PEM key nor signing-keys JSON)');
  const items = isRecord(value) ? value.items : undefined;
  if (!Array.isArray(items)) {
    throw new VerifyReceiptUsageError(
      'The key file is not the JSON of GET /v1/public/signing-keys: it needs an items array.',
    );
  }
  const match = items.find((item) => isRecord(item) && item.keyId === keyId) as
    Record<string, unknown> | undefined;
  if (match === undefined) return { pem: null, keyId };
  if (typeof match.publicKeyPem !== 'string') {
    throw new VerifyReceiptUsageError(`The signing key ${keyId} has no publicKeyPem.`);
  }
  // The id is recomputed from the key rather than taken from the list, so a list that pairs an
  // id with the wrong key is reported instead of trusted.
  const key = parsePublicKey(match.publicKeyPem, `The signing key ${keyId}`);
  return { pem: match.publicKeyPem, keyId: signingKeyId(key) };
}

function parsePublicKey(pem: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    // createPublicKey also accepts a private key and derives its public half; that still checks
    // the receipt correctly, and the private key itself is never printed.
    key = createPublicKey(pem);
  } catch {
    throw new VerifyReceiptUsageError(`${what} is not a PEM public key.`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new VerifyReceiptUsageError(`${what} is not an Ed25519 key.`);
  }
  return key;
}

// Run only when Node was started on this file, so that the tests can import the functions above.
// The check reads argv instead of import.meta, which the unit tests' CommonJS transform lacks.
function startedAsCommand(): boolean {
  return basename(process.argv[1] ?? '') === 'verify-receipt.js';
}

if (startedAsCommand()) {
  process.exitCode = runVerifyReceipt(process.argv.slice(2), {
    stdout: (output) => process.stdout.write(output),
    stderr: (output) => process.stderr.write(output),
  });
}
