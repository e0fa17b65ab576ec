// Proves that no malformed request, generated with fast-check for every operation that the running
// API lists in GET /openapi.json, makes it answer 5xx (SPEC 13: "never a 500 for bad input"):
// wrong, missing, unknown and null fields, huge strings, deeply nested and oversized bodies,
// control characters, odd number formats, impossible dates, hostile path parameters, wrong media
// types and Accept headers, invalid or repeated query parameters, hostile Authorization and
// Idempotency-Key headers. Every 4xx must be a problem document with `code`, `status` and
// `detail`; a VALIDATION_FAILED must name the field at fault; the server must still be ready after
// the run. The curated inputs of each category always run (as fast-check examples); FUZZ_RUNS
// (default 3) adds that many random inputs per operation and category; FUZZ_SEED replays a run.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Factories, TravelFactories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 3);
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
const CATEGORY_TIMEOUT_MS = 300_000;
const HUGE = 100_000;
const BODY_LIMIT = 1_048_576;

// ---------------------------------------------------------------------------------------------
// The OpenAPI document as far as the fuzzer reads it, and the cases it sends.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Path = (string | number)[];

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
        requestBody?: { content: Record<string, { schema: Schema }> };
        responses: Record<string, { description?: string }>;
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

/** One operation of the document, with what a request needs to get past the guard. */
interface Operation {
  method: string;
  template: string;
  /** The API key sent by default: one whose role the operation admits; null on public routes. */
  key: string | null;
  pathParams: string[];
  query: { name: string; required: boolean; schema: Schema }[];
  idempotency: 'required' | 'optional' | null;
  body: { kind: 'json'; schema: Schema } | { kind: 'csv' } | null;
}

interface Field {
  path: Path;
  schema: Schema;
  required: boolean;
}

/** What a case must get back; without it only the rules that hold for every answer apply. */
interface Expectation {
  /** The request is wrong: any 2xx or 3xx is a violation. */
  refused: true;
  /** An exact status, for the answers that do not depend on the route (400, 401, 413, 415). */
  status?: number;
  /** Field paths the problem must name when it is a VALIDATION_FAILED. */
  fields?: string[];
}

interface Case {
  category: string;
  label: string;
  op: Operation;
  /** Raw (already encoded) path parameters replacing the fixture's. */
  pathValues?: Record<string, string>;
  /** The raw query string, without '?', replacing the fixture's. */
  query?: string;
  /** Header overrides; null removes a default header. */
  headers?: Record<string, string | string[] | null>;
  body?: string | Buffer;
  chunked?: boolean;
  expect?: Expectation;
}

interface Plan {
  examples: Case[];
  arbitrary: fc.Arbitrary<Case>;
}

/** The fixtures that base requests point at, so that mutated requests reach the services. */
interface Fixtures {
  financeKey: string;
  revokedKey: string;
  pathValue(op: Operation, name: string): string;
  query(op: Operation): string;
  body(op: Operation): Json;
  bodyText(op: Operation): string;
}

interface Context {
  doc: OpenApiDocument;
  fixtures: Fixtures;
}

// ---------------------------------------------------------------------------------------------
// Curated hostile values: each runs on every field, parameter or header it applies to.

const WRONG_TYPE_VALUES: Json[] = [0, 123.45, -1, true, false, [], ['x'], {}, { a: 1 }, ''];
/**
 * Arrays whose items have the wrong type, for fields that are arrays of objects. `[[]]` matters:
 * nested validation accepts an array where it expects an object.
 */
const WRONG_ITEM_VALUES: Json[] = [['x'], [1, 2], [null], [true], [[]], [[{}]], [[[]]]];
const ODD_AMOUNTS = ['1e3', ' 5', '5 ', 'NaN', 'Infinity', '-Infinity', '-0', '-5', '+5', '0x10']
  .concat(['١٢٣', '１２３', '1_000', '1,000', '.5', '5.', '', '1.0000000000000000000000001'])
  .concat(['9'.repeat(40)]);
/** Zero is refused for amounts but allowed for some USD parameters ("may be zero"). */
const ZERO_AMOUNTS = ['0', '0.00', '-0.00'];
const ODD_NUMBER_LITERALS = ['1e3', '-0', '1E400', '-1E400', '1.5', '0.1e1', '9007199254740993'];
const INVALID_NUMBER_LITERALS = ['NaN', 'Infinity', '0x10', '.5', '5.', '1_000', '+5', '01', '١'];
const IMPOSSIBLE_DATES = ['2026-02-30', '2026-13-01', '0000-00-00', '99999-01-01', '2026-1-1']
  .concat(['2026-02-29', '2026-04-31', '1899-12-31', '2026-00-10', '2026-01-00', '20260101'])
  .concat(['2026/01/01', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00+23:59', '2026-W01-1'])
  .concat(['2026-001', '2026', '+002026-01-01', '-2026-01-01', 'today', '']);
const CONTROL_STRINGS = ['a\u0000b', '\u0000', 'x\u0007\u0008y', '\u001b[31mred\u001b[0m']
  .concat(['line\nbreak\r\n', '\u202egnp.exe', '\ud800', '\uffff\ufffe', '\u2028\u2029'])
  .concat(['\u007f\u0085', "Robert'); DROP TABLE donors;--"]);
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const MALFORMED_JSON = ['{', '{"a":', 'nul', '[1,]', '{"a":1}{"b":2}', "{'a':1}", '{"a":NaN}']
  .concat(['{"a":1,}', '\u0000', '"just a string"', '123', 'true', '[]', '[{}]', '{"a":"\\x41"}'])
  .concat(['{"a":"\\ud800"', '{"a":"\u0000"', '  ']);
const HOSTILE_PATH_VALUES: { raw: string; label: string }[] = [
  ...['..', '../', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%00', 'a%00b', '%', '%FF'].map((raw) => ({
    raw,
    label: raw,
  })),
  { raw: '%C0%AE', label: 'overlong UTF-8 dot' },
  { raw: 'x'.repeat(5_000), label: '5,000 characters' },
  { raw: encodeURIComponent("' OR 1=1 --"), label: "' OR 1=1 --" },
  { raw: encodeURIComponent('1; DROP TABLE donors; --'), label: 'DROP TABLE' },
  { raw: encodeURIComponent('Ωμέγα-Ünïcödé'), label: 'unicode' },
  { raw: encodeURIComponent('😀🇺🇳'), label: 'emoji' },
  { raw: encodeURIComponent('\u202e\u0000\u001b'), label: 'control characters' },
  { raw: '00000000-0000-0000-0000-000000000000', label: 'nil uuid' },
  { raw: 'null', label: 'null' },
  { raw: '%20', label: 'space' },
];
const ACCEPT_VALUES = [
  'application/xml',
  'text/html',
  'image/png',
  'application/pdf',
  'text/csv',
].concat(['application/json;q=0', '*/*;q=0', ';;;', 'x'.repeat(2_000), '']);
/** Numbers that no integer parameter can take, whatever its bounds. */
const STRICT_NUMBER_QUERY = ['abc', '-1', '1e99', '1.5', 'NaN', 'Infinity', '1_000', '١٢٣']
  .concat(['１２３', '99999999999999999999999'])
  .map(encodeURIComponent);
/** Odd, but JavaScript's Number() reads them as integers, so a parameter may accept them. */
const LOOSE_NUMBER_QUERY = ['', '%205', '0x10', '-0', '1e2', '%00'];
const HOSTILE_QUERY_STRINGS = ['%%%', '%00', '%FF', encodeURIComponent("' OR 1=1 --")].concat([
  'x'.repeat(5_000),
  encodeURIComponent('😀'),
  '',
  encodeURIComponent('\u0000'),
]);

// ---------------------------------------------------------------------------------------------
// Pure helpers.

const uuid8 = (): string => randomUUID().slice(0, 8).toUpperCase();

const fieldName = (path: Path): string =>
  path.reduce<string>(
    (name, part) =>
      typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${part}` : part,
    '',
  );

/** Whether the field a problem names and the field at fault are one, or one contains the other. */
const related = (named: string, atFault: string): boolean =>
  named === atFault ||
  [`${named}.`, `${named}[`].some((prefix) => atFault.startsWith(prefix)) ||
  [`${atFault}.`, `${atFault}[`].some((prefix) => named.startsWith(prefix));

function setAt(body: Json, path: Path, value: Json | undefined): Json {
  const copy = structuredClone(body);
  let node = copy as Record<string | number, Json>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function valueAt(body: Json, path: Path): Json {
  let node = body as Record<string | number, Json>;
  for (const part of path) node = node?.[part] as Record<string | number, Json>;
  return node as Json;
}

/** JSON text with a raw literal (a number JSON cannot hold, a deep nest) at `path`. */
function withRaw(body: Json, path: Path, raw: string): string {
  const marker = `@@raw-${randomUUID()}@@`;
  return JSON.stringify(setAt(body, path, marker)).replace(JSON.stringify(marker), raw);
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A calendar date in exactly YYYY-MM-DD; `floor` is the first year the API accepts. */
function isCalendarDate(value: string, floor = 1900): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= floor && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const isDateQuery = (name: string, schema: Schema): boolean =>
  schema.format === 'date' || ['from', 'to', 'on', 'asOf'].includes(name);

/**
 * Whether a date query parameter must be refused. Audit `from`/`to` take any ISO 8601 date or
 * timestamp (`20260101`, `2026-001`, years before 1900), so only a day that no calendar has is
 * certain to be wrong there; the other date parameters take exactly YYYY-MM-DD from 1900.
 */
function refusesDateQuery(name: string, value: string): boolean {
  if (value === '') return false;
  if (!['from', 'to'].includes(name)) return !isCalendarDate(value);
  return /^\d+-\d+-\d+$/.test(value) && !isCalendarDate(value, 0);
}

const matchesType = (type: string | undefined, value: Json): boolean => {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
    case 'integer':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
};

/** A string with a length limit, a format or an enum cannot hold 100 KB of one character. */
const bounded = (schema: Schema): boolean =>
  schema.maxLength !== undefined || schema.format !== undefined || schema.enum !== undefined;

const isAmountField = (path: Path): boolean =>
  /^(amount|rate)$|Usd$/.test(String(path[path.length - 1]));

const withQuery = (base: string, name: string, raw: string): string =>
  [base, `${name}=${raw}`].filter(Boolean).join('&');

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isJsonObject = (text: string): boolean => {
  const value = parseObject(text);
  return value !== null && !Array.isArray(value);
};

/** Dates in odd shapes: any year, month and day, padded or not. */
const dateArbitrary = fc
  .tuple(
    fc.integer({ min: 0, max: 120_000 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.boolean(),
  )
  .map(([year, month, day, pad]) => {
    const two = (n: number) => (pad ? String(n).padStart(2, '0') : String(n));
    return `${String(year).padStart(pad ? 4 : 1, '0')}-${two(month)}-${two(day)}`;
  });

const controlString = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
    fc.constantFrom('\u007f', '\u0085', '\u202e', '\ud800', '\udfff', '\ufeff', 'a', 'é', '😀'),
  ),
  minLength: 1,
  maxLength: 40,
});

// ---------------------------------------------------------------------------------------------
// Body schemas.

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  return resolve(doc, doc.components.schemas[schema.$ref.split('/').pop()!]);
}

/** Every field of a body schema, descending into the first item of arrays of objects. */
function fieldsOf(doc: OpenApiDocument, schema: Schema, base: Json, prefix: Path): Field[] {
  const resolved = resolve(doc, schema);
  const result: Field[] = [];
  for (const [name, property] of Object.entries(resolved.properties ?? {})) {
    const propertySchema = resolve(doc, property);
    const path = [...prefix, name];
    const required = resolved.required?.includes(name) ?? false;
    result.push({ path, schema: propertySchema, required });
    const value = (base as JsonObject | null)?.[name];
    const items = propertySchema.items && resolve(doc, propertySchema.items);
    if (items?.properties && Array.isArray(value) && value.length > 0)
      result.push(...fieldsOf(doc, items, value[0], [...path, 0]));
  }
  return result;
}

const isJsonOp = (op: Operation): op is Operation & { body: { kind: 'json'; schema: Schema } } =>
  op.body?.kind === 'json';

function fields(ctx: Context, op: Operation): Field[] {
  if (!isJsonOp(op)) return [];
  return fieldsOf(ctx.doc, op.body.schema, ctx.fixtures.body(op), []);
}

/** A removed field is only reported when no removed ancestor hides it. */
const isReachable = (path: Path, removed: Field[]): boolean =>
  !removed.some(
    (other) => other.path.length < path.length && fieldName(path).startsWith(fieldName(other.path)),
  );

/** The base body with `chosen` fields set to `value` (deepest first), and what must be named. */
function withFields(ctx: Context, op: Operation, chosen: Field[], value: null | undefined) {
  let body = ctx.fixtures.body(op);
  for (const { path } of [...chosen].sort((a, b) => b.path.length - a.path.length))
    body = setAt(body, path, value);
  const required = chosen.filter((f) => f.required && isReachable(f.path, chosen));
  const expectation: Expectation | undefined =
    required.length > 0
      ? { refused: true, fields: required.map((f) => fieldName(f.path)) }
      : undefined;
  return { text: JSON.stringify(body), expectation };
}

const bodyCase = (
  category: string,
  op: Operation,
  label: string,
  body: string | Buffer,
  expectation?: Expectation,
): Case => ({ category, op, label, body, expect: expectation });

// ---------------------------------------------------------------------------------------------
// One planner per category: the curated cases and the generator for one operation (null when
// the category does not apply to it).

function wrongTypes(ctx: Context, op: Operation): Plan | null {
  const all = fields(ctx, op);
  if (all.length === 0) return null;
  const make = (path: Path, value: Json): Case =>
    bodyCase(
      'wrong-type',
      op,
      `${fieldName(path)}=${JSON.stringify(value).slice(0, 40)}`,
      JSON.stringify(setAt(ctx.fixtures.body(op), path, value)),
      { refused: true, fields: [fieldName(path)] },
    );
  const examples = all.flatMap(({ path, schema }) =>
    [...WRONG_TYPE_VALUES, 'text', 42, '42', 'true']
      .filter((value) => !matchesType(schema.type, value))
      .concat(schema.type === 'array' ? WRONG_ITEM_VALUES : [])
      .map((value) => make(path, value)),
  );
  const arbitrary = fc.constantFrom(...all).chain(({ path, schema }) =>
    fc
      .jsonValue({ maxDepth: 3 })
      .filter((value) => value !== null && !matchesType(schema.type, value as Json))
      .map((value) => make(path, value as Json)),
  );
  return { examples, arbitrary };
}

function missingFields(ctx: Context, op: Operation): Plan | null {
  const all = fields(ctx, op);
  if (all.length === 0) return null;
  const make = (removed: Field[]): Case => {
    const { text, expectation } = withFields(ctx, op, removed, undefined);
    const label = `without ${removed.map((f) => fieldName(f.path)).join(', ')}`;
    return bodyCase('missing', op, label, text, expectation);
  };
  const topLevel = all
    .filter((f) => f.required && f.path.length === 1)
    .map((f) => fieldName(f.path));
  const allMissing = topLevel.length > 0 ? { refused: true as const, fields: topLevel } : undefined;
  const examples = [
    ...all.map((field) => make([field])),
    bodyCase('missing', op, 'empty object', '{}', allMissing),
    bodyCase('missing', op, 'no body at all', '', allMissing),
  ];
  return { examples, arbitrary: fc.subarray(all, { minLength: 1 }).map(make) };
}

function unknownFields(ctx: Context, op: Operation): Plan | null {
  if (!isJsonOp(op)) return null;
  const base = ctx.fixtures.body(op) as JsonObject;
  const known = new Set(Object.keys(resolve(ctx.doc, op.body.schema).properties ?? {}));
  const make = (path: Path, value: Json, label = `unknown ${fieldName(path)}`): Case =>
    bodyCase('unknown', op, label, JSON.stringify(setAt(base, path, value)), {
      refused: true,
      fields: [fieldName(path)],
    });
  const nestedPaths = fields(ctx, op)
    .filter((f) => f.path.length > 1)
    .map((f) => [...f.path.slice(0, -1), 'unexpectedField']);
  const rest = JSON.stringify(base).slice(1);
  // JSON.parse makes `__proto__` an own property; whether it is refused or dropped, never a 5xx.
  const prototypeKeys = PROTOTYPE_KEYS.map((key) =>
    bodyCase('unknown', op, `prototype key ${key}`, `{"${key}":{"role":"admin"},${rest}`),
  );
  const [first] = Object.keys(base);
  const examples = [
    make(['unexpectedField'], 1),
    make(['id'], randomUUID(), 'client-chosen id'),
    make(['createdAt'], '2026-01-01T00:00:00Z', 'server-owned createdAt'),
    ...nestedPaths.map((path) => make(path, 'x')),
    ...prototypeKeys,
    bodyCase('unknown', op, 'duplicate keys', `{"${first}":42,${rest}`),
  ];
  const arbitrary = fc
    .tuple(
      fc
        .stringMatching(/^[a-z][a-zA-Z0-9_]{0,15}$/)
        .filter((key) => !known.has(key) && !(key in Object.prototype)),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map(([key, value]) => make([key], value as Json));
  return { examples, arbitrary };
}

function nullFields(ctx: Context, op: Operation): Plan | null {
  const all = fields(ctx, op);
  if (all.length === 0) return null;
  const make = (chosen: Field[]): Case => {
    const { text, expectation } = withFields(ctx, op, chosen, null);
    const label = `null ${chosen.map((f) => fieldName(f.path)).join(', ')}`;
    return bodyCase('null', op, label, text, expectation);
  };
  const examples = [
    ...all.map((field) => make([field])),
    bodyCase('null', op, 'body null', 'null', { refused: true, status: 400, fields: ['body'] }),
  ];
  return { examples, arbitrary: fc.subarray(all, { minLength: 1 }).map(make) };
}

function hugeStrings(ctx: Context, op: Operation): Plan | null {
  const strings = fields(ctx, op).filter((f) => f.schema.type === 'string');
  if (strings.length === 0) return null;
  const make = ({ path, schema }: Field, unit: string, length: number): Case =>
    bodyCase(
      'huge-string',
      op,
      `${fieldName(path)}=${JSON.stringify(unit)}×${length}`,
      JSON.stringify(setAt(ctx.fixtures.body(op), path, unit.repeat(length))),
      bounded(schema) ? { refused: true, fields: [fieldName(path)] } : undefined,
    );
  const examples = strings.flatMap((field) => [
    make(field, 'A', HUGE),
    make(field, 'é', HUGE / 2 + 1),
  ]);
  // JSON writes a NUL as six bytes: at most 150,000 of them keep the body under the 1 MB limit.
  const unitAndLength = fc
    .constantFrom('A', '7', 'é', '😀', ' ', '\u0000')
    .chain((unit) =>
      fc.tuple(
        fc.constant(unit),
        fc.integer({ min: HUGE, max: unit === '\u0000' ? 150_000 : 2 * HUGE }),
      ),
    );
  const arbitrary = fc
    .tuple(fc.constantFrom(...strings), unitAndLength)
    .map(([field, [unit, length]]) => make(field, unit, length));
  return { examples, arbitrary };
}

function deepNesting(ctx: Context, op: Operation): Plan | null {
  if (!isJsonOp(op)) return null;
  const all = fields(ctx, op);
  const make = (field: Field | null, depth: number, kind: 'array' | 'object'): Case => {
    if (field === null) {
      return bodyCase('deep-nesting', op, `body ${kind} depth ${depth}`, nested(depth, kind), {
        refused: true,
        status: 400,
        fields: [kind === 'array' ? 'body' : 'a'],
      });
    }
    return bodyCase(
      'deep-nesting',
      op,
      `${fieldName(field.path)}: ${kind} depth ${depth}`,
      withRaw(ctx.fixtures.body(op), field.path, nested(depth, kind)),
      // An array field may take nested arrays (each item then fails on its own), so no field
      // is certain to be named; any other field cannot hold a nest.
      field.schema.type === 'array'
        ? undefined
        : { refused: true, fields: [fieldName(field.path)] },
    );
  };
  const examples = [
    make(null, 1_000, 'array'),
    make(null, 1_000, 'object'),
    make(null, 10_000, 'object'),
    ...all.flatMap((field) => [make(field, 1_000, 'array'), make(field, 1_000, 'object')]),
  ];
  const arbitrary = fc
    .tuple(
      fc.option(fc.constantFrom(...all), { nil: null }),
      fc.integer({ min: 500, max: 5_000 }),
      fc.constantFrom<'array' | 'object'>('array', 'object'),
    )
    .map(([field, depth, kind]) => make(field, depth, kind));
  return { examples, arbitrary };
}

function overLimit(ctx: Context, op: Operation): Plan | null {
  if (!op.body) return null;
  const make = (size: number, chunked: boolean): Case => {
    const body =
      op.body?.kind === 'csv'
        ? `currency,effectiveOn,rate\n${'EUR,2026-01-01,0.9\n'.repeat(Math.ceil(size / 19))}`
        : JSON.stringify({ ...(ctx.fixtures.body(op) as JsonObject), padding: 'x'.repeat(size) });
    const label = `${body.length} bytes${chunked ? ', chunked' : ''}`;
    return {
      category: 'over-limit',
      op,
      label,
      body,
      chunked,
      expect: { refused: true, status: 413 },
    };
  };
  const arbitrary = fc
    .tuple(fc.integer({ min: BODY_LIMIT + 1, max: 3 * BODY_LIMIT }), fc.boolean())
    .map(([size, chunked]) => make(size, chunked));
  return { examples: [make(BODY_LIMIT + 1, false), make(BODY_LIMIT + 50_000, true)], arbitrary };
}

function controlCharacters(ctx: Context, op: Operation): Plan | null {
  const strings = fields(ctx, op).filter((f) => f.schema.type === 'string');
  if (strings.length === 0) return null;
  const make = (path: Path, value: string): Case =>
    bodyCase(
      'control-chars',
      op,
      `${fieldName(path)}=${JSON.stringify(value).slice(0, 40)}`,
      JSON.stringify(setAt(ctx.fixtures.body(op), path, value)),
    );
  const valid = (path: Path) => String(valueAt(ctx.fixtures.body(op), path));
  const examples = strings.flatMap(({ path }) => [
    ...CONTROL_STRINGS.map((value) => make(path, value)),
    make(path, `${valid(path)}\u0000`),
  ]);
  const arbitrary = fc
    .tuple(fc.constantFrom(...strings), controlString, fc.boolean())
    .map(([{ path }, noise, append]) => make(path, append ? `${valid(path)}${noise}` : noise));
  return { examples, arbitrary };
}

function oddNumbers(ctx: Context, op: Operation): Plan | null {
  const all = fields(ctx, op);
  const amounts = all.filter((f) => f.schema.type === 'string' && isAmountField(f.path));
  const numbers = all.filter((f) => f.schema.type === 'number' || f.schema.type === 'integer');
  if (amounts.length + numbers.length === 0) return null;
  const amount = (path: Path, value: string, strict = true): Case =>
    bodyCase(
      'odd-numbers',
      op,
      `${fieldName(path)}=${JSON.stringify(value)}`,
      JSON.stringify(setAt(ctx.fixtures.body(op), path, value)),
      strict ? { refused: true, fields: [fieldName(path)] } : undefined,
    );
  // A literal JSON cannot parse fails the whole body; one it can parse is a number, maybe valid.
  const literal = (path: Path, raw: string): Case =>
    bodyCase(
      'odd-numbers',
      op,
      `${fieldName(path)}=${raw} (JSON literal)`,
      withRaw(ctx.fixtures.body(op), path, raw),
      INVALID_NUMBER_LITERALS.includes(raw)
        ? { refused: true, status: 400, fields: ['body'] }
        : undefined,
    );
  const examples = [
    ...amounts.flatMap(({ path }) => ODD_AMOUNTS.map((value) => amount(path, value))),
    ...amounts.flatMap(({ path }) => ZERO_AMOUNTS.map((value) => amount(path, value, false))),
    ...numbers.flatMap(({ path }) =>
      [...ODD_NUMBER_LITERALS, ...INVALID_NUMBER_LITERALS].map((raw) => literal(path, raw)),
    ),
  ];
  // Anything the amount pattern admits may be a valid amount, so it is left out.
  const oddAmount = fc
    .oneof(
      fc.double().map(String),
      fc.bigInt().map((n) => `${n}e${n % 7n}`),
      fc.stringMatching(/^[ +-]?[0-9٠-٩０-９_,.]{1,20}[ ]?$/),
    )
    .filter((s) => !/^\d+(\.\d+)?$/.test(s));
  const arbitrary = fc
    .tuple(fc.constantFrom(...amounts, ...numbers), oddAmount, fc.double())
    .map(([field, text, number]) =>
      field.schema.type === 'string'
        ? amount(field.path, text)
        : literal(field.path, Number.isFinite(number) ? String(number) : 'NaN'),
    );
  return { examples, arbitrary };
}

type DateTarget = { kind: 'body'; path: Path } | { kind: 'path' | 'query'; name: string };

function impossibleDates(ctx: Context, op: Operation): Plan | null {
  const targets: DateTarget[] = [
    ...fields(ctx, op)
      .filter((f) => f.schema.format === 'date')
      .map((f) => ({ kind: 'body' as const, path: f.path })),
    ...op.pathParams
      .filter((name) => /On$/.test(name))
      .map((name) => ({ kind: 'path' as const, name })),
    ...op.query
      .filter((q) => isDateQuery(q.name, q.schema))
      .map((q) => ({ kind: 'query' as const, name: q.name })),
  ];
  if (targets.length === 0) return null;
  const make = (target: DateTarget, value: string): Case => {
    if (target.kind === 'body') {
      return bodyCase(
        'impossible-dates',
        op,
        `${fieldName(target.path)}=${value}`,
        JSON.stringify(setAt(ctx.fixtures.body(op), target.path, value)),
        isCalendarDate(value) ? undefined : { refused: true, fields: [fieldName(target.path)] },
      );
    }
    const encoded = encodeURIComponent(value);
    const inPath = target.kind === 'path';
    const refused = inPath ? !isCalendarDate(value) : refusesDateQuery(target.name, value);
    return {
      category: 'impossible-dates',
      op,
      label: `${target.kind} ${target.name}=${value}`,
      ...(inPath
        ? { pathValues: { [target.name]: encoded || '%20' } }
        : { query: withQuery(ctx.fixtures.query(op), target.name, encoded) }),
      expect: refused ? { refused: true, fields: inPath ? undefined : [target.name] } : undefined,
    };
  };
  const examples = targets.flatMap((target) => IMPOSSIBLE_DATES.map((v) => make(target, v)));
  const arbitrary = fc
    .tuple(fc.constantFrom(...targets), dateArbitrary)
    .map(([target, value]) => make(target, value));
  return { examples, arbitrary };
}

function malformedJson(_ctx: Context, op: Operation): Plan | null {
  if (!isJsonOp(op)) return null;
  const make = (text: string | Buffer, label: string, expectation?: Expectation): Case =>
    bodyCase('malformed-json', op, label, text, expectation);
  const strict = { refused: true as const, status: 400, fields: ['body'] };
  const examples = [
    ...MALFORMED_JSON.map((text) => make(text, `text ${JSON.stringify(text)}`, strict)),
    make(
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]),
      'invalid UTF-8 bytes',
    ),
    make(Buffer.from('{"a":1}', 'utf16le'), 'UTF-16 encoded'),
    make('\ufeff{}', 'byte order mark'),
  ];
  const arbitrary = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 200 })
    .map((text) =>
      make(
        text,
        `text ${JSON.stringify(text).slice(0, 60)}`,
        isJsonObject(text) ? undefined : { refused: true, status: 400 },
      ),
    );
  return { examples, arbitrary };
}

function contentTypes(ctx: Context, op: Operation): Plan | null {
  if (!op.body) return null;
  const json = op.body.kind === 'json' ? JSON.stringify(ctx.fixtures.body(op)) : '{}';
  const make = (type: string | null, body: string, strict: boolean): Case => ({
    category: 'content-type',
    op,
    label: `Content-Type ${type ?? 'none'}`,
    headers: { 'content-type': type },
    body,
    expect: strict ? { refused: true, status: 415 } : undefined,
  });
  const multipart =
    '------fuzz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n------fuzz--\r\n';
  const examples = [
    make('text/plain', json, true),
    make('application/xml', '<pledge><amount>1</amount></pledge>', true),
    make('multipart/form-data; boundary=----fuzz', multipart, true),
    make('application/x-www-form-urlencoded', 'amount=1&currency=USD', true),
    make(null, json, true),
    make('image/png', '\u0089PNG', true),
    // Accepted or refused, these must still answer a problem or a resource, never a 5xx.
    make('application/json; charset=utf-16', json, false),
    make('application/json; charset=iso-8859-1', json, false),
    make('APPLICATION/JSON', json, false),
    make('application/merge-patch+json', json, false),
    make('application/json, text/plain', json, false),
    make('', json, false),
    // The other type the server reads: CSV to a JSON route, JSON to the CSV import.
    make(op.body.kind === 'csv' ? 'application/json' : 'text/csv', 'a,b\n1,2\n', false),
  ];
  const arbitrary = fc
    .tuple(
      fc.constantFrom('text/plain', 'application/xml', 'text/html', 'application/octet-stream'),
      fc.string({ minLength: 1, maxLength: 100 }),
    )
    .map(([type, body]) => make(type, body, true));
  return { examples, arbitrary };
}

function acceptHeaders(_ctx: Context, op: Operation): Plan {
  const make = (accept: string): Case => ({
    category: 'accept',
    op,
    label: `Accept ${JSON.stringify(accept.slice(0, 40))}`,
    headers: { accept },
  });
  return {
    examples: ACCEPT_VALUES.map(make),
    arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,100}$/).map(make),
  };
}

function pathParameters(_ctx: Context, op: Operation): Plan | null {
  if (op.pathParams.length === 0) return null;
  const make = (name: string, raw: string, label: string): Case => ({
    category: 'path-params',
    op,
    label: `${name}=${label}`,
    pathValues: { [name]: raw },
    expect: { refused: true },
  });
  const examples = op.pathParams.flatMap((name) =>
    HOSTILE_PATH_VALUES.map(({ raw, label }) => make(name, raw, label)),
  );
  const arbitrary = fc
    .tuple(
      fc.constantFrom(...op.pathParams),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
    )
    .filter(([, value]) => value !== '.' && value.trim() !== '')
    .map(([name, value]) =>
      make(name, encodeURIComponent(value), JSON.stringify(value).slice(0, 40)),
    );
  return { examples, arbitrary };
}

/** The values a query parameter is fuzzed with: [raw text, must be refused, label]. */
function queryValues(q: { name: string; schema: Schema }): [string, boolean, string?][] {
  const numeric = q.schema.type === 'number' || q.schema.type === 'integer';
  const duplicate: [string, boolean, string] = [
    `1&${q.name}=2`,
    numeric || q.schema.enum !== undefined,
    `${q.name}=1&${q.name}=2`,
  ];
  const each = (values: string[], strict: (v: string) => boolean) =>
    values.map((v): [string, boolean] => [v, strict(v)]);
  if (numeric) {
    const limits = q.name === 'limit' ? ['0', '501', ''] : [];
    return [
      ...each([...STRICT_NUMBER_QUERY, ...limits], () => true),
      ...each(['%%%'], () => true),
      ...each(
        LOOSE_NUMBER_QUERY.filter((v) => !limits.includes(v)),
        () => false,
      ),
      duplicate,
    ];
  }
  if (isDateQuery(q.name, q.schema))
    return [...each(HOSTILE_QUERY_STRINGS, (v) => v === '%%%'), duplicate];
  if (q.name === 'cursor') {
    // A forged cursor may decode to a position the list accepts, so it need not be refused.
    const forged = ['-1', '9999999999999999999', "' OR 1=1 --", '\u0000', 'a'.repeat(150)].map(
      (position): [string, boolean, string] => [
        Buffer.from(position).toString('base64url'),
        false,
        `forged cursor ${JSON.stringify(position.slice(0, 20))}`,
      ],
    );
    return [
      ...each(['%%%', '!!!'], () => true),
      ...forged,
      ...each(HOSTILE_QUERY_STRINGS, () => false),
      duplicate,
    ];
  }
  const strict = q.schema.format === 'uuid' || q.schema.enum !== undefined;
  return [...each(HOSTILE_QUERY_STRINGS, (v) => strict && v !== ''), duplicate];
}

function queryParameters(ctx: Context, op: Operation): Plan | null {
  if (op.query.length === 0) return null;
  const make = (name: string, raw: string, strict: boolean, label?: string): Case => ({
    category: 'query',
    op,
    label: label ?? `${name}=${raw.slice(0, 40)}`,
    query: withQuery(ctx.fixtures.query(op), name, raw),
    expect: strict ? { refused: true, fields: [name] } : undefined,
  });
  const examples = op.query.flatMap((q) =>
    queryValues(q).map(([raw, strict, label]) => make(q.name, raw, strict, label)),
  );
  examples.push(make('unknownParam', '1', true), make('limit[]', '5', false));
  const arbitrary = fc
    .tuple(fc.constantFrom(...op.query), fc.string({ unit: 'binary', maxLength: 60 }))
    .map(([q, value]) => make(q.name, encodeURIComponent(value), false));
  return { examples, arbitrary };
}

function authorizationHeaders(ctx: Context, op: Operation): Plan {
  const strict = op.key === null ? undefined : { refused: true as const, status: 401 };
  const make = (value: string | string[] | null, label: string, sure = true): Case => ({
    category: 'authorization',
    op,
    label,
    headers: { authorization: value },
    expect: sure ? strict : undefined,
  });
  const real = op.key ?? ctx.fixtures.financeKey;
  const examples = [
    make(null, 'no Authorization'),
    make('Bearer', 'Bearer without key'),
    make('Bearer ', 'Bearer and a space'),
    make('Basic dXNlcjpwYXNz', 'Basic scheme'),
    make("Bearer ' OR 1=1 --", 'SQL with spaces'),
    make("Bearer '||'1'='1", 'SQL without spaces'),
    make(`Bearer ${'A'.repeat(8_000)}`, '8,000 characters'),
    make(`Bearer unf_0000000000000000_${'x'.repeat(43)}`, 'well-formed unknown key'),
    make(`Bearer ${real}x`, 'real key plus a character'),
    make(`Bearer ${real.slice(0, -1)}`, 'real key minus a character'),
    make('Bearer unf_é', 'latin-1 character'),
    make(`Bearer ${ctx.fixtures.revokedKey}`, 'revoked key'),
    make(['Bearer a', `Bearer ${real}`], 'two Authorization headers', false),
  ];
  const arbitrary = fc
    .stringMatching(/^[\x21-\x7e]{1,200}$/)
    .map((token) => make(`Bearer ${token}`, `Bearer ${token.slice(0, 40)}`));
  return { examples, arbitrary };
}

function idempotencyKeys(_ctx: Context, op: Operation): Plan | null {
  if (!op.idempotency) return null;
  const required = op.idempotency === 'required';
  const make = (value: string | string[] | null, label: string): Case => {
    // Node trims header values and joins repeated ones with ", ", as the server will see them.
    const text = Array.isArray(value) ? value.join(', ') : (value ?? '').trim();
    const wrong = text === '' ? required : !/^[\x20-\x7e]{1,200}$/.test(text);
    return {
      category: 'idempotency-key',
      op,
      label,
      headers: { 'idempotency-key': value },
      expect: wrong ? { refused: true, status: 400, fields: ['Idempotency-Key'] } : undefined,
    };
  };
  const examples = [
    make(null, 'no key'),
    make('', 'empty'),
    make('   ', 'spaces'),
    make('k'.repeat(201), '201 characters'),
    make('k'.repeat(5_000), '5,000 characters'),
    make('clé', 'latin-1 character'),
    make('a\tb', 'tab'),
    make(["' OR 1=1 --", randomUUID()], 'two headers'),
  ];
  const arbitrary = fc
    .stringMatching(/^[\x20-\x7e\x80-\xff]{0,260}$/)
    .map((value) => make(value, `key ${JSON.stringify(value.slice(0, 30))}`));
  return { examples, arbitrary };
}

function csvImports(_ctx: Context, op: Operation): Plan | null {
  if (op.body?.kind !== 'csv') return null;
  const header = 'currency,effectiveOn,rate';
  const make = (text: string, label: string): Case => ({ category: 'csv', op, label, body: text });
  const row = (currency: string, date: string, rate: string) =>
    `${header}\n${currency},${date},${rate}\n`;
  const examples = [
    ...ODD_AMOUNTS.map((rate) => make(row('EUR', '2026-01-05', rate), `rate ${rate}`)),
    ...IMPOSSIBLE_DATES.map((date) => make(row('EUR', date, '0.9'), `date ${date}`)),
    ...CONTROL_STRINGS.map((s) => make(row(s, '2026-01-05', '0.9'), `currency ${s}`)),
    make('', 'empty'),
    make(header, 'header only'),
    make(`${header}\n"EUR,2026-01-05,0.9\n`, 'unbalanced quote'),
    make(`${header}\nEUR,2026-01-05,0.9,extra,columns\n`, 'extra columns'),
    make(`${header}\nEUR\n`, 'short row'),
    make(`rate,currency\n0.9,EUR\n`, 'wrong header'),
    make(`${header}\n${'EUR,2026-01-05,0.9\n'.repeat(20_000)}`, '20,000 identical rows'),
    make(row('EUR', '2026-01-05', '9'.repeat(HUGE)), '100 KB rate'),
    make(`\ufeff${row('EUR', '2026-01-05', '0.9')}`, 'byte order mark'),
    make(row('EUR', '2026-01-05', '0.9').replace(/\n/g, '\r\n'), 'CRLF'),
    make(row('EUR', '2026-01-05', '0.9\u0000'), 'NUL byte'),
  ];
  const cell = fc.string({ unit: 'binary', maxLength: 20 });
  const arbitrary = fc
    .array(fc.tuple(cell, fc.oneof(cell, dateArbitrary), cell), { maxLength: 20 })
    .map((rows) =>
      make(`${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`, `${rows.length} rows`),
    );
  return { examples, arbitrary };
}

const CATEGORIES: {
  name: string;
  title: string;
  plan: (ctx: Context, op: Operation) => Plan | null;
}[] = [
  {
    name: 'wrong-type',
    title: 'answers wrong types in any body field with a VALIDATION_FAILED naming it',
    plan: wrongTypes,
  },
  {
    name: 'missing',
    title: 'answers missing required fields with a VALIDATION_FAILED naming each',
    plan: missingFields,
  },
  {
    name: 'unknown',
    title: 'answers unknown fields with a VALIDATION_FAILED naming them',
    plan: unknownFields,
  },
  {
    name: 'null',
    title:
      'answers nulls in required fields with a VALIDATION_FAILED, and nulls anywhere without 5xx',
    plan: nullFields,
  },
  {
    name: 'huge-string',
    title: 'survives strings of 100 KB and more in every string field',
    plan: hugeStrings,
  },
  {
    name: 'deep-nesting',
    title: 'survives bodies and fields nested 1,000 levels deep and more',
    plan: deepNesting,
  },
  {
    name: 'over-limit',
    title: 'answers bodies over the 1 MB limit with 413',
    plan: overLimit,
  },
  {
    name: 'control-chars',
    title: 'survives control characters and NUL bytes in every string field',
    plan: controlCharacters,
  },
  {
    name: 'odd-numbers',
    title: 'refuses odd number formats in amounts and numbers',
    plan: oddNumbers,
  },
  {
    name: 'impossible-dates',
    title: 'refuses impossible dates in body fields, path parameters and query parameters',
    plan: impossibleDates,
  },
  {
    name: 'malformed-json',
    title: 'answers malformed JSON with a VALIDATION_FAILED naming the body',
    plan: malformedJson,
  },
  {
    name: 'content-type',
    title: 'answers wrong content types, or none with a body, with 415',
    plan: contentTypes,
  },
  { name: 'accept', title: 'survives odd Accept headers', plan: acceptHeaders },
  {
    name: 'path-params',
    title: 'refuses hostile path parameters',
    plan: pathParameters,
  },
  {
    name: 'query',
    title: 'refuses invalid, repeated and unknown query parameters, naming them',
    plan: queryParameters,
  },
  {
    name: 'authorization',
    title: 'answers hostile Authorization headers with 401',
    plan: authorizationHeaders,
  },
  {
    name: 'idempotency-key',
    title: 'refuses malformed Idempotency-Key headers with a VALIDATION_FAILED naming the header',
    plan: idempotencyKeys,
  },
  { name: 'csv', title: 'survives hostile CSV in the rate import', plan: csvImports },
];

// ---------------------------------------------------------------------------------------------
// Sending, checking and recording.

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

interface Violation {
  category: string;
  request: string;
  status: number;
  problems: string[];
  answer: string;
}

/** Tallies what was sent and seen, for the summary printed at the end. */
class Tally {
  readonly sentByCategory = new Map<string, number>();
  readonly statuses = new Map<number, number>();
  readonly violations: Violation[] = [];
  /** Answers that break no rule but deserve a reader's eye (a 422 where a 400 was expected). */
  readonly observations = new Map<string, string>();
  fiveHundreds = 0;

  summary(operations: number, seconds: number): string {
    const total = [...this.sentByCategory.values()].reduce((a, b) => a + b, 0);
    const statuses = [...this.statuses].sort(([a], [b]) => a - b);
    return [
      '',
      `fuzz summary: seed ${FUZZ_SEED}, FUZZ_RUNS ${FUZZ_RUNS}, ${operations} operations, ${seconds.toFixed(1)} s`,
      ...[...this.sentByCategory].map(([category, count]) => `  ${category.padEnd(18)}${count}`),
      `  ${'total requests'.padEnd(18)}${total}`,
      `  statuses: ${statuses.map(([status, count]) => `${status}×${count}`).join(' ')}`,
      `  5xx seen: ${this.fiveHundreds}`,
      `  violations: ${this.violations.length}`,
      ...[...this.observations.values()].slice(0, 40).map((note) => `  observed: ${note}`),
      '',
    ].join('\n');
  }
}

function targetOf(c: Case, fixtures: Fixtures, encode: boolean): string {
  const path = c.op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const fixture = fixtures.pathValue(c.op, name);
    return c.pathValues?.[name] ?? (encode ? encodeURIComponent(fixture) : fixture);
  });
  const query = c.query ?? fixtures.query(c.op);
  return `${path}${query ? `?${query}` : ''}`;
}

function headersOf(c: Case, body: Buffer | undefined): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { accept: 'application/json' };
  if (c.op.key) headers.authorization = `Bearer ${c.op.key}`;
  if (c.op.idempotency) headers['idempotency-key'] = randomUUID();
  if (c.op.body)
    headers['content-type'] = c.op.body.kind === 'csv' ? 'text/csv' : 'application/json';
  for (const [name, value] of Object.entries(c.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  // Without a Content-Length, Node sends the body chunked.
  if (body && !c.chunked) headers['content-length'] = String(body.length);
  return headers;
}

/** Sends over a raw socket, so that headers, paths and bodies go out exactly as generated. */
function send(port: number, agent: http.Agent, fixtures: Fixtures, c: Case): Promise<RawResponse> {
  const text = c.body ?? (c.op.body ? fixtures.bodyText(c.op) : undefined);
  const body = text === undefined ? undefined : Buffer.from(text);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: c.op.method,
        path: targetOf(c, fixtures, true),
        headers: headersOf(c, body),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // An error after the answer arrived (a 413 closing the socket mid-upload) changes nothing.
    request.on('error', reject);
    request.end(body);
  });
}

function describeRequest(c: Case, fixtures: Fixtures): string {
  const body = c.body === undefined ? '' : ` body=${String(c.body).slice(0, 300)}`;
  const headers = c.headers ? ` headers=${JSON.stringify(c.headers).slice(0, 200)}` : '';
  return `${c.op.method} ${targetOf(c, fixtures, false).slice(0, 300)} [${c.label}]${headers}${body}`;
}

/** The rules every 4xx follows (RFC 9457 problem with code, status and detail). */
function problemShape(response: RawResponse, body: Record<string, unknown> | null): string[] {
  if (response.status < 400 || response.status >= 500) return [];
  const problems: string[] = [];
  if (!/^application\/problem\+json/.test(response.contentType))
    problems.push(`4xx with content type "${response.contentType}"`);
  if (typeof body?.code !== 'string') problems.push('problem without code');
  if (body?.status !== response.status) problems.push('problem status differs from HTTP status');
  if (typeof body?.detail !== 'string') problems.push('problem without detail');
  if (/\bat .+\.(js|ts):\d+/.test(response.text)) problems.push('stack trace in the answer');
  return problems;
}

function check(c: Case, response: RawResponse, tally: Tally): string[] {
  const body = parseObject(response.text);
  const problems = problemShape(response, body);
  if (response.status >= 500) problems.push(`answered ${response.status}`);
  const code = String(body?.code);
  if (code === 'VALIDATION_FAILED') {
    const named = ((body?.errors ?? []) as { field?: unknown }[]).map((e) => e.field);
    if (named.some((field) => typeof field !== 'string' || field === ''))
      problems.push('VALIDATION_FAILED with an error that names no field');
    for (const field of c.expect?.fields ?? []) {
      if (!named.some((n) => typeof n === 'string' && related(n, field)))
        problems.push(`VALIDATION_FAILED does not name ${field} (named ${JSON.stringify(named)})`);
    }
    if (named.length === 0)
      tally.observations.set(
        `no-errors ${c.category} ${c.label}`,
        `VALIDATION_FAILED without errors[]: ${c.category} [${c.label}], e.g. ${c.op.method} ${c.op.template}`,
      );
  }
  if (!c.expect) return problems;
  if (response.status < 400) problems.push(`accepted (${response.status}) although malformed`);
  const { status } = c.expect;
  if (status !== undefined && response.status !== status && response.status < 500)
    problems.push(`expected ${status}, got ${response.status}`);
  if (
    c.expect.fields &&
    response.status >= 400 &&
    response.status < 500 &&
    code !== 'VALIDATION_FAILED'
  )
    tally.observations.set(
      `${c.op.method} ${c.op.template} ${c.label} ${code}`,
      `${c.op.method} ${c.op.template} [${c.label}] → ${response.status} ${code}, not VALIDATION_FAILED`,
    );
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The suite.

describe('fuzzing every operation of /openapi.json with malformed requests', () => {
  let t: TestApp;
  let port: number;
  let ctx: Context;
  let operations: Operation[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const tally = new Tally();
  const started = Date.now();

  beforeAll(async () => {
    // Thousands of bad keys from one address would trip the failed-authentication limit and turn
    // the 401s this suite checks into 429s; the limits have their own suite (rate-limits).
    t = await startTestApp({
      RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '0',
      RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
    });
    await new Promise<void>((done) => t.server.listen(0, '127.0.0.1', done));
    port = (t.server.address() as AddressInfo).port;
    const response = await t.http().get('/openapi.json');
    expect(response.status).toBe(200);
    const doc = response.body as OpenApiDocument;
    operations = readOperations(doc, await roleKeys(t));
    ctx = { doc, fixtures: await createFixtures(t) };
  }, 120_000);

  afterAll(async () => {
    agent.destroy();
    process.stdout.write(tally.summary(operations.length, (Date.now() - started) / 1000));
    await t?.close();
  });

  /** Sends a case and records each rule it breaks; never throws, so one run reports them all. */
  async function exercise(c: Case): Promise<void> {
    tally.sentByCategory.set(c.category, (tally.sentByCategory.get(c.category) ?? 0) + 1);
    let problems: string[];
    let response: RawResponse = { status: 0, contentType: '', text: '' };
    try {
      response = await send(port, agent, ctx.fixtures, c);
      tally.statuses.set(response.status, (tally.statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500) tally.fiveHundreds += 1;
      problems = check(c, response, tally);
    } catch (error) {
      problems = [`no answer: ${(error as Error).message}`];
    }
    if (problems.length > 0) {
      tally.violations.push({
        category: c.category,
        request: describeRequest(c, ctx.fixtures),
        status: response.status,
        problems,
        answer: response.text.slice(0, 400),
      });
    }
  }

  /**
   * Runs a category's curated cases as fast-check examples, then FUZZ_RUNS generated ones, for
   * every operation it applies to; then fails listing every violation. Properties never throw, so
   * fast-check does not stop at the first failure nor shrink: each violation is a real request.
   */
  async function fuzz(category: (typeof CATEGORIES)[number]): Promise<void> {
    const before = tally.violations.length;
    for (const op of operations) {
      const plan = category.plan(ctx, op);
      if (!plan) continue;
      await fc.assert(
        fc.asyncProperty(plan.arbitrary, (c) => exercise(c)),
        {
          numRuns: plan.examples.length + FUZZ_RUNS,
          examples: plan.examples.map((c): [Case] => [c]),
          seed: FUZZ_SEED,
        },
      );
    }
    const found = tally.violations.slice(before);
    expect(
      found.map(
        (v) => `${v.status} ${v.request}\n      ${v.problems.join('; ')}\n      ${v.answer}`,
      ),
    ).toEqual([]);
  }

  for (const category of CATEGORIES) {
    it(category.title, () => fuzz(category), CATEGORY_TIMEOUT_MS);
  }

  it('is still ready after the run', async () => {
    expect((await t.http().get('/health/ready')).status).toBe(200);
  });

  it('saw no 5xx in any category', () => {
    expect(tally.fiveHundreds).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Operations and fixtures.

async function roleKeys(t: TestApp): Promise<Record<string, string>> {
  return {
    admin: t.adminKey,
    finance: await t.createKey('finance'),
    auditor: await t.createKey('auditor'),
  };
}

/**
 * Reads each operation's roles from its 403 description ("The key's role is not one of: ...")
 * and picks a key that passes the guard, so that requests reach validation.
 */
function readOperations(doc: OpenApiDocument, keys: Record<string, string>): Operation[] {
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]): Operation => {
      const parameters = operation.parameters ?? [];
      const roles = /one of: ([a-z, ]+)\./.exec(operation.responses['403']?.description ?? '');
      const allowed = roles ? roles[1].split(', ') : [];
      const role = ['finance', 'admin', 'auditor'].find((r) => allowed.includes(r));
      const idempotency = parameters.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      const content = operation.requestBody?.content ?? {};
      return {
        method: method.toUpperCase(),
        template,
        key: role ? keys[role] : null,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} })),
        idempotency: idempotency ? (idempotency.required ? 'required' : 'optional') : null,
        body: content['application/json']
          ? { kind: 'json', schema: content['application/json'].schema }
          : content['text/csv']
            ? { kind: 'csv' }
            : null,
      };
    }),
  );
}

/**
 * Creates what valid requests need: a donor, pledges in each state a state change starts from,
 * payments, a locked conference (committed run, allocation) and an open one, a receipt, a key to
 * revoke and a revoked key. Each state change gets its own resource, so that one accepted
 * mutation does not turn the others into conflicts.
 */
async function createFixtures(t: TestApp): Promise<Fixtures> {
  const f = await Factories.create(t);
  const tf = new TravelFactories(t, f);
  const admin = { Authorization: `Bearer ${t.adminKey}` };
  await f.rate('EUR', '2026-01-01', '0.9');
  const donor = await f.memberState('NOR');
  const pledge = (status: 'announced' | 'confirmed') =>
    f.pledge({
      donorId: donor.id,
      currency: 'USD',
      amount: '1000000.00',
      status,
      pledgedOn: '2026-02-01',
      ...(status === 'confirmed' ? { confirmedOn: '2026-02-02' } : {}),
    });
  const toConfirm = await pledge('announced');
  const toCancel = await pledge('announced');
  const toPay = await pledge('confirmed');
  const toWriteOff = await pledge('confirmed');
  const lockedCode = `FUZZ-${uuid8()}`;
  const openCode = `FUZZ-${uuid8()}`;
  await tf.conference({ code: lockedCode });
  await tf.conference({ code: openCode });
  const cash = await tf.cash(`participation:${lockedCode}`, '100000.00', '2026-03-01');
  const toReverse = await tf.cash('unearmarked', '10.00', '2026-03-01');
  await tf.travelRequest(lockedCode, 'MWI', '2026-07-01', ['500.00']);
  const run = await tf.run(lockedCode, 'commit', '2026-09-01');
  const receipt = await t.http().get(`/v1/receipts/${cash.receiptNumber}`).set(f.auth());
  const newKey = async (name: string) =>
    (await t.http().post('/v1/api-keys').set(admin).send({ name, role: 'auditor' })).body as {
      id: string;
      key: string;
    };
  const revoked = await newKey('fuzz revoked');
  await t.http().delete(`/v1/api-keys/${revoked.id}`).set(admin);
  const toRevoke = await newKey('fuzz revoke target');
  const nextCountry = await eligibleCountries(t, f);

  const ids: Record<string, string> = {
    'DELETE /v1/api-keys/{id}': toRevoke.id,
    'GET /v1/donors/{id}': donor.id,
    'GET /v1/pledges/{id}': toPay.id,
    'POST /v1/pledges/{id}/confirm': toConfirm.id,
    'POST /v1/pledges/{id}/cancel': toCancel.id,
    'POST /v1/pledges/{id}/write-off': toWriteOff.id,
    'GET /v1/payments/{id}': cash.id,
    'POST /v1/payments/{id}/reverse': toReverse.id,
    'POST /v1/allocations/{id}/release': run.lines[0].allocationId ?? randomUUID(),
  };
  const bodies: Record<string, () => Json> = {
    'POST /v1/api-keys': () => ({ name: 'Fuzz key', role: 'auditor' }),
    'PUT /v1/rates/{currency}/{effectiveOn}': () => ({ rate: '0.9' }),
    'POST /v1/donors': () => ({ name: `Fuzz donor ${uuid8()}`, type: 'ngo' }),
    'POST /v1/pledges': () => ({
      donorId: donor.id,
      currency: 'USD',
      amount: '100.00',
      earmark: 'unearmarked',
      status: 'confirmed',
      pledgedOn: '2026-02-01',
      confirmedOn: '2026-02-02',
      reference: 'FUZZ/2026/1',
      instalments: [{ dueOn: '2026-06-30', amount: '100.00' }],
    }),
    'POST /v1/pledges/{id}/confirm': () => ({ confirmedOn: '2026-02-03' }),
    'POST /v1/pledges/{id}/cancel': () => ({ reason: 'Fuzz', cancelledOn: '2026-02-03' }),
    'POST /v1/pledges/{id}/write-off': () => ({ reason: 'Fuzz', writtenOffOn: '2026-02-03' }),
    'POST /v1/payments': () => ({
      donorId: donor.id,
      pledgeId: toPay.id,
      currency: 'USD',
      amount: '1.00',
      receivedOn: '2026-03-02',
      bankReference: 'FUZZ',
    }),
    'POST /v1/payments/{id}/reverse': () => ({ reason: 'Fuzz', reversedOn: '2026-03-05' }),
    'POST /v1/conferences': () => tf.conferenceBody({ code: `FUZZ-${uuid8()}` }) as Json,
    'PATCH /v1/conferences/{code}': () => ({ name: 'Fuzz open conference' }),
    'POST /v1/conferences/{code}/travel-requests': () => ({
      countryCode: nextCountry(),
      nominatedOn: '2026-07-02',
      nominationReference: 'FUZZ/MFA/2026/1',
      delegates: [{ name: 'Fuzz Delegate', airfareUsd: '700.00' }],
    }),
    'POST /v1/conferences/{code}/allocation-runs': () => ({
      mode: 'preview',
      effectiveOn: '2026-09-01',
    }),
    'POST /v1/allocations/{id}/release': () => ({ reason: 'Fuzz', releasedOn: '2026-09-15' }),
  };
  const pathValues: Record<string, (op: Operation) => string> = {
    id: (op) => ids[`${op.method} ${op.template}`] ?? randomUUID(),
    // Changes and nominations go to the open conference; reads and runs to the locked one.
    code: (op) =>
      op.method === 'PATCH' || op.template.endsWith('travel-requests') ? openCode : lockedCode,
    number: () => cash.receiptNumber,
    verificationCode: () => receipt.body.receipt.verificationCode,
    currency: () => 'EUR',
    effectiveOn: () => '2026-01-02',
  };
  const fixtures: Fixtures = {
    financeKey: f.financeKey,
    revokedKey: revoked.key,
    pathValue: (op, name) => pathValues[name]?.(op) ?? 'x',
    query: (op) =>
      op.query
        .filter((q) => q.required)
        .map((q) => `${q.name}=${q.name === 'conference' ? lockedCode : 'x'}`)
        .join('&'),
    body: (op) => bodies[`${op.method} ${op.template}`]?.() ?? {},
    bodyText: (op) =>
      op.body?.kind === 'csv'
        ? 'currency,effectiveOn,rate\nGBP,2026-01-01,0.8\n'
        : JSON.stringify(fixtures.body(op)),
  };
  return fixtures;
}

/**
 * Each travel request takes a developing country not yet nominated, so that it reaches the
 * insert instead of stopping at REQUEST_EXISTS, for as long as such countries last.
 */
async function eligibleCountries(t: TestApp, f: Factories): Promise<() => string> {
  const response = await t.http().get('/v1/countries?limit=500&on=2026-07-02').set(f.auth());
  const eligible = (response.body.items as { alpha3: string; developing: boolean }[])
    .filter((country) => country.developing && country.alpha3 !== 'MWI')
    .map((country) => country.alpha3);
  let next = 0;
  return () => eligible[next++ % eligible.length] ?? 'NER';
}
