import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

/** Every child this bench started and has not yet seen exit: stopped by `stopAll` whatever happens. */
const running = new Set();
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Starts a child process and keeps the tail of its output, so that a child that dies can say
 * why. The child is registered for `stopAll`, which the bench calls on exit, failure or signal.
 */
export function startProcess(name, command, args, { env, cwd } = {}) {
  const startedAt = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const handle = {
    name,
    pid: child.pid,
    startedAt,
    exitCode: undefined,
    output: () => output,
    exited: new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        handle.exitCode = code ?? signal;
        running.delete(handle);
        resolve(handle.exitCode);
      });
      child.on('error', (error) => {
        keep(`\n${error.message}\n`);
        handle.exitCode = 'spawn-error';
        running.delete(handle);
        resolve(handle.exitCode);
      });
    }),
    stop: () => stopProcess(handle, child),
  };
  running.add(handle);
  return handle;
}

/** SIGTERM (the API closes its pool and exits), then SIGKILL if it has not gone within 10 s. */
async function stopProcess(handle, child) {
  if (handle.exitCode !== undefined) return;
  child.kill('SIGTERM');
  const gone = await Promise.race([handle.exited.then(() => true), sleep(10_000, false)]);
  if (!gone) {
    child.kill('SIGKILL');
    await Promise.race([handle.exited, sleep(5_000)]);
  }
}

export async function stopAll() {
  await Promise.all([...running].map((handle) => handle.stop().catch(() => undefined)));
}

/** A port nobody listens on now: the OS picks it, the bench hands it to a child. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers 200 and returns the milliseconds since the process started.
 * Gives up when the process exits or after `timeoutMs`, with the process's output in the error.
 */
export async function waitUntilReady(handle, url, timeoutMs = 90_000) {
  const deadline = handle.startedAt + timeoutMs;
  while (performance.now() < deadline) {
    if (handle.exitCode !== undefined)
      throw new Error(`${handle.name} exited (${handle.exitCode}):\n${handle.output()}`);
    if ((await probe(url)) === 200) return performance.now() - handle.startedAt;
    await sleep(20);
  }
  throw new Error(`${handle.name} was not ready within ${timeoutMs} ms:\n${handle.output()}`);
}

function probe(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1_000, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

let ticksPerSecond;
/** The kernel's clock tick (USER_HZ) that /proc reports CPU time in; 100 on Linux almost always. */
export function clockTicksPerSecond() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces. */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU of a process so far, in milliseconds. */
export function cpuMs(pid) {
  const fields = statFields(pid);
  // After the name: state is field 3, so utime (14) and stime (15) sit at indexes 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond();
}

/** Resident memory of a process in bytes (VmRSS), or null once it has exited. */
export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Pids of the local PostgreSQL backends connected to database `dbName`, by their process title. */
function backendsOf(dbName) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8') !== 'postgres\n') continue;
      // The title reads "postgres: 15/main: <user> <database> <host>(<port>) <state>".
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (title.includes(` ${dbName} `)) pids.push(entry);
    } catch {
      // The process ended while it was being read.
    }
  }
  return pids;
}

/**
 * CPU spent by the PostgreSQL backends serving one database while the sampler runs, in ms: the
 * connections of the API's pool, of the raw server's or of pgbench, and nobody else's (other work
 * on a shared server does not count). Backends are read every 250 ms, so one that exits between
 * two readings (pgbench's, at the end of its run) loses at most its last quarter second.
 * Answers null when the server is not on this machine.
 */
export function sampleBackendCpu(dbName) {
  const read = () => {
    const cpu = new Map();
    for (const pid of backendsOf(dbName)) {
      try {
        cpu.set(pid, cpuMs(pid));
      } catch {
        // Exited since it was listed.
      }
    }
    return cpu;
  };
  const first = read();
  const last = new Map(first);
  const timer = setInterval(() => {
    for (const [pid, cpu] of read()) last.set(pid, cpu);
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      for (const [pid, cpu] of read()) last.set(pid, cpu);
      if (last.size === 0) return null;
      let total = 0;
      for (const [pid, cpu] of last) total += cpu - (first.get(pid) ?? 0);
      return total;
    },
  };
}

/**
 * Samples a process's resident memory every 200 ms until stopped; answers the peak and the
 * median of the samples. Bounded by the caller's run, which is bounded in time.
 */
export function sampleRss(pid) {
  const samples = [];
  const timer = setInterval(() => {
    const rss = rssBytes(pid);
    if (rss !== null) samples.push(rss);
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      const rss = rssBytes(pid);
      if (rss !== null) samples.push(rss);
      return samples;
    },
  };
}

export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

export const nodeBinary = process.execPath;
