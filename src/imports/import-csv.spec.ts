// Proves that a CSV file is checked line by line with the API's own DTOs before anything is
// written: every bad line is named with the number a spreadsheet shows, blank lines and quoted
// line breaks do not shift the numbers, and each line gets an idempotency key that a re-run of
// the same content finds again.
import { checkCsv, formatProblem, PAYMENTS_CSV, PLEDGES_CSV } from '#src/imports/import-csv.js';

const DONOR = '0b3c3c9e-6f6d-4b59-9d6a-3f1f7f5c2a10';
const PLEDGE = '5d9e2b8a-1c44-4e0f-8a53-2b7c1e9d4f60';
const HEADER = 'donorId,pledgeId,currency,amount,receivedOn,earmark,bankReference,idempotencyKey';

function file(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

async function problemsOf(text: string): Promise<string[]> {
  const checked = await checkCsv(text, PAYMENTS_CSV);
  if (checked.ok) throw new Error('expected the file to be refused');
  return checked.problems.map(formatProblem);
}

describe('a payments file', () => {
  it('is accepted with its lines as the API would take them: empty cells absent, cells trimmed', async () => {
    const checked = await checkCsv(
      file(
        HEADER,
        `${DONOR},,USD,1250.00,2025-03-01,unearmarked,, pay-1 `,
        `${DONOR},${PLEDGE},JPY, 1000000 ,2025-03-02,,SWIFT 42,`,
      ),
      PAYMENTS_CSV,
    );
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.lines.map((line) => [line.line, line.body, line.idempotencyKey])).toEqual([
      [
        2,
        {
          donorId: DONOR,
          currency: 'USD',
          amount: '1250.00',
          receivedOn: '2025-03-01',
          earmark: 'unearmarked',
        },
        'pay-1',
      ],
      [
        3,
        {
          donorId: DONOR,
          pledgeId: PLEDGE,
          currency: 'JPY',
          amount: '1000000',
          receivedOn: '2025-03-02',
          bankReference: 'SWIFT 42',
        },
        expect.stringMatching(/^import:payments:[0-9a-f]{64}:1$/),
      ],
    ]);
    expect(checked.lines[1].input.pledgeId).toBe(PLEDGE);
    expect(checked.lines[1].input.earmark).toBeUndefined();
  });

  it('names every bad line, with field and message, and no good one', async () => {
    expect(
      await problemsOf(
        file(
          HEADER,
          `${DONOR},,USD,10.00,2025-03-01,unearmarked,,`,
          `not-a-uuid,,USD,10.00,2025-03-01,unearmarked,,`,
          `${DONOR},,USD,10.005,2025-03-01,unearmarked,,`,
          `${DONOR},,USD,10.00,2025-03-01,,,`,
          `${DONOR},,XXX,10.00,2025-02-30,unearmarked,,`,
          `${DONOR},,USD,10.00`,
          `${DONOR},,USD,0,2025-03-01,unearmarked,,`,
        ),
      ),
    ).toEqual([
      'line 3: donorId: must be a UUID',
      'line 4: amount: must have at most 2 decimals for USD',
      'line 5: earmark: is required for a payment without a pledge',
      'line 6: currency: must be an ISO 4217 currency code such as USD',
      'line 6: receivedOn: must be a calendar date written YYYY-MM-DD',
      'line 7: has 4 fields; the header has 8',
      'line 8: amount: must be greater than zero',
    ]);
  });

  it('counts blank lines and line breaks inside quoted cells, with LF or CRLF endings', async () => {
    for (const newline of ['\n', '\r\n']) {
      const text = [
        HEADER,
        '',
        `${DONOR},,USD,10.00,2025-03-01,unearmarked,"two${newline}lines",`,
        `${DONOR},,USD,bad,2025-03-01,unearmarked,,`,
      ].join(newline);
      expect(await problemsOf(text)).toEqual([
        'line 5: amount: must be a decimal string of 1 to 15 digits with an optional fraction, without sign, exponent or spaces',
      ]);
    }
  });

  it('refuses repeated, malformed and unknown keys and columns', async () => {
    expect(
      await problemsOf(
        file(
          HEADER,
          `${DONOR},,USD,10.00,2025-03-01,unearmarked,,k-1`,
          `${DONOR},,USD,11.00,2025-03-01,unearmarked,,k-1`,
          `${DONOR},,USD,12.00,2025-03-01,unearmarked,,caf\u00e9`,
        ),
      ),
    ).toEqual([
      'line 3: idempotencyKey: repeats the key of line 2',
      'line 4: idempotencyKey: must be 1 to 200 printable ASCII characters',
    ]);
    expect(await problemsOf(file('donorId,currency,amount,amount,memo', 'x,USD,1,1,y'))).toEqual([
      'line 1: amount: is a repeated column',
      expect.stringMatching(/^line 1: memo: is not a column of a payments file; the columns are /),
      'line 1: receivedOn: is a required column',
    ]);
    expect(await problemsOf(file(HEADER))).toEqual([
      'line 1: the file has no lines after the header',
    ]);
    expect(await problemsOf('')).toEqual([expect.stringMatching(/^line 1: must be a header/)]);
    expect(await problemsOf(file(HEADER, `${DONOR},"unclosed`))).toEqual([
      expect.stringMatching(/^line 2: is not valid CSV: Quote Not Closed/),
    ]);
  });

  it('derives the same keys for the same content, wherever the lines are, and keeps twins apart', async () => {
    const a = `${DONOR},,USD,10.00,2025-03-01,unearmarked,,`;
    const b = `${DONOR},,USD,20.00,2025-03-01,unearmarked,,`;
    const keysOf = async (text: string) => {
      const checked = await checkCsv(text, PAYMENTS_CSV);
      if (!checked.ok) throw new Error('refused');
      return checked.lines.map((line) => line.idempotencyKey);
    };
    const [first, twin, other] = await keysOf(file(HEADER, a, a, b));
    expect(new Set([first, twin, other]).size).toBe(3);
    expect(first.replace(/:1$/, ':2')).toBe(twin);
    expect(await keysOf(file(HEADER, b, '', a, a))).toEqual([other, first, twin]);
  });
});

describe('a pledges file', () => {
  const header = 'donorId,currency,amount,earmark,status,pledgedOn,confirmedOn,reference';

  it('is checked with the pledge DTO, including the rule on confirmedOn', async () => {
    const checked = await checkCsv(
      file(
        header,
        `${DONOR},JPY,3000000,unearmarked,confirmed,2025-01-10,2025-02-01,JPN/1`,
        `${DONOR},JPY,3000000,unearmarked,announced,2025-01-10,2025-02-01,`,
        `${DONOR},JPY,3000000,unearmarked,confirmed,2025-01-10,,`,
      ),
      PLEDGES_CSV,
    );
    expect(checked.ok ? [] : checked.problems.map(formatProblem)).toEqual([
      'line 3: confirmedOn: must be omitted for an announced pledge; confirm it later',
      'line 4: confirmedOn: is required when status is confirmed',
    ]);
  });

  it('says that instalments cannot be given in a CSV file', async () => {
    const checked = await checkCsv(file(`${header},instalments`), PLEDGES_CSV);
    expect(checked.ok ? [] : checked.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^line 1: instalments: cannot be given in a CSV file .* POST \/v1\/pledges$/,
      ),
    ]);
  });
});
