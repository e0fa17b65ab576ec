import { createHash } from 'node:crypto';

// The canonical form of SPEC sections 8, 9 and 11: JSON.stringify with object keys sorted
// recursively, no whitespace. Receipts are signed over it and the journal chain hashes it, so a
// verifier in any language must be able to rebuild it byte for byte from the API's JSON.

/**
 * The canonical JSON text of `value`: object keys in code-unit order (Array.prototype.sort's
 * default) at every depth, arrays in their order, no whitespace, and otherwise exactly what
 * JSON.stringify writes (toJSON is honoured, undefined properties are dropped).
 * Throws a TypeError for a value JSON cannot represent at the top (undefined, a function).
 */
export function canonicalJson(value: unknown): string {
  // A first pass through JSON.stringify applies toJSON (dates, Decimals), drops undefined and
  // functions and maps NaN to null, exactly as the API's serialiser does; parsing it back leaves
  // only plain JSON values to sort. The text is then written directly instead of through
  // re-ordered objects, because JavaScript enumerates integer-like keys ("2", "10") first and in
  // numeric order whatever order they were inserted in.
  const plain = JSON.stringify(value) as string | undefined;
  if (plain === undefined) {
    throw new TypeError('canonicalJson: the value has no JSON representation');
  }
  return write(JSON.parse(plain) as unknown);
}

function write(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(write).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${write(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
