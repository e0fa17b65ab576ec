import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, nodeBinary, startProcess, waitUntilReady } from './processes.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let appRoot = ROOT;

/**
 * Copies the built product (package.json, dist/, bench/) into `dir`, with node_modules linked,
 * and runs every server from there: a developer rebuilding dist/ in the work tree during a
 * quarter-hour run (nest build empties it first) would otherwise pull it from under the bench.
 */
export function useSnapshot(dir) {
  mkdirSync(dir, { recursive: true });
  for (const part of ['package.json', 'dist', 'bench'])
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const file of ['dist/src/main.js', 'dist/src/app.module.js', 'dist/migrations/index.js'])
    if (!existsSync(join(dir, file)))
      throw new Error(
        `${file} is missing from dist/: was it being rebuilt? Run npx nest build again.`,
      );
  appRoot = dir;
}

// Variables the product reads (src/config): the bench sets each one it means to, and clears the
// rest, so that whatever the caller's shell exported cannot change what is measured.
const PRODUCT_VARIABLES = [
  'PORT',
  'DATABASE_URL',
  'DATABASE_REPLICA_URLS',
  'DATA_DIR',
  'LOG_LEVEL',
  'PSC_RATE',
  'OPERATING_RESERVE_RATE',
  'RECEIPT_SIGNING_KEY',
  'BODY_LIMIT_BYTES',
  'STATEMENT_TIMEOUT_MS',
  'DATABASE_POOL_SIZE',
  'DEVELOPING_GROUPING',
  'DATABASE_CONNECT_TIMEOUT_MS',
  'FOUR_EYES',
  'RATE_LIMIT_PUBLIC_PER_MINUTE',
  'RATE_LIMIT_FAILED_AUTH_PER_MINUTE',
  'TRUST_PROXY',
  'NODE_ENV',
  'NODE_OPTIONS',
];

export const BENCH_PUBLIC_LIMIT = '1000000000';

/**
 * Node options for the product: those it is deployed with (the `start:prod` script, which the
 * Docker image's CMD repeats), then an experiment's V8 flags from BENCH_PRODUCT_NODE_ARGS.
 */
const PRODUCT_NODE_ARGS = [
  ...deployedNodeArgs(),
  ...(process.env.BENCH_PRODUCT_NODE_ARGS ?? '').split(' ').filter(Boolean),
];

/** The node options of `npm run start:prod` (`node …options dist/src/main.js`). */
function deployedNodeArgs() {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  const match = /^node((?: --?[\w-]+(?:=\S+)?)*) dist\/src\/main\.js$/.exec(script ?? '');
  if (!match)
    throw new Error(`package.json start:prod is not "node [options] dist/src/main.js": ${script}`);
  return match[1].split(' ').filter(Boolean);
}

const traceModule = () => join(appRoot, 'bench/sql-trace.cjs');

function childEnv(settings) {
  const env = { ...process.env };
  for (const name of PRODUCT_VARIABLES) delete env[name];
  // As the Docker image runs it, with logging off so that the figures are the API's alone. The
  // public rate limit is counted as in production (the same statement) but set so high that the
  // bench's one client address is never refused; the raw server reads the same setting.
  return {
    ...env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PUBLIC_PER_MINUTE: BENCH_PUBLIC_LIMIT,
    ...settings,
  };
}

/**
 * Starts the built product (`node dist/src/main.js`) as a child and waits for /health/ready.
 * Without `databaseUrl` it starts on the embedded database in `dataDir`. Answers the handle, its
 * base URL, the time to ready, and the admin key a first start prints (else null).
 */
export async function startProduct({
  name = 'product',
  databaseUrl,
  dataDir,
  poolSize,
  env = {},
  trace,
  nodeArgs = [],
}) {
  const port = await freePort();
  const settings = { PORT: String(port), DATA_DIR: dataDir, ...env };
  if (databaseUrl) settings.DATABASE_URL = databaseUrl;
  if (poolSize) settings.DATABASE_POOL_SIZE = String(poolSize);
  if (trace) settings.BENCH_SQL_TRACE = trace;
  const args = [
    ...PRODUCT_NODE_ARGS,
    ...nodeArgs,
    ...(trace ? ['--require', traceModule()] : []),
    'dist/src/main.js',
  ];
  const handle = startProcess(name, nodeBinary, args, { env: childEnv(settings), cwd: appRoot });
  const baseUrl = `http://127.0.0.1:${port}`;
  const readyMs = await waitUntilReady(handle, `${baseUrl}/health/ready`);
  // The banner, with the first start's admin key, is written right after listen(); give the
  // pipe a moment to deliver it.
  for (let i = 0; i < 100 && !handle.output().includes('listening on'); i += 1) await sleep(20);
  const adminKey = /Admin API key: (\S+)/.exec(handle.output())?.[1] ?? null;
  return { handle, pid: handle.pid, baseUrl, readyMs, adminKey };
}

/**
 * Runs the built command line (`node dist/src/cli.js …args`) to its end, with the product's
 * environment; answers its exit code and the tail of its output. Past `timeoutMs` it is stopped.
 */
export async function runCli(args, { databaseUrl, dataDir, poolSize, timeoutMs = 600_000 }) {
  const settings = { DATA_DIR: dataDir };
  if (databaseUrl) settings.DATABASE_URL = databaseUrl;
  if (poolSize) settings.DATABASE_POOL_SIZE = String(poolSize);
  const handle = startProcess('cli', nodeBinary, ['dist/src/cli.js', ...args], {
    env: childEnv(settings),
    cwd: appRoot,
  });
  const finished = await Promise.race([
    handle.exited.then(() => true),
    sleep(timeoutMs, false, { ref: false }),
  ]);
  if (!finished) await handle.stop();
  return { code: handle.exitCode, output: handle.output() };
}

/** Starts bench/raw-server.mjs on the same database and data directory as the product. */
export async function startRaw({
  name = 'raw',
  databaseUrl,
  dataDir,
  poolSize,
  trace,
  nodeArgs = [],
}) {
  const port = await freePort();
  const settings = {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    POOL_SIZE: String(poolSize),
    PSC_RATE: '0.08',
  };
  if (trace) settings.BENCH_SQL_TRACE = trace;
  const script = 'bench/raw-server.mjs';
  const args = [...nodeArgs, ...(trace ? ['--require', traceModule()] : []), script];
  const handle = startProcess(name, nodeBinary, args, { env: childEnv(settings), cwd: appRoot });
  const baseUrl = `http://127.0.0.1:${port}`;
  const readyMs = await waitUntilReady(handle, `${baseUrl}/health/ready`);
  return { handle, pid: handle.pid, baseUrl, readyMs };
}
