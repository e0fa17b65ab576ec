import process from 'node:process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { withClient } from '../lib/database.mjs';
import { measureHttp } from '../lib/load.mjs';
import { paymentRequests } from '../lib/payment-workload.mjs';
import { startProduct, startRaw } from '../lib/servers.mjs';
import { paymentEnvironment } from './payment-environment.mjs';

const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 14);

/**
 * Opt-in (BENCH_SECTIONS=profile): where the CPU goes. The product and the raw server are each
 * started once more with --cpu-prof for the payments load and for the receipt check, and the V8
 * samples taken while the load ran (not those of start-up) are summed by package or product file
 * and by function. Profiling slows the process, so these runs are not part of the figures.
 */
export async function runProfile(ctx) {
  const { config, log } = ctx;
  const env = await paymentEnvironment(ctx);
  const connections = config.connections.reduce((best, c) =>
    Math.abs(c - 32) < Math.abs(best - 32) ? c : best,
  );
  const codes = await withClient(env.db.url, async (client) => {
    const { rows } = await client.query(
      "SELECT verification_code FROM receipts WHERE signature NOT LIKE 'AAAAAAAA%' LIMIT 1000",
    );
    return rows.map((row) => row.verification_code);
  });
  const workloads = {
    payments: () =>
      paymentRequests(env.fixtures, {
        tag: `profile-${performance.now()}`,
        receivedOn: env.receivedOn,
      }),
    receipts: () => {
      let next = 0;
      return [
        {
          method: 'GET',
          path: '/',
          setupRequest: (request) => ({
            ...request,
            path: `/v1/public/receipts/${codes[next++ % codes.length]}`,
          }),
        },
      ];
    },
  };
  const profiles = [];
  for (const [workload, requests] of Object.entries(workloads)) {
    for (const target of ['product', 'raw']) {
      ctx.checkDeadline();
      const dir = ctx.tempDir(`profile-${workload}-${target}`);
      const start = target === 'product' ? startProduct : startRaw;
      const server = await start({
        name: `${target} (profiled)`,
        databaseUrl: env.db.url,
        dataDir: env.dataDir,
        poolSize: config.poolSize,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      });
      let window;
      let result;
      try {
        await measureHttp(server, {
          connections,
          durationS: Math.max(1, config.warmupS),
          requests: requests(),
          dbName: env.db.name,
        });
        const from = performance.now() - server.handle.startedAt;
        result = await measureHttp(server, {
          connections,
          durationS: config.durationS,
          requests: requests(),
          dbName: env.db.name,
        });
        window = { from, to: performance.now() - server.handle.startedAt };
      } finally {
        await server.handle.stop();
      }
      const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
      if (!file) throw new Error(`${target} wrote no CPU profile`);
      const summary = summarise(
        JSON.parse(readFileSync(join(dir, file), 'utf8')),
        window,
        result.ok,
      );
      profiles.push({ workload, target, connections, requests: result.ok, ...summary });
      log(
        `profile ${workload} ${target}: ${summary.cpuMsPerRequest.toFixed(2)} ms CPU per request (profiled)`,
      );
    }
  }
  ctx.results.profile = profiles;
}

/** Self time of the samples inside `window` (ms since spawn), by category and by function. */
function summarise(profile, window, requests) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const categories = new Map();
  const functions = new Map();
  let elapsedUs = 0;
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    elapsedUs += profile.timeDeltas[i];
    const deltaUs = profile.timeDeltas[i + 1] ?? 0;
    const atMs = elapsedUs / 1000;
    if (atMs < window.from || atMs > window.to) continue;
    const frame = nodes.get(profile.samples[i]).callFrame;
    if (frame.functionName === '(idle)') continue;
    busyUs += deltaUs;
    const category = categoryOf(frame);
    categories.set(category, (categories.get(category) ?? 0) + deltaUs);
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + deltaUs);
  }
  const top = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    busyMs: busyUs / 1000,
    cpuMsPerRequest: requests > 0 ? busyUs / 1000 / requests : 0,
    categories: top(categories),
    functions: top(functions),
  };
}

/** The package, product file or runtime part a frame belongs to. */
function categoryOf(frame) {
  const url = frame.url;
  if (!url) return frame.functionName || '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const product = /\/dist\/(src\/.*)$/.exec(url);
  if (product) return product[1];
  const bench = /\/(bench\/.*)$/.exec(url);
  return bench ? bench[1] : url;
}

function shortUrl(url) {
  return url.replace(/^file:\/\/.*?\/(node_modules|dist|bench)\//, '$1/');
}
