import process from 'node:process';

/**
 * The bench's settings, from BENCH_* variables. The defaults are the full run that the issue's
 * targets refer to (about 15 minutes on 2 cores); BENCH_QUICK=1 is a smoke run of a few minutes
 * with smaller histories, shorter runs and a single round, for checking that the bench works,
 * not for reading its figures.
 */
export function loadBenchConfig(env = process.env) {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const problems = [];
  const int = (name, fallback, min, max) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const ints = (name, fallback, min, max) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const values = raw.split(',').map((part) => Number(part.trim()));
    if (values.some((value) => !Number.isInteger(value) || value < min || value > max)) {
      problems.push(`${name} must be comma-separated whole numbers from ${min} to ${max}`);
      return fallback;
    }
    return values;
  };
  const sections = (env.BENCH_SECTIONS?.trim() || SECTIONS.join(','))
    .split(',')
    .map((name) => name.trim());
  for (const name of sections)
    if (!KNOWN_SECTIONS.includes(name))
      problems.push(
        `BENCH_SECTIONS: unknown section "${name}" (known: ${KNOWN_SECTIONS.join(', ')})`,
      );
  const lines = ints('BENCH_LINES', quick ? [10_000, 100_000] : [100_000, 1_000_000], 1_000, 20e6);
  if (lines.length !== 2 || lines[0] >= lines[1])
    problems.push('BENCH_LINES must be two sizes, the smaller first (e.g. 100000,1000000)');

  const config = {
    quick,
    adminUrl: env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    sections,
    rounds: int('BENCH_ROUNDS', quick ? 1 : 3, 1, 20),
    durationS: int('BENCH_DURATION_S', quick ? 5 : 10, 1, 120),
    warmupS: int('BENCH_WARMUP_S', quick ? 2 : 3, 0, 60),
    connections: ints('BENCH_CONNECTIONS', [8, 32, 64], 1, 256),
    receiptConnections: int('BENCH_RECEIPT_CONNECTIONS', 32, 1, 256),
    poolSize: int('BENCH_POOL_SIZE', 10, 1, 200),
    pledges: 256,
    donors: 32,
    lines,
    history: env.BENCH_HISTORY?.trim() || 'longer',
    seed: env.BENCH_SEED?.trim() || 'triggers',
    seedMinutes: int('BENCH_SEED_MINUTES', quick ? 3 : 8, 1, 120),
    pinFraction: int('BENCH_PIN_PERCENT', 50, 1, 99) / 100,
    reportSamples: int('BENCH_REPORT_SAMPLES', quick ? 30 : 100, 5, 10_000),
    reportSeconds: int('BENCH_REPORT_SECONDS', quick ? 6 : 20, 1, 600),
    allocationRequests: 150,
    allocationSamples: int('BENCH_ALLOCATION_SAMPLES', quick ? 20 : 60, 3, 10_000),
    startRounds: int('BENCH_START_ROUNDS', quick ? 1 : 3, 1, 20),
    importLines: int('BENCH_IMPORT_LINES', quick ? 5_000 : 20_000, 100, 1_000_000),
    importConcurrency: int('BENCH_IMPORT_CONCURRENCY', 4, 1, 64),
    maxMinutes: int('BENCH_MAX_MINUTES', quick ? 10 : 30, 1, 240),
  };
  if (!['triggers', 'direct'].includes(config.seed))
    problems.push(`BENCH_SEED must be "triggers" or "direct" (got "${config.seed}")`);
  if (!['longer', 'denser'].includes(config.history))
    problems.push(`BENCH_HISTORY must be "longer" or "denser" (got "${config.history}")`);
  if (problems.length > 0)
    throw new Error(`Invalid bench configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}

/** What `npm run bench` runs by default. */
export const SECTIONS = ['startup', 'payments', 'receipts', 'import', 'reports', 'allocation'];
/** Sections only run when named: `profile` reruns the loads under --cpu-prof to show where time goes. */
const KNOWN_SECTIONS = [...SECTIONS, 'profile'];
