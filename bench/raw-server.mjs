// The raw baseline of the payments benchmark: node:http and pg, no framework, running exactly the
// statements the product runs for POST /v1/payments and GET /v1/public/receipts/{code}, with the
// same locks in the same order, the same hash chain and gap-free receipt numbering, and the same
// values, computed by the product's own pure modules from dist/. What it leaves out is what a
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

import { randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import pg from 'pg';
import { auditValues } from '#src/audit/audit.service.js';
import { failedAuthBucket, publicBucket } from '#src/auth/rate-limits.js';
import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';
import { maxDate } from '#src/common/dates.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { buildProblem } from '#src/common/errors/problem.js';
import { outcomeValues } from '#src/common/http/idempotency.service.js';
import { assertBookable, assertDateNotAfter, assertNotFuture } from '#src/common/rules.js';
import { Dec, formatAmount, formatUsd, parseAmount, toUsd } from '#src/common/money/money.js';
import { bindNamed } from '#src/database/named-sql.js';
import { assertBalanced, entryValues, nextEntry } from '#src/ledger/journal.service.js';
import { paymentValues } from '#src/payments/payment.sql.js';
import { postPayment } from '#src/payments/payment-posting.js';
import { receiptYear } from '#src/receipts/receipts.service.js';
import {
  formatReceiptNumber,
  loadOrCreateSigningKey,
  newVerificationCode,
  normalizeVerificationCode,
  signReceipt,
} from '#src/receipts/receipt-signer.js';
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

const KEY_PATTERN = /^unf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
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
  const parsed = KEY_PATTERN.exec(match[1]);
  const { rows } = await pool.query(
    SQL.findKey.text,
    bindNamed(SQL.findKey, { prefix: parsed?.[1] ?? null, bucket: failedAuthBucket(address) }),
  );
  const key = rows[0];
  if (failedAuthLimit > 0 && key.failures >= failedAuthLimit)
    throw new HttpError(429, 'Too many failed authentications');
  if (!parsed || key.id === null || key.revoked_at !== null)
    throw new HttpError(401, 'Unknown or revoked key');
  const digest = createHash('sha256').update(parsed[2], 'utf8').digest();
  const stored = key.secret_hash;
  if (digest.length !== stored.length || !timingSafeEqual(digest, stored))
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
  const amount = parseAmount(body.amount, body.currency);
  const fingerprint = sha256Hex(`POST /v1/payments\n${canonicalJson(body)}`);
  const requestId = randomUUID();
  const client = await pool.connect();
  try {
    await client.query(SQL.begin);
    const outcome = await paymentTransaction(client, {
      body,
      amount,
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

async function paymentTransaction(
  client,
  { body, amount, actor, idempotencyKey, fingerprint, requestId },
) {
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
  const found = rows[0];
  if (found.donor_name === null) throw DomainError.notFound('Donor', body.donorId);
  const pledge = body.pledgeId ? checkPledge(found, body) : null;
  assertNotFuture(body.receivedOn, 'receivedOn');
  if (pledge)
    assertDateNotAfter(
      pledge.confirmed_on,
      body.receivedOn,
      'receivedOn',
      "the pledge's confirmation",
    );
  const applied = appliedRate(body.currency, body.receivedOn, found);
  const outstanding = pledge
    ? new Dec(pledge.amount).minus(pledge.paid_amount).minus(pledge.written_off_amount)
    : null;
  if (pledge && amount.greaterThan(outstanding)) throw new HttpError(422, 'EXCEEDS_OUTSTANDING');
  const earmark = pledge ? pledge.earmark : body.earmark;
  const id = randomUUID();
  assertBookable(toUsd(amount, applied.rate), 'amount', 'the rate');
  const posting = postPayment({
    donorId: body.donorId,
    currency: body.currency,
    amount,
    receivedOn: body.receivedOn,
    earmark,
    rate: applied.rate,
    rateEffectiveOn: applied.rateEffectiveOn,
    pscRate,
    pledge: pledge && {
      id: pledge.id,
      confirmRate: new Dec(pledge.confirm_rate),
      confirmRateEffectiveOn: pledge.confirm_rate_effective_on,
      carryingUsd: new Dec(pledge.carrying_usd),
      relievedUsd: new Dec(pledge.relieved_usd),
      outstanding,
    },
  });
  const draft = {
    effectiveOn: body.receivedOn,
    kind: 'payment_received',
    sourceType: 'payment',
    sourceId: id,
    reversesSeq: null,
    lines: posting.lines,
  };
  assertBalanced(draft);

  const reserved = (
    await client.query(
      SQL.reserve.text,
      bindNamed(SQL.reserve, { receiptYear: receiptYear(body.receivedOn) }),
    )
  ).rows[0];
  const receipt = issueReceipt(id, reserved.receipt_seq, {
    donorId: body.donorId,
    donorName: found.donor_name,
    pledgeReference: pledge?.reference ?? null,
    currency: body.currency,
    amount: formatAmount(amount, body.currency),
    receivedOn: body.receivedOn,
    rate: applied.rate.toFixed(),
    rateEffectiveOn: applied.rateEffectiveOn,
    amountUsd: formatUsd(posting.amountUsd),
    earmark,
    bankReference: body.bankReference ?? null,
  });
  const entry = nextEntry(reserved, draft);
  const view = paymentView(id, body, amount, earmark, applied, posting, receipt.number, entry.seq);
  const outcome = { status: 201, body: view };
  await client.query(
    SQL.write.text,
    bindNamed(SQL.write, {
      ...entryValues(entry),
      ...receipt.values,
      ...paymentValues(view),
      pledgeId: pledge?.id ?? null,
      pledgeStatus: pledge ? (posting.settles ? 'paid' : 'partially_paid') : null,
      pledgePaidAmount: pledge ? new Dec(pledge.paid_amount).plus(amount).toFixed() : null,
      pledgeRelievedUsd: pledge
        ? new Dec(pledge.relieved_usd).plus(posting.relievedUsd).toFixed()
        : null,
      pledgeLastEventOn: pledge ? maxDate(pledge.last_event_on, body.receivedOn) : null,
      ...auditValues(
        {
          apiKeyId: actor.apiKeyId,
          role: actor.role,
          requestId,
          idempotencyKey,
        },
        { action: 'payment.created', resourceType: 'payment', resourceId: id },
      ),
      ...outcomeValues({ scope: actor.apiKeyId, key: idempotencyKey }, outcome),
    }),
  );
  return { ...outcome, replayed: false };
}

async function replay(client, actor, key, fingerprint) {
  const { rows } = await client.query(SQL.earlierOutcome, [actor.apiKeyId, key]);
  if (rows[0].request_hash !== fingerprint) throw new HttpError(409, 'IDEMPOTENCY_KEY_REUSED');
  return { status: rows[0].status_code, body: JSON.parse(rows[0].response_body), replayed: true };
}

function checkPledge(found, body) {
  if (found.id === null) throw DomainError.notFound('Pledge', body.pledgeId);
  if (found.donor_id !== body.donorId) throw new HttpError(422, 'PLEDGE_DONOR_MISMATCH');
  if (found.status !== 'confirmed' && found.status !== 'partially_paid')
    throw new HttpError(409, 'INVALID_PLEDGE_STATE');
  if (found.currency !== body.currency) throw new HttpError(422, 'CURRENCY_MISMATCH');
  if (body.earmark !== undefined && body.earmark !== found.earmark)
    throw new HttpError(400, 'earmark');
  return found;
}

function appliedRate(currency, date, found) {
  if (currency === 'USD') return { rate: new Dec(1), rateEffectiveOn: date };
  if (found.rate === null) throw new HttpError(422, 'RATE_NOT_FOUND');
  return { rate: new Dec(found.rate), rateEffectiveOn: found.rate_effective_on };
}

/** ReceiptsService.issue: the receipt numbered `seq` of its year, signed, as RECEIPT_CTE's values. */
function issueReceipt(paymentId, seq, fields) {
  const year = receiptYear(fields.receivedOn);
  const payload = {
    ...fields,
    number: formatReceiptNumber(year, seq),
    verificationCode: newVerificationCode(),
    issuedAt: new Date().toISOString(),
  };
  return {
    number: payload.number,
    values: {
      receiptNumber: payload.number,
      receiptYear: year,
      receiptSeq: seq,
      paymentId,
      donorId: payload.donorId,
      verificationCode: payload.verificationCode,
      receiptPayload: JSON.stringify(payload),
      signature: signReceipt(payload, signingKey.privateKey),
      keyId: signingKey.keyId,
    },
  };
}

function paymentView(id, body, amount, earmark, applied, posting, receiptNumber, seq) {
  return {
    id,
    donorId: body.donorId,
    pledgeId: body.pledgeId ?? null,
    currency: body.currency,
    amount: formatAmount(amount, body.currency),
    receivedOn: body.receivedOn,
    earmark,
    bankReference: body.bankReference ?? null,
    rate: applied.rate.toFixed(),
    rateEffectiveOn: applied.rateEffectiveOn,
    amountUsd: formatUsd(posting.amountUsd),
    relievedUsd: formatUsd(posting.relievedUsd),
    fxGainLossUsd: formatUsd(posting.fxGainLossUsd),
    pscRate: pscRate.toFixed(),
    pscUsd: formatUsd(posting.pscUsd),
    status: 'posted',
    receiptNumber,
    journalEntrySeq: seq,
  };
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
