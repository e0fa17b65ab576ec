// Proves that generated keys parse back, that only the right secret matches the stored digest,
// and that malformed keys are refused before any lookup.
import { generateApiKey, parseApiKey, secretMatches } from '#src/auth/api-key-secret.js';

describe('api key secrets', () => {
  it('parses a generated key into its prefix and a secret that matches the digest', () => {
    const generated = generateApiKey();
    const parsed = parseApiKey(generated.key);
    expect(parsed?.prefix).toBe(generated.prefix);
    expect(secretMatches(parsed!.secret, generated.secretHash)).toBe(true);
  });

  it('refuses a secret that differs in one character', () => {
    const generated = generateApiKey();
    const parsed = parseApiKey(generated.key)!;
    const last = parsed.secret.at(-1) === 'A' ? 'B' : 'A';
    expect(secretMatches(parsed.secret.slice(0, -1) + last, generated.secretHash)).toBe(false);
  });

  it.each([
    '',
    'unf_',
    'Bearer x',
    'unf_0123456789abcdef_short',
    'unf_XYZ3456789abcdef_' + 'a'.repeat(43),
  ])('rejects the malformed key %p', (key) => {
    expect(parseApiKey(key)).toBeNull();
  });

  it('never issues the same key twice', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });
});
