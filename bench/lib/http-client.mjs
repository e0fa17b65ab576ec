import { Buffer } from 'node:buffer';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

/**
 * A small JSON client over one keep-alive agent, for setting data up through the API and for the
 * sequential timings of reports and allocation runs: the time it returns runs from writing the
 * request to the last byte of the answer, so it is the server's time plus a loopback round trip.
 */
export class ApiClient {
  constructor(baseUrl, key = null) {
    this.baseUrl = baseUrl;
    this.key = key;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  withKey(key) {
    const client = new ApiClient(this.baseUrl, key);
    client.agent = this.agent;
    return client;
  }

  /** Answers `{ status, body, ms }`; `body` is parsed JSON when the answer is JSON. */
  request(method, path, { body, headers = {}, timeoutMs = 60_000 } = {}) {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const allHeaders = { accept: 'application/json', ...headers };
    if (this.key) allHeaders.authorization = `Bearer ${this.key}`;
    if (payload) {
      allHeaders['content-type'] = 'application/json';
      allHeaders['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(
        new URL(path, this.baseUrl),
        { method, headers: allHeaders, agent: this.agent, timeout: timeoutMs },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const ms = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            const json = /json/.test(response.headers['content-type'] ?? '');
            resolve({ status: response.statusCode, body: json ? JSON.parse(text) : text, ms });
          });
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
      request.on('error', reject);
      request.end(payload ?? undefined);
    });
  }

  /** Like `request`, but throws unless the status is the expected one. */
  async expect(status, method, path, options) {
    const response = await this.request(method, path, options);
    if (response.status !== status) {
      const detail =
        typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
      throw new Error(
        `${method} ${path}: expected ${status}, got ${response.status} ${detail.slice(0, 500)}`,
      );
    }
    return response.body;
  }

  close() {
    this.agent.destroy();
  }
}

/** Runs `task(i)` for i in [0, count) with at most `parallel` at once; keeps every result. */
export async function inParallel(count, parallel, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return results;
}
