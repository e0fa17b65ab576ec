import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './pg-cluster.js';

// The API as a separate operating-system process, for the reliability suites: a crash test
// must be able to kill it, and an outage test must be able to prove that it did not die.

// The bodies are read loosely; each assertion names the fields it relies on.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Api {
  process: ChildProcess;
  base: string;
  /** Everything the process wrote to stdout and stderr, in order. */
  output: string[];
  exited: Promise<void>;
}

export interface Build {
  main: string;
  remove(): void;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A suite may restart the API several times over a minute; a `nest build` running meanwhile (it
 * empties dist/ first) must not pull the binary away between a kill and its restart. So each
 * suite starts a private copy of the build: package.json (for the `#src/*` imports) and dist/,
 * with node_modules linked.
 */
export function snapshotBuild(): Build {
  const root = process.cwd();
  if (!existsSync(join(root, 'dist/src/main.js')))
    throw new Error('dist/src/main.js is missing: run `nest build` first');
  const copy = mkdtempSync(join(tmpdir(), 'unfssc-api-build-'));
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return {
    main: join(copy, 'dist/src/main.js'),
    remove: () => rmSync(copy, { recursive: true, force: true }),
  };
}

/** The bootstrap admin key a first start printed, if it printed one. */
export function adminKeyOf(output: string[]): string | undefined {
  return /Admin API key: (\S+)/.exec(output.join(''))?.[1];
}

/** Starts `main` on a free port and waits until /health/ready answers 200. */
export async function startApi(main: string, env: Record<string, string>): Promise<Api> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return { process: child, base, output, exited };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`API did not become ready (exit ${child.exitCode}):\n${output.join('')}`);
}

/** Stops the process with `signal`, and with SIGKILL when it is still there 10 s later. */
export async function stopApi(api: Api | null, signal: NodeJS.Signals): Promise<void> {
  if (!api || api.process.exitCode !== null || api.process.signalCode !== null) return;
  api.process.kill(signal);
  await Promise.race([api.exited, sleep(10_000)]);
  if (api.process.exitCode === null && api.process.signalCode === null) {
    api.process.kill('SIGKILL');
    await api.exited;
  }
}

export interface Reply {
  status: number;
  body: Json;
  replayed: boolean;
}

export type Call = (
  method: string,
  path: string,
  key: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Reply>;

/** A JSON client of whichever process `base()` names at the time of each call. */
export function apiClient(base: () => string): Call {
  return async (method, path, key, body, headers = {}) => {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Json) : {},
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  };
}

/** A raw answer to POST /v1/payments, or the network error (its cause's code) that stood for it. */
export type RawReply = { status: number; contentType: string; text: string } | { error: string };

/**
 * POSTs one payment to `base` with `bearer` and `idempotencyKey`, keeping the answer as sent: a
 * test under faults must see non-JSON bodies and lost connections rather than have them thrown.
 */
export async function postPaymentRaw(
  base: string,
  bearer: string,
  idempotencyKey: string,
  body: Json,
): Promise<RawReply> {
  try {
    const response = await fetch(`${base}/v1/payments`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${bearer}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': idempotencyKey,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? String(error) };
  }
}
