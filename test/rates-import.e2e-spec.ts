// Proves that the rate CSV import names each bad line by its own line number in the file, blank
// lines included, and writes nothing when any line is bad.
import { Factories } from './support/factories.js';
import { expectProblem } from './support/problem.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('rate CSV import', () => {
  let t: TestApp;
  let f: Factories;

  beforeAll(async () => {
    t = await startTestApp();
    f = await Factories.create(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (csv: string) =>
    t.http().post('/v1/rates/import').set(f.auth()).set('Content-Type', 'text/csv').send(csv);

  it('names lines 4 and 7 of a file with blank lines 2, 5 and 6, and imports nothing', async () => {
    const csv =
      'currency,effectiveOn,rate\n\nEUR,2026-01-01,0.9234\nJPY,2026-02-30,151\n\n\nUSD,2026-01-01,1\n';
    const response = await post(csv);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    const fields = (response.body.errors as { field: string }[]).map((e) => e.field);
    expect([...new Set(fields)]).toEqual(['line 4', 'line 7']);
    expect(await t.sql('SELECT 1 FROM rates')).toEqual([]);
  });

  it('imports every line of a good file and answers how many', async () => {
    const response = await post(
      'currency,effectiveOn,rate\nEUR,2026-01-01,0.9234\n\nKWD,2026-01-01,0.3071\n',
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ imported: 2 });
  });
});
