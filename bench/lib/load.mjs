import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { connectionParts } from './database.mjs';
import { cpuMs, sampleBackendCpu, sampleRss, startProcess } from './processes.mjs';
import { percentile } from './stats.mjs';

/**
 * One autocannon run against a server child: req/s of 2xx answers, latency p50/p99, the
 * server's CPU per answered request (its own user+system time from /proc), the CPU per request
 * of the PostgreSQL backends serving database `dbName`, and the server's peak resident memory.
 */
export async function measureHttp(server, { connections, durationS, requests, dbName }) {
  const cpuBefore = cpuMs(server.pid);
  const backends = sampleBackendCpu(dbName);
  const rss = sampleRss(server.pid);
  let result;
  let rssSamples;
  try {
    result = await runAutocannon({ url: server.baseUrl, connections, durationS, requests });
  } finally {
    rssSamples = rss.stop();
  }
  const cpu = cpuMs(server.pid) - cpuBefore;
  const pgCpu = backends.stop();
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    // autocannon's `errors` already include its timeouts.
    errors: result.non2xx + result.errors,
    appCpuMsPerReq: ok > 0 ? cpu / ok : null,
    pgCpuMsPerReq: ok > 0 && pgCpu !== null ? pgCpu / ok : null,
    rssPeak: rssSamples.length > 0 ? Math.max(...rssSamples) : null,
    rssSamples,
  };
}

export function runAutocannon({ url, connections, durationS, requests }) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration: durationS, requests, timeout: 10, pipelining: 1 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * One pgbench run of `scripts` (`[{ text, weight }]`) with `defines` as -D variables, in the
 * extended protocol (an unnamed Parse/Bind/Execute per statement, as node-postgres sends them).
 * Latency percentiles come from pgbench's per-transaction log; the run is bounded by -T and by
 * a kill 60 s after it should have ended.
 */
export async function measurePgbench({ url, clients, durationS, scripts, defines }) {
  const dir = mkdtempSync(join(tmpdir(), 'unfssc-pgbench-'));
  try {
    const files = scripts.map((script, index) => {
      const file = join(dir, `script-${index}.sql`);
      writeFileSync(file, script.text);
      return `${file}@${script.weight}`;
    });
    const db = connectionParts(url);
    const args = [
      '-n',
      '-M',
      'extended',
      '-c',
      String(clients),
      '-j',
      String(Math.min(2, clients)),
      '-T',
      String(durationS),
      '-l',
      '--log-prefix',
      join(dir, 'pgbench'),
      ...files.flatMap((file) => ['-f', file]),
      ...Object.entries(defines).flatMap(([name, value]) => ['-D', `${name}=${value}`]),
      '-h',
      db.host,
      '-p',
      db.port,
      '-U',
      db.user,
      db.database,
    ];
    const env = { ...process.env, PGAPPNAME: 'unfssc-bench-pgbench' };
    if (db.password) env.PGPASSWORD = db.password;
    const backends = sampleBackendCpu(db.database);
    const handle = startProcess('pgbench', 'pgbench', args, { env, cwd: dir });
    const code = await Promise.race([handle.exited, sleep((durationS + 60) * 1000, 'timeout')]);
    if (code === 'timeout') await handle.stop();
    return pgbenchResult(handle.output(), code, dir, backends.stop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pgbenchResult(output, code, dir, pgCpu) {
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  if (code !== 0 || !tps) throw new Error(`pgbench failed (${code}):\n${output.slice(-3000)}`);
  const latencies = [];
  for (const file of readdirSync(dir).filter((name) => name.startsWith('pgbench.'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
    }
  }
  const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
  const aborted = (output.match(/aborted/g) ?? []).length;
  return {
    rps: Number(tps[1]),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ok: latencies.length,
    errors: failed + aborted,
    appCpuMsPerReq: null,
    pgCpuMsPerReq: pgCpu !== null && latencies.length > 0 ? pgCpu / latencies.length : null,
    rssPeak: null,
  };
}
