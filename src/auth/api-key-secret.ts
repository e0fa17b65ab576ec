import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Key format: `unf_<prefix>_<secret>`. The prefix (8 random bytes, hex) finds the row; the
 * secret (32 random bytes) is checked against its stored SHA-256 digest in constant time.
 * A slow password hash is not needed: the secret has 256 bits of entropy, not a human's choice.
 */
const KEY_PATTERN = /^unf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  key: string;
  prefix: string;
  secretHash: Buffer;
}

export function generateApiKey(): GeneratedKey {
  const prefix = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `unf_${prefix}_${secret}`, prefix, secretHash: digest(secret) };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { prefix: match[1], secret: match[2] } : null;
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const candidate = digest(secret);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
