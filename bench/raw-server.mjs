// The raw baseline of the payments benchmark: node:http and pg, no framework, running exactly the
// statements the product runs for POST /v1/payments and GET /v1/public/receipts/{code}, with the
// same locks in the same order, the same hash chain and gap-free receipt numbering, and the same
// values, computed by the product's own pure modules from dist/. What it leaves out is what a
// framework adds: routing, guards, interceptors, class-validator, helmet and the logger. Its
// validation is a few hand-written checks, enough for the bench's well-formed requests.
//
// Environment: PORT, DATABASE_URL, DATA_DIR (for the receipt signing key the product created
// there), POOL_SIZE (the product's DATABASE_POOL_SIZE, default 10), PSC_RATE (default 0.08).

import { randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import pg from 'pg';
import { canonicalJson, sha256Hex } from '#src/common/canonical-json.js';
import { maxDate } from '#src/common/dates.js';
import { DomainError } from '#src/common/errors/domain-error.js';
import { buildProblem } from '#src/common/errors/problem.js';
import { assertBookable, assertDateNotAfter, assertNotFuture } from '#src/common/rules.js';
import { Dec, formatAmount, formatUsd, parseAmount, toUsd } from '#src/common/money/money.js';
import { entryHash } from '#src/ledger/journal-hash.js';
import { postPayment } from '#src/payments/payment-posting.js';
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

/** The caller's API key as ApiKeysService.authenticate checks it: prefix lookup, digest compare. */
async function authenticate(header) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const parsed = match ? KEY_PATTERN.exec(match[1]) : null;
  if (!parsed) throw new HttpError(401, 'An API key is required');
  const { rows } = await pool.query(SQL.apiKey, [parsed[1]]);
  const key = rows[0];
  if (!key || key.ApiKey_revoked_at !== null) throw new HttpError(401, 'Unknown or revoked key');
  const digest = createHash('sha256').update(parsed[2], 'utf8').digest();
  const stored = key.ApiKey_secret_hash;
  if (digest.length !== stored.length || !timingSafeEqual(digest, stored))
    throw new HttpError(401, 'Unknown or revoked key');
  return { apiKeyId: key.ApiKey_id, role: key.ApiKey_role };
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
  const actor = await authenticate(req.headers.authorization);
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
  const donors = await client.query(SQL.donorName, [body.donorId]);
  if (donors.rows.length === 0) throw DomainError.notFound('Donor', body.donorId);
  const pledge = body.pledgeId ? await lockPledge(client, body) : null;
  assertNotFuture(body.receivedOn, 'receivedOn');
  if (pledge)
    assertDateNotAfter(
      pledge.confirmed_on,
      body.receivedOn,
      'receivedOn',
      "the pledge's confirmation",
    );
  const applied = await rateFor(client, body.currency, body.receivedOn);
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
  const receipt = await issueReceipt(client, id, {
    donorId: body.donorId,
    donorName: donors.rows[0].name,
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
  const seq = await postEntry(client, id, body.receivedOn, posting.lines);
  const view = paymentView(id, body, amount, earmark, applied, posting, receipt.number, seq);
  await client.query(SQL.insertPayment, paymentRow(view));
  if (pledge) await applyToPledge(client, pledge, amount, posting, body.receivedOn);
  await client.query(SQL.insertAudit, [
    actor.apiKeyId,
    actor.role,
    'payment.created',
    'payment',
    id,
    requestId,
    idempotencyKey,
  ]);
  await client.query(SQL.storeOutcome, [actor.apiKeyId, idempotencyKey, 201, JSON.stringify(view)]);
  return { status: 201, body: view, replayed: false };
}

async function replay(client, actor, key, fingerprint) {
  const { rows } = await client.query(SQL.earlierOutcome, [actor.apiKeyId, key]);
  if (rows[0].request_hash !== fingerprint) throw new HttpError(409, 'IDEMPOTENCY_KEY_REUSED');
  return { status: rows[0].status_code, body: JSON.parse(rows[0].response_body), replayed: true };
}

async function lockPledge(client, body) {
  const { rows } = await client.query(SQL.lockPledge, [body.pledgeId]);
  const pledge = rows[0];
  if (!pledge) throw DomainError.notFound('Pledge', body.pledgeId);
  if (pledge.donor_id !== body.donorId) throw new HttpError(422, 'PLEDGE_DONOR_MISMATCH');
  if (pledge.status !== 'confirmed' && pledge.status !== 'partially_paid')
    throw new HttpError(409, 'INVALID_PLEDGE_STATE');
  if (pledge.currency !== body.currency) throw new HttpError(422, 'CURRENCY_MISMATCH');
  if (body.earmark !== undefined && body.earmark !== pledge.earmark)
    throw new HttpError(400, 'earmark');
  return pledge;
}

async function rateFor(client, currency, date) {
  if (currency === 'USD') return { rate: new Dec(1), rateEffectiveOn: date };
  const { rows } = await client.query(SQL.rateFor, [currency, date]);
  if (rows.length === 0) throw new HttpError(422, 'RATE_NOT_FOUND');
  return { rate: new Dec(rows[0].rate), rateEffectiveOn: rows[0].effective_on };
}

/** ReceiptsService.issue: the per-year counter row stays locked until commit. */
async function issueReceipt(client, paymentId, fields) {
  const year = Number(fields.receivedOn.slice(0, 4));
  const { rows } = await client.query(SQL.receiptCounter, [year]);
  const seq = rows[0].last_seq;
  const payload = {
    ...fields,
    number: formatReceiptNumber(year, seq),
    verificationCode: newVerificationCode(),
    issuedAt: new Date().toISOString(),
  };
  await client.query(SQL.insertReceipt, [
    payload.number,
    year,
    seq,
    paymentId,
    payload.donorId,
    payload.verificationCode,
    JSON.stringify(payload),
    signReceipt(payload, signingKey.privateKey),
    signingKey.keyId,
  ]);
  return payload;
}

/** JournalService.post: head row lock, entry, lines through unnest, head update. */
async function postEntry(client, paymentId, effectiveOn, drafts) {
  assertBalanced(drafts);
  const { rows } = await client.query(SQL.lockHead);
  const unhashed = {
    seq: Number(rows[0].seq) + 1,
    effectiveOn,
    kind: 'payment_received',
    sourceType: 'payment',
    sourceId: paymentId,
    reversesSeq: null,
    recordedAt: new Date().toISOString(),
    previousHash: rows[0].hash,
    lines: drafts.map(lineView),
  };
  const hash = entryHash(unhashed);
  await client.query(SQL.insertEntry, [
    unhashed.seq,
    effectiveOn,
    unhashed.kind,
    unhashed.sourceType,
    paymentId,
    null,
    unhashed.recordedAt,
    unhashed.previousHash,
    hash,
  ]);
  const column = (key) => unhashed.lines.map((line) => line[key]);
  await client.query(SQL.insertLines, [
    unhashed.seq,
    column('account'),
    column('side'),
    column('amountUsd'),
    column('earmark'),
    column('currency'),
    column('amountOriginal'),
    column('rate'),
    column('rateEffectiveOn'),
    column('donorId'),
    column('pledgeId'),
  ]);
  await client.query(SQL.updateHead, [unhashed.seq, hash]);
  return unhashed.seq;
}

function assertBalanced(lines) {
  const byEarmark = new Map();
  for (const line of lines) {
    const signed = line.side === 'debit' ? line.amountUsd : line.amountUsd.negated();
    byEarmark.set(line.earmark, (byEarmark.get(line.earmark) ?? new Dec(0)).plus(signed));
  }
  for (const difference of byEarmark.values())
    if (!difference.isZero()) throw new Error('The entry does not balance');
}

function lineView(line) {
  return {
    account: line.account,
    side: line.side,
    amountUsd: formatUsd(line.amountUsd),
    earmark: line.earmark,
    currency: line.currency,
    amountOriginal: formatAmount(line.amountOriginal, line.currency),
    rate: line.rate.toFixed(),
    rateEffectiveOn: line.rateEffectiveOn,
    donorId: line.donorId,
    pledgeId: line.pledgeId,
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

function paymentRow(view) {
  return [
    view.id,
    view.donorId,
    view.pledgeId,
    view.currency,
    view.amount,
    view.receivedOn,
    view.earmark,
    view.bankReference,
    view.rate,
    view.rateEffectiveOn,
    view.amountUsd,
    view.relievedUsd,
    view.fxGainLossUsd,
    view.pscRate,
    view.pscUsd,
    view.journalEntrySeq,
    view.receiptNumber,
  ];
}

async function applyToPledge(client, pledge, amount, posting, receivedOn) {
  await client.query(SQL.savePledge, [
    pledge.id,
    posting.settles ? 'paid' : 'partially_paid',
    pledge.confirmed_on,
    new Dec(pledge.confirm_rate).toFixed(),
    pledge.confirm_rate_effective_on,
    new Dec(pledge.carrying_usd).toFixed(),
    new Dec(pledge.paid_amount).plus(amount).toFixed(),
    new Dec(pledge.written_off_amount).toFixed(),
    new Dec(pledge.relieved_usd).plus(posting.relievedUsd).toFixed(),
    maxDate(pledge.last_event_on, receivedOn),
    null,
    null,
  ]);
}

/** GET /v1/public/receipts/{code}: ReceiptsService.getByVerificationCode. */
async function verifyReceipt(code) {
  const normalized = normalizeVerificationCode(decodeURIComponent(code));
  const { rows } =
    normalized === null ? { rows: [] } : await pool.query(SQL.receiptByCode, [normalized]);
  if (rows.length === 0)
    throw DomainError.notFound('Receipt with verification code', code.slice(0, 64));
  const row = rows[0];
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
    return verifyReceipt(req.url.slice('/v1/public/receipts/'.length));
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
