// The raw baseline of the payments benchmark: node:http and pg, no framework, running exactly the
// statements the product runs for POST /v1/payments and GET /v1/public/receipts/{code}, with the
// same locks in the same order, the same hash chain and gap-free receipt numbering, and the same
// values, computed by the product's own pure modules from dist/ (the rules of SPEC 7 included:
// preparePayment). What it leaves out is what a
// framework adds: routing, guards, interceptors, class-validator, helmet and the logger. Its
// validation is a few hand-written checks, enough for the bench's well-formed requests.
//
// Environment: PORT, DATABASE_URL, DATA_DIR (for the receipt signing key the product created
// there), POOL_SIZE (the product's DATABASE_POOL_SIZE, default 10), PSC_RATE (default 0.08),
// RATE_LIMIT_PUBLIC_PER_MINUTE and RATE_LIMIT_FAILED_AUTH_PER_MINUTE (the product's defaults).
//
// The statements are the product's own (bench/lib/payment-sql.mjs imports them from dist/), and
// so are the pure pieces that give their values (posting, journal numbering and hashing, the
// payment, audit and stored-answer values); importing those modules loads the framework's
// decorators, but nothing of the framework runs per request.

import { randomUUID } from 'node:crypto';
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import pg from 'pg';
import { parseApiKey, secretMatches } from '#src/auth/api-key-secret.js';
import { failedAuthBucket, publicBucket } from '#src/auth/rate-limits.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { buildProblem } from '#src/common/errors/problem.js';
import { requestFingerprint } from '#src/common/http/idempotency.service.js';
import { Dec } from '#src/common/money/money.js';
import { bindNamed } from '#src/database/named-sql.js';
import { nextEntry } from '#src/ledger/journal.service.js';
import { paymentView, preparePayment, receiptFacts } from '#src/payments/payment-rules.js';
import { paymentWriteValues } from '#src/payments/payment.sql.js';
import { issueReceipt, receiptYear } from '#src/receipts/receipts.service.js';
import { loadOrCreateSigningKey, normalizeVerificationCode } from '#src/receipts/receipt-signer.js';
import { PAYMENT_SQL as SQL } from './lib/payment-sql.mjs';

const port = Number(process.env.PORT ?? 3100);
const pscRate = new Dec(process.env.PSC_RATE ?? '0.08');
const signingKey = loadOrCreateSigningKey({ pem: null, dataDir: process.env.DATA_DIR ?? './data' });
const statementTimeoutMs = 15_000;
const publicLimit = Number(process.env.RATE_LIMIT_PUBLIC_PER_MINUTE ?? 600);
const failedAuthLimit = Number(process.env.RATE_LIMIT_FAILED_AUTH_PER_MINUTE ?? 100);

// The product's pool settings for a real server (src/database/database-options.ts).
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
  idleTimeoutMillis: 30_000,
  connectionTimeoutMillis: 5_000,
  statement_timeout: statementTimeoutMs,
  query_timeout: statementTimeoutMs + 1_000,
  application_name: 'unfssc-bench-raw',
});

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The caller's API key as ApiKeysService.authenticate checks it: one lookup, digest compare. */
async function authenticate(header, address) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new HttpError(401, 'An API key is required');
  const parsed = parseApiKey(match[1]);
  const { rows } = await pool.query(
    SQL.findKey.text,
    bindNamed(SQL.findKey, { prefix: parsed?.prefix ?? null, bucket: failedAuthBucket(address) }),
  );
  const key = rows[0];
  if (failedAuthLimit > 0 && key.failures >= failedAuthLimit)
    throw new HttpError(429, 'Too many failed authentications');
  if (!parsed || key.id === null || key.revoked_at !== null)
    throw new HttpError(401, 'Unknown or revoked key');
  if (!secretMatches(parsed.secret, key.secret_hash))
    throw new HttpError(401, 'Unknown or revoked key');
  return { apiKeyId: key.id, role: key.role };
}

function checkPaymentBody(body) {
  const ok =
    typeof body === 'object' &&
    body !== null &&
    typeof body.donorId === 'string' &&
    UUID.test(body.donorId) &&
    (body.pledgeId === undefined ||
      (typeof body.pledgeId === 'string' && UUID.test(body.pledgeId))) &&
    typeof body.currency === 'string' &&
    /^[A-Z]{3}$/.test(body.currency) &&
    typeof body.amount === 'string' &&
    typeof body.receivedOn === 'string' &&
    DATE.test(body.receivedOn) &&
    (body.pledgeId !== undefined || typeof body.earmark === 'string');
  if (!ok) throw new HttpError(400, 'Invalid payment body');
}

/** POST /v1/payments: PaymentsService.create inside IdempotencyService.execute, statement for statement. */
async function createPayment(req, body) {
  const idempotencyKey = req.headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))
    throw new HttpError(400, 'Idempotency-Key header is required');
  checkPaymentBody(body);
  const actor = await authenticate(req.headers.authorization, req.socket.remoteAddress);
  if (actor.role !== 'finance') throw new HttpError(403, 'Not open to this role');
  const fingerprint = requestFingerprint('POST', '/v1/payments', body);
  const requestId = randomUUID();
  const client = await pool.connect();
  try {
    await client.query(SQL.begin);
    const outcome = await paymentTransaction(client, {
      body,
      actor,
      idempotencyKey,
      fingerprint,
      requestId,
    });
    await client.query(SQL.commit);
    return outcome;
  } catch (error) {
    await client.query(SQL.rollback).catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function paymentTransaction(client, { body, actor, idempotencyKey, fingerprint, requestId }) {
  const claimed = await client.query(SQL.claimKey, [actor.apiKeyId, idempotencyKey, fingerprint]);
  if (claimed.rows.length === 0) return replay(client, actor, idempotencyKey, fingerprint);
  const { rows } = await client.query(
    SQL.lookup.text,
    bindNamed(SQL.lookup, {
      donorId: body.donorId,
      currency: body.currency,
      receivedOn: body.receivedOn,
      pledgeId: body.pledgeId ?? null,
    }),
  );
  const prepared = preparePayment(body, rows[0], null, pscRate, randomUUID());

  const reserved = (
    await client.query(
      SQL.reserve.text,
      bindNamed(SQL.reserve, { receiptYear: receiptYear(body.receivedOn) }),
    )
  ).rows[0];
  const receipt = issueReceipt(receiptFacts(body, prepared), reserved.receipt_seq, signingKey);
  const entry = nextEntry(reserved, prepared.draft);
  const view = paymentView(prepared, body, pscRate, receipt.payload.number, entry.seq);
  const outcome = { status: 201, body: view };
  await client.query(
    SQL.write.text,
    bindNamed(
      SQL.write,
      paymentWriteValues({
        prepared,
        entry,
        receipt,
        actor: {
          apiKeyId: actor.apiKeyId,
          role: actor.role,
          donorId: null,
          requestId,
          idempotencyKey,
        },
        slot: { scope: actor.apiKeyId, key: idempotencyKey },
        outcome,
      }),
    ),
  );
  return { ...outcome, replayed: false };
}

async function replay(client, actor, key, fingerprint) {
  const { rows } = await client.query(SQL.earlierOutcome, [actor.apiKeyId, key]);
  if (rows[0].request_hash !== fingerprint) throw new HttpError(409, 'IDEMPOTENCY_KEY_REUSED');
  return { status: rows[0].status_code, body: JSON.parse(rows[0].response_body), replayed: true };
}

/** GET /v1/public/receipts/{code}: ReceiptsService.verifyPublic, the hit counted in the read. */
async function verifyReceipt(code, address) {
  const normalized = normalizeVerificationCode(decodeURIComponent(code));
  const { rows } = await pool.query(
    SQL.publicReceipt.text,
    bindNamed(SQL.publicReceipt, { bucket: publicBucket(address), code: normalized }),
  );
  const row = rows[0];
  if (row.hits > publicLimit) throw new HttpError(429, 'Too many requests');
  if (row.number === null)
    throw DomainError.notFound('Receipt with verification code', code.slice(0, 64));
  return {
    status: 200,
    body: {
      receipt: row.payload,
      signature: row.signature,
      keyId: row.key_id,
      status: row.status,
      cancelledAt: row.cancelled_at?.toISOString() ?? null,
    },
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 1_048_576) reject(new HttpError(413, 'Payload too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function route(req) {
  if (req.method === 'POST' && req.url === '/v1/payments') {
    const text = await readBody(req);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'The request body is not valid JSON');
    }
    return createPayment(req, body);
  }
  if (req.method === 'GET' && req.url.startsWith('/v1/public/receipts/'))
    return verifyReceipt(req.url.slice('/v1/public/receipts/'.length), req.socket.remoteAddress);
  if (req.method === 'GET' && req.url === '/health/ready') {
    await pool.query(SQL.ping);
    return { status: 200, body: { status: 'ok' } };
  }
  throw new HttpError(404, 'No such route');
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  route(req).then(
    (outcome) =>
      send(
        res,
        outcome.status,
        outcome.body,
        outcome.replayed ? { 'idempotent-replayed': 'true' } : {},
      ),
    (error) => {
      if (error instanceof DomainError) {
        const problem = buildProblem(error.code, error.message, { errors: error.errors });
        send(res, problem.status, problem);
      } else if (error instanceof HttpError) {
        send(res, error.status, { status: error.status, detail: error.message });
      } else {
        process.stderr.write(`${error.stack ?? error}\n`);
        send(res, 500, { status: 500, detail: 'Internal error' });
      }
    },
  );
});
server.listen(port, () => process.stdout.write(`raw baseline listening on ${port}\n`));

const stop = () => server.close(() => pool.end().finally(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
