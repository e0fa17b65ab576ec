import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { todayUtc } from '#src/common/dates.js';
import { withClient } from '../lib/database.mjs';
import { ApiClient } from '../lib/http-client.mjs';
import { normalizeSql } from '../lib/payment-sql.mjs';
import { createPaymentFixtures, pledgedBody, unpledgedBody } from '../lib/payment-workload.mjs';
import { rssBytes } from '../lib/processes.mjs';
import { startProduct, startRaw } from '../lib/servers.mjs';

/**
 * The database and the two servers that the payments and receipt sections share: a scratch
 * database migrated by the product's first start, the fixtures created through its API, then
 * the product and the raw baseline running side by side on it (each idles while the other is
 * measured). Before that, one payment of each kind goes through each server with a statement
 * trace, and the two traces are compared: the baseline is only fair while they are identical.
 */
export async function paymentEnvironment(ctx) {
  if (ctx.paymentEnvironment) return ctx.paymentEnvironment;
  const { config, log } = ctx;
  const db = await ctx.databases.create('payments');
  const dataDir = ctx.tempDir('payments-data');
  const receivedOn = todayUtc();

  log('payments: first start of the product on a scratch database (migrations), fixtures');
  const productTrace = join(dataDir, 'product-sql.trace');
  const traced = await startProduct({
    name: 'product (traced)',
    databaseUrl: db.url,
    dataDir,
    poolSize: config.poolSize,
    trace: productTrace,
  });
  let fixtures;
  let productSql;
  try {
    fixtures = await createPaymentFixtures(new ApiClient(traced.baseUrl, traced.adminKey), config);
    productSql = await traceOnePaymentOfEach(traced.baseUrl, fixtures, receivedOn, productTrace);
  } finally {
    await traced.handle.stop();
  }
  const rawTrace = join(dataDir, 'raw-sql.trace');
  const rawTraced = await startRaw({
    name: 'raw (traced)',
    databaseUrl: db.url,
    dataDir,
    poolSize: config.poolSize,
    trace: rawTrace,
  });
  let rawSql;
  try {
    rawSql = await traceOnePaymentOfEach(rawTraced.baseUrl, fixtures, receivedOn, rawTrace);
  } finally {
    await rawTraced.handle.stop();
  }

  const product = await startProduct({ databaseUrl: db.url, dataDir, poolSize: config.poolSize });
  const productIdleRss = rssBytes(product.pid);
  const raw = await startRaw({ databaseUrl: db.url, dataDir, poolSize: config.poolSize });
  const keyId = await withClient(db.url, async (client) => {
    const { rows } = await client.query(
      'SELECT key_id FROM signing_keys ORDER BY first_used_at LIMIT 1',
    );
    return rows[0].key_id;
  });
  ctx.paymentEnvironment = {
    db,
    dataDir,
    receivedOn,
    fixtures,
    product,
    raw,
    keyId,
    productIdleRss,
    rawIdleRss: rssBytes(raw.pid),
    parity: compareTraces(productSql, rawSql),
  };
  return ctx.paymentEnvironment;
}

export async function closePaymentEnvironment(ctx) {
  const environment = ctx.paymentEnvironment;
  if (!environment) return;
  ctx.paymentEnvironment = null;
  await environment.product.handle.stop();
  await environment.raw.handle.stop();
  await ctx.databases.drop(environment.db.name);
}

async function traceOnePaymentOfEach(baseUrl, fixtures, receivedOn, traceFile) {
  const client = new ApiClient(baseUrl, fixtures.financeKey);
  const statements = {};
  try {
    for (const [kind, body] of [
      ['unpledged', unpledgedBody(fixtures, 0, receivedOn)],
      ['pledged', pledgedBody(fixtures, 0, receivedOn)],
    ]) {
      const before = readTrace(traceFile).length;
      await client.expect(201, 'POST', '/v1/payments', {
        headers: { 'idempotency-key': `trace-${kind}-${randomUUID()}` },
        body,
      });
      statements[kind] = readTrace(traceFile).slice(before).map(normalizeSql);
    }
  } finally {
    client.close();
  }
  return statements;
}

function readTrace(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Per kind of payment: the statement counts and the first position where the two differ. */
function compareTraces(product, raw) {
  return Object.keys(product).map((kind) => {
    const a = product[kind];
    const b = raw[kind];
    const at = a.findIndex((statement, i) => statement !== b[i]);
    const differsAt = at >= 0 ? at : a.length !== b.length ? Math.min(a.length, b.length) : -1;
    return {
      kind,
      productStatements: a.length,
      rawStatements: b.length,
      identical: differsAt === -1,
      product: differsAt >= 0 ? (a[differsAt] ?? '(none)') : null,
      raw: differsAt >= 0 ? (b[differsAt] ?? '(none)') : null,
      position: differsAt,
    };
  });
}
