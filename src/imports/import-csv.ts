import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parse } from 'csv-parse/sync';
import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { flattenValidationErrors } from '#src/common/errors/validation.js';
import { checkIdempotencyKey } from '#src/common/http/idempotency.service.js';
import { CreatePaymentDto } from '#src/payments/payment.dto.js';
import { CreatePledgeDto } from '#src/pledges/pledge.dto.js';

// Reads a spreadsheet export of payments or pledges and checks every line with the API's own
// DTOs before anything is written, so that a file is refused as a whole, with every bad line
// named, or accepted as a whole. Nothing here touches the database.

/** The column every file may carry besides the DTO's fields. */
export const KEY_COLUMN = 'idempotencyKey';

/** What one kind of file holds and how its lines are checked. */
export interface CsvShape<T extends object> {
  kind: 'payments' | 'pledges';
  dto: new () => T;
  /** The DTO's fields that a CSV column can carry, in the order the documentation lists them. */
  columns: readonly string[];
  /** Columns the header must have: without them every line would fail the same way. */
  required: readonly string[];
  /** Fields the API takes that a CSV cannot, with the reason shown to the user. */
  unsupported: Readonly<Record<string, string>>;
  /** The API request a line stands for; the idempotency fingerprint is taken over it. */
  path: string;
  /**
   * Lines with the same order key are imported in file order, one after the other: payments of
   * one pledge, whose order decides which one settles it and which one exceeds what is left.
   */
  orderKey(input: T): string | null;
}

export const PAYMENTS_CSV: CsvShape<CreatePaymentDto> = {
  kind: 'payments',
  dto: CreatePaymentDto,
  columns: ['donorId', 'pledgeId', 'currency', 'amount', 'receivedOn', 'earmark', 'bankReference'],
  required: ['donorId', 'currency', 'amount', 'receivedOn'],
  unsupported: {},
  path: '/v1/payments',
  orderKey: (input) => input.pledgeId ?? null,
};

export const PLEDGES_CSV: CsvShape<CreatePledgeDto> = {
  kind: 'pledges',
  dto: CreatePledgeDto,
  columns: [
    'donorId',
    'currency',
    'amount',
    'earmark',
    'status',
    'pledgedOn',
    'confirmedOn',
    'reference',
  ],
  required: ['donorId', 'currency', 'amount', 'earmark', 'status', 'pledgedOn'],
  unsupported: {
    instalments:
      'cannot be given in a CSV file (a cell holds no list); create pledges with instalments through POST /v1/pledges',
  },
  path: '/v1/pledges',
  orderKey: () => null,
};

/** One checked line, ready for its service. */
export interface ImportLine<T> {
  /** Line number in the file, counting from 1 at the header, as a spreadsheet shows it. */
  line: number;
  input: T;
  /** The line as an API request body (non-empty cells only): what the fingerprint covers. */
  body: Readonly<Record<string, string>>;
  idempotencyKey: string;
}

export interface LineProblem {
  line: number;
  /** Absent when the problem is the line as a whole (its number of fields). */
  field?: string;
  message: string;
}

export type CheckedFile<T> =
  { ok: true; lines: ImportLine<T>[] } | { ok: false; problems: LineProblem[] };

/** `line 7: amount: must be …`, the form every problem is printed in. */
export function formatProblem(problem: LineProblem): string {
  return problem.field === undefined
    ? `line ${problem.line}: ${problem.message}`
    : `line ${problem.line}: ${problem.field}: ${problem.message}`;
}

/**
 * Parses `text` and checks every line. Empty cells are absent fields, as an omitted JSON member
 * would be; cells are trimmed, since a spreadsheet's stray spaces are never part of an id, a
 * date or an amount. Lines without an `idempotencyKey` get one derived from their content.
 */
export async function checkCsv<T extends object>(
  text: string,
  shape: CsvShape<T>,
): Promise<CheckedFile<T>> {
  const records = readRecords(text);
  if ('problem' in records) return refused([records.problem]);
  const [header, ...rows] = records.rows;
  if (!header)
    return refused([{ line: 1, message: `must be a header such as ${describeHeader(shape)}` }]);
  const headerProblems = checkHeader(header, shape);
  if (headerProblems.length > 0) return refused(headerProblems);
  if (rows.length === 0)
    return refused([{ line: header.line, message: 'the file has no lines after the header' }]);
  const problems: LineProblem[] = [];
  const lines: ImportLine<T>[] = [];
  const keys = new KeyBook(shape.kind);
  for (const row of rows) {
    const checked = await checkRow(row, header.cells, shape, keys);
    if ('problems' in checked) problems.push(...checked.problems);
    else lines.push(checked);
  }
  return problems.length > 0 ? refused(problems) : { ok: true, lines };
}

function refused<T>(problems: LineProblem[]): CheckedFile<T> {
  return { ok: false, problems };
}

interface Row {
  line: number;
  cells: string[];
}

/**
 * Splits the text into records with the line each starts on. csv-parse reports where a record
 * ends, and counts a CRLF inside a quoted cell as two lines, so the start lines are counted here
 * from each record's raw text instead. Blank lines are skipped but counted.
 */
function readRecords(text: string): { rows: Row[] } | { problem: LineProblem } {
  let parsed: { record: string[]; raw: string }[];
  try {
    parsed = parse(text, {
      bom: true,
      raw: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: false,
    }) as unknown as { record: string[]; raw: string }[];
  } catch (error) {
    const failure = error as Error & { lines?: number };
    return {
      problem: { line: failure.lines ?? 1, message: `is not valid CSV: ${failure.message}` },
    };
  }
  const rows: Row[] = [];
  let line = 1;
  for (const { record, raw } of parsed) {
    if (record.some((cell) => cell !== '')) rows.push({ line, cells: record });
    // `raw` ends with the first character of the record's delimiter (`\n`, or `\r` of a CRLF)
    // except on the last line; what remains holds the line breaks inside quoted cells.
    const inner = raw.replace(/[\r\n]$/, '');
    line += 1 + (inner.match(/\r\n|\r|\n/g)?.length ?? 0);
  }
  return { rows };
}

function describeHeader<T extends object>(shape: CsvShape<T>): string {
  return [...shape.columns, KEY_COLUMN].join(',');
}

function checkHeader<T extends object>(header: Row, shape: CsvShape<T>): LineProblem[] {
  const problems: LineProblem[] = [];
  const known = new Set([...shape.columns, KEY_COLUMN]);
  const seen = new Set<string>();
  for (const name of header.cells) {
    if (seen.has(name)) {
      problems.push({ line: header.line, field: name, message: 'is a repeated column' });
    } else if (shape.unsupported[name] !== undefined) {
      problems.push({ line: header.line, field: name, message: shape.unsupported[name] });
    } else if (!known.has(name)) {
      problems.push({
        line: header.line,
        field: name,
        message: `is not a column of a ${shape.kind} file; the columns are ${describeHeader(shape)}`,
      });
    }
    seen.add(name);
  }
  for (const name of shape.required) {
    if (!seen.has(name))
      problems.push({ line: header.line, field: name, message: 'is a required column' });
  }
  return problems;
}

async function checkRow<T extends object>(
  row: Row,
  columns: readonly string[],
  shape: CsvShape<T>,
  keys: KeyBook,
): Promise<ImportLine<T> | { problems: LineProblem[] }> {
  if (row.cells.length !== columns.length) {
    const message = `has ${row.cells.length} fields; the header has ${columns.length}`;
    return { problems: [{ line: row.line, message }] };
  }
  const body: Record<string, string> = {};
  let explicitKey: string | null = null;
  for (const [index, column] of columns.entries()) {
    const cell = row.cells[index];
    if (cell === '') continue;
    if (column === KEY_COLUMN) explicitKey = cell;
    else body[column] = cell;
  }
  // The same options as the API's global pipe: nothing coerced, nothing unknown let through.
  const input = plainToInstance(shape.dto, body, { enableImplicitConversion: false });
  const errors = await validate(input, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    stopAtFirstError: false,
  });
  const problems: LineProblem[] = flattenValidationErrors(errors).map((error) => ({
    line: row.line,
    field: error.field,
    // class-validator's own messages start with the property name, which the field already says.
    message: error.message.replace(new RegExp(`^${error.field.split('.').at(-1)} `), ''),
  }));
  const key = keys.assign(row.line, explicitKey, body);
  if (typeof key !== 'string') problems.push(key.problem);
  else if (problems.length === 0) return { line: row.line, input, body, idempotencyKey: key };
  return { problems };
}

/**
 * Hands out the idempotency key of each line. A key given in the file is checked like the
 * `Idempotency-Key` header and may appear once. A derived key is the SHA-256 of the line's
 * request body and the number of identical lines above it, with neither the file's name nor the
 * line's number in it: re-running the file, a renamed copy, or the file with lines added, removed
 * or reordered replays what was imported, and two identical payments in one file stay two.
 */
class KeyBook {
  private readonly explicit = new Map<string, number>();
  private readonly occurrences = new Map<string, number>();

  constructor(private readonly kind: string) {}

  assign(
    line: number,
    explicitKey: string | null,
    body: Record<string, string>,
  ): string | { problem: LineProblem } {
    if (explicitKey !== null) {
      try {
        checkIdempotencyKey(explicitKey, true);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return {
          problem: {
            line,
            field: KEY_COLUMN,
            message: 'must be 1 to 200 printable ASCII characters',
          },
        };
      }
      const earlier = this.explicit.get(explicitKey);
      if (earlier !== undefined)
        return {
          problem: { line, field: KEY_COLUMN, message: `repeats the key of line ${earlier}` },
        };
      this.explicit.set(explicitKey, line);
      return explicitKey;
    }
    const digest = sha256Hex(canonicalJson(body));
    const occurrence = (this.occurrences.get(digest) ?? 0) + 1;
    this.occurrences.set(digest, occurrence);
    return `import:${this.kind}:${digest}:${occurrence}`;
  }
}
