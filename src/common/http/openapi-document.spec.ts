// Proves that the committed form of the OpenAPI document is stable: keys sorted at every depth
// (status codes included, which JavaScript would otherwise enumerate first), arrays kept in
// their order, two-space indentation and one final newline, whatever order the input had.
import { formatOpenApiDocument } from '#src/common/http/openapi-document.js';

describe('formatOpenApiDocument', () => {
  it('sorts keys at every depth and keeps array order', () => {
    const text = formatOpenApiDocument({
      paths: { '/b': { get: { tags: ['z', 'a'] } }, '/a': {} },
      openapi: '3.0.0',
    });
    expect(text).toBe(
      [
        '{',
        '  "openapi": "3.0.0",',
        '  "paths": {',
        '    "/a": {},',
        '    "/b": {',
        '      "get": {',
        '        "tags": [',
        '          "z",',
        '          "a"',
        '        ]',
        '      }',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('orders integer-like keys as text, like every other key', () => {
    const text = formatOpenApiDocument({
      responses: { default: {}, '404': {}, '1000': {}, '200': {} },
    });
    const order = [...text.matchAll(/"(\w+)": \{\}/g)].map((match) => match[1]);
    expect(order).toEqual(['1000', '200', '404', 'default']);
  });

  it('gives the same text for the same document built in another order', () => {
    const one = { a: 1, b: { c: [1, { e: null, d: 'x' }] } };
    const two = { b: { c: [1, { d: 'x', e: null }] }, a: 1 };
    expect(formatOpenApiDocument(one)).toBe(formatOpenApiDocument(two));
    expect(JSON.parse(formatOpenApiDocument(one))).toEqual(one);
  });

  it('drops undefined members as JSON does', () => {
    expect(formatOpenApiDocument({ a: undefined, b: [] })).toBe('{\n  "b": []\n}\n');
  });
});
