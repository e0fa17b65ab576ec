import { createHash, randomUUID } from 'node:crypto';
import { Dec, formatAmount, formatUsd, parseAmount } from '#src/common/money/money.js';
import { bindNamed } from '#src/database/named-sql.js';
import { postPayment } from '#src/payments/payment-posting.js';
import { formatReceiptNumber, newVerificationCode } from '#src/receipts/receipt-signer.js';
import { inParallel } from './http-client.mjs';
import { PAYMENT_SQL as SQL } from './payment-sql.mjs';

// The payments workload: half unpledged USD contributions spread over donors and earmarks, half
// EUR payments against confirmed EUR pledges (so the pledge lock, the rate lookup, the FX line
// and the pledge update all run). Every request has its own Idempotency-Key.

const EARMARKS = ['unearmarked', 'participation:NAIROBI-2009', 'participation:BUENOS-AIRES-2019'];
/** EUR per USD: the pledges are confirmed at the first, payments today take the second. */
const RATES = [
  { currency: 'EUR', effectiveOn: '2025-01-01', rate: '1.1' },
  { currency: 'EUR', effectiveOn: '2025-06-30', rate: '1.08' },
];
const PLEDGED_ON = '2025-01-02';
const AMOUNT = '125.00';
const PSC_RATE = '0.08';

/**
 * Creates, through the API and as a finance officer would, what the payments need: a finance
 * key, donors, EUR rates and confirmed EUR pledges too large to ever be settled by the bench.
 */
export async function createPaymentFixtures(admin, { donors, pledges }) {
  const created = await admin.expect(201, 'POST', '/v1/api-keys', {
    body: { name: 'bench finance', role: 'finance' },
  });
  const finance = admin.withKey(created.key);
  for (const rate of RATES) {
    const response = await finance.request(
      'PUT',
      `/v1/rates/${rate.currency}/${rate.effectiveOn}`,
      {
        body: { rate: rate.rate },
      },
    );
    if (response.status >= 300)
      throw new Error(`rate: ${response.status} ${JSON.stringify(response.body)}`);
  }
  const donorIds = await inParallel(donors, 8, async (i) => {
    const donor = await finance.expect(201, 'POST', '/v1/donors', {
      body: { name: `Bench donor ${String(i + 1).padStart(3, '0')}`, type: 'ngo' },
    });
    return donor.id;
  });
  const pledgeRows = await inParallel(pledges, 8, async (i) => {
    const pledge = await finance.expect(201, 'POST', '/v1/pledges', {
      headers: { 'idempotency-key': `bench-pledge-${i}` },
      body: {
        donorId: donorIds[i % donorIds.length],
        currency: 'EUR',
        amount: '1000000000.00',
        earmark: EARMARKS[i % EARMARKS.length],
        pledgedOn: PLEDGED_ON,
        confirmedOn: PLEDGED_ON,
        status: 'confirmed',
      },
    });
    return { id: pledge.id, donorId: pledge.donorId, earmark: pledge.earmark };
  });
  return {
    financeKey: created.key,
    apiKeyId: created.id,
    keyPrefix: /^unf_([0-9a-f]{16})_/.exec(created.key)[1],
    donors: donorIds,
    pledges: pledgeRows,
  };
}

/** The body of the `index`-th unpledged payment and of the `index`-th payment against a pledge. */
export function unpledgedBody(fixtures, index, receivedOn) {
  return {
    donorId: fixtures.donors[index % fixtures.donors.length],
    currency: 'USD',
    amount: AMOUNT,
    receivedOn,
    earmark: EARMARKS[index % EARMARKS.length],
  };
}

export function pledgedBody(fixtures, index, receivedOn) {
  const pledge = fixtures.pledges[index % fixtures.pledges.length];
  return {
    donorId: pledge.donorId,
    pledgeId: pledge.id,
    currency: 'EUR',
    amount: AMOUNT,
    receivedOn,
  };
}

/**
 * autocannon's request list: each connection alternates an unpledged and a pledged payment.
 * Pledges are taken round robin, so that requests in flight together (at most the number of
 * connections, fewer than the pledges) never queue on the same pledge's lock.
 */
export function paymentRequests(fixtures, { tag, receivedOn }) {
  let keys = 0;
  let unpledged = 0;
  let pledged = 0;
  const headers = {
    authorization: `Bearer ${fixtures.financeKey}`,
    'content-type': 'application/json',
  };
  const build = (request, body) => ({
    ...request,
    headers: { ...request.headers, 'idempotency-key': `${tag}-${keys++}` },
    body: JSON.stringify(body),
  });
  return [
    {
      method: 'POST',
      path: '/v1/payments',
      headers,
      setupRequest: (request) => build(request, unpledgedBody(fixtures, unpledged++, receivedOn)),
    },
    {
      method: 'POST',
      path: '/v1/payments',
      headers,
      setupRequest: (request) => build(request, pledgedBody(fixtures, pledged++, receivedOn)),
    },
  ];
}

/** A PostgreSQL array literal of `values` (null for NULL), as pgbench passes a text parameter. */
const pgArray = (values) =>
  `{${values.map((value) => (value === null ? 'NULL' : value)).join(',')}}`;

/** The lines, amounts and documents the product would write for one payment, to feed pgbench. */
function postingFigures(kind, receivedOn) {
  const pledged = kind === 'pledged';
  const rate = pledged
    ? RATES.filter((r) => r.effectiveOn <= receivedOn).at(-1)
    : { rate: '1', effectiveOn: receivedOn };
  const currency = pledged ? 'EUR' : 'USD';
  const amount = parseAmount(AMOUNT, currency);
  const posting = postPayment({
    donorId: 'donor',
    currency,
    amount,
    receivedOn,
    earmark: EARMARKS[0],
    rate: new Dec(rate.rate),
    rateEffectiveOn: rate.effectiveOn,
    pscRate: new Dec(PSC_RATE),
    pledge: pledged
      ? {
          id: 'pledge',
          confirmRate: new Dec(RATES[0].rate),
          confirmRateEffectiveOn: RATES[0].effectiveOn,
          carryingUsd: new Dec('909090909.09'),
          relievedUsd: new Dec(0),
          outstanding: new Dec('1000000000'),
        }
      : null,
  });
  const column = (pick) => pgArray(posting.lines.map(pick));
  return {
    currency,
    amount: formatAmount(amount, currency),
    rate: rate.rate,
    rateOn: rate.effectiveOn,
    amountUsd: formatUsd(posting.amountUsd),
    relievedUsd: formatUsd(posting.relievedUsd),
    fxUsd: formatUsd(posting.fxGainLossUsd),
    pscUsd: formatUsd(posting.pscUsd),
    lineCount: posting.lines.length,
    accounts: column((line) => line.account),
    sides: column((line) => line.side),
    amounts: column((line) => formatUsd(line.amountUsd)),
    currencies: column((line) => line.currency),
    originals: column((line) => formatAmount(line.amountOriginal, line.currency)),
    rates: column((line) => line.rate.toFixed()),
    rateDates: column((line) => line.rateEffectiveOn),
  };
}

/** A receipt payload and a payment answer of the product's shape and size, for pgbench to store. */
function sampleDocuments(figures, receivedOn, keyId) {
  const number = formatReceiptNumber(Number(receivedOn.slice(0, 4)), 1);
  const donorId = randomUUID();
  const payload = {
    donorId,
    donorName: 'Bench donor 001',
    pledgeReference: null,
    currency: figures.currency,
    amount: figures.amount,
    receivedOn,
    rate: figures.rate,
    rateEffectiveOn: figures.rateOn,
    amountUsd: figures.amountUsd,
    earmark: EARMARKS[0],
    bankReference: null,
    number,
    verificationCode: newVerificationCode(),
    issuedAt: new Date().toISOString(),
  };
  const response = {
    id: randomUUID(),
    donorId,
    pledgeId: null,
    currency: figures.currency,
    amount: figures.amount,
    receivedOn,
    earmark: EARMARKS[0],
    bankReference: null,
    rate: figures.rate,
    rateEffectiveOn: figures.rateOn,
    amountUsd: figures.amountUsd,
    relievedUsd: figures.relievedUsd,
    fxGainLossUsd: figures.fxUsd,
    pscRate: PSC_RATE,
    pscUsd: figures.pscUsd,
    status: 'posted',
    receiptNumber: number,
    journalEntrySeq: 1,
    keyId,
  };
  return { payload: JSON.stringify(payload), response: JSON.stringify(response) };
}

/**
 * The payment transaction as two pgbench scripts (unpledged, pledged) with the product's
 * statements in the product's order, and the -D variables they read. What pgbench cannot compute
 * is done in SQL or fixed, as bench/README.md lists: the payment id is md5 of a random number,
 * the receipt number is formatted in SQL from the counter, the entry hash is SHA-256 of the
 * previous hash and the sequence (a chain, not the canonical JSON), the receipt's signature and
 * the stored documents are fixed. Each pgbench client pays into its own pledge, picked by
 * `\if :client_id = n` branches, as the servers' round robin gives each request in flight its own.
 */
export function pgbenchWorkload(fixtures, { receivedOn, clients, keyId }) {
  const unpledged = postingFigures('unpledged', receivedOn);
  const pledged = postingFigures('pledged', receivedOn);
  const unpledgedDocs = sampleDocuments(unpledged, receivedOn, keyId);
  const pledgedDocs = sampleDocuments(pledged, receivedOn, keyId);
  const branches = Math.min(clients, fixtures.pledges.length);
  const donor = fixtures.donors[0];
  const defines = {
    prefix: fixtures.keyPrefix,
    api_key_id: fixtures.apiKeyId,
    fp: createHash('sha256').update('bench').digest('hex'),
    today: receivedOn,
    year: receivedOn.slice(0, 4),
    receipt_prefix: `UNFSSC-${receivedOn.slice(0, 4)}-`,
    key_id: keyId,
    signature: `${'A'.repeat(86)}==`,
    request_id: randomUUID(),
    role: 'finance',
    action: 'payment.created',
    resource_type: 'payment',
    kind: 'payment_received',
    source_type: 'payment',
    psc_rate: PSC_RATE,
    status_code: '201',
    p_status: 'partially_paid',
    u_donor: donor,
    u_earmark: EARMARKS[0],
    u_donor_ids: pgArray(Array(unpledged.lineCount).fill(donor)),
    u_pledge_ids: pgArray(Array(unpledged.lineCount).fill(null)),
    u_earmarks: pgArray(Array(unpledged.lineCount).fill(EARMARKS[0])),
    u_payload: unpledgedDocs.payload,
    u_response: unpledgedDocs.response,
    p_payload: pledgedDocs.payload,
    p_response: pledgedDocs.response,
    p_nlines: String(pledged.lineCount),
  };
  for (const [prefix, figures] of [
    ['u', unpledged],
    ['p', pledged],
  ]) {
    defines[`${prefix}_currency`] = figures.currency;
    defines[`${prefix}_amount`] = figures.amount;
    defines[`${prefix}_rate`] = figures.rate;
    defines[`${prefix}_rate_on`] = figures.rateOn;
    defines[`${prefix}_amount_usd`] = figures.amountUsd;
    defines[`${prefix}_relieved_usd`] = figures.relievedUsd;
    defines[`${prefix}_fx_usd`] = figures.fxUsd;
    defines[`${prefix}_psc_usd`] = figures.pscUsd;
    for (const name of [
      'accounts',
      'sides',
      'amounts',
      'currencies',
      'originals',
      'rates',
      'rateDates',
    ])
      defines[`${prefix}_${name.replace('rateDates', 'rate_dates')}`] = figures[name];
  }
  for (let i = 0; i < branches; i += 1) {
    defines[`pl${i}`] = fixtures.pledges[i].id;
    defines[`dn${i}`] = fixtures.pledges[i].donorId;
  }
  return {
    scripts: [
      { text: unpledgedScript(), weight: 1 },
      { text: pledgedScript(branches), weight: 1 },
    ],
    defines,
  };
}

const RANDOMS = [
  '\\set k random(1, 9000000000000000000)',
  '\\set a random(1, 9000000000000000000)',
];
const PAYMENT_ID = 'md5(:a::text)::uuid';
const RECEIPT_NUMBER = ":receipt_prefix || lpad(:receipt_seq::text, 6, '0')";
const NEXT_HASH = "encode(sha256(convert_to(:hash::text || :nseq::text, 'UTF8')), 'hex')";
/** A numbered statement with its `$n` replaced by SQL expressions. */
const sql = (text, params) => text.replace(/\$(\d+)/g, (_, n) => params[Number(n) - 1]);
/** A named statement (src/database/named-sql.ts) with each parameter replaced by an expression. */
function named(statement, expressions) {
  const wrapped = Object.fromEntries(
    Object.entries(expressions).map(([name, expression]) => [name, `(${expression})`]),
  );
  return sql(statement.text, bindNamed(statement, wrapped));
}

/** The statements both scripts share before the lookup. */
function opening() {
  return [
    ...RANDOMS,
    `${named(SQL.findKey, { prefix: ':prefix', bucket: "'auth:127.0.0.1'" })};`,
    `${SQL.begin};`,
    `${sql(SQL.claimKey, [':api_key_id', ':k', ':fp'])};`,
  ];
}

/**
 * The locked part: RESERVE (receipt counter and journal head), then WRITE with every row. `p`
 * names the script's variables; `row` gives the expressions that differ between the scripts.
 */
function posting(p, row) {
  const [
    accounts,
    sides,
    amountsUsd,
    earmarks,
    currencies,
    originals,
    rates,
    rateDates,
    donorIds,
    pledgeIds,
  ] = row.arrays;
  return [
    `${named(SQL.reserve, { receiptYear: ':year' })} \\gset`,
    '\\set nseq :seq + 1',
    `${named(SQL.write, {
      seq: ':nseq',
      effectiveOn: ':today',
      kind: ':kind',
      sourceType: ':source_type',
      sourceId: PAYMENT_ID,
      reversesSeq: 'NULL',
      recordedAt: 'now()',
      previousHash: ':hash',
      hash: NEXT_HASH,
      accounts,
      sides,
      amountsUsd,
      earmarks,
      currencies,
      amountsOriginal: originals,
      rates,
      rateEffectiveOns: rateDates,
      donorIds,
      pledgeIds,
      receiptNumber: RECEIPT_NUMBER,
      receiptYear: ':year',
      receiptSeq: ':receipt_seq',
      paymentId: PAYMENT_ID,
      donorId: row.donorId,
      verificationCode: 'upper(substr(md5(:k::text), 1, 20))',
      receiptPayload: `:${p}_payload`,
      signature: ':signature',
      keyId: ':key_id',
      pledgeId: row.pledgeId,
      currency: `:${p}_currency`,
      amount: `:${p}_amount`,
      receivedOn: ':today',
      earmark: row.earmark,
      bankReference: 'NULL',
      rate: `:${p}_rate`,
      rateEffectiveOn: `:${p}_rate_on`,
      amountUsd: `:${p}_amount_usd`,
      relievedUsd: `:${p}_relieved_usd`,
      fxGainLossUsd: `:${p}_fx_usd`,
      pscRate: ':psc_rate',
      pscUsd: `:${p}_psc_usd`,
      pledgeStatus: row.pledgeStatus,
      pledgePaidAmount: row.pledgePaidAmount,
      pledgeRelievedUsd: row.pledgeRelievedUsd,
      pledgeLastEventOn: row.pledgeLastEventOn,
      auditApiKeyId: ':api_key_id',
      auditRole: ':role',
      auditAction: ':action',
      auditResourceType: ':resource_type',
      auditResourceId: `${PAYMENT_ID}::text`,
      auditRequestId: ':request_id',
      auditIdempotencyKey: ':k',
      scope: ':api_key_id',
      key: ':k',
      statusCode: ':status_code',
      responseBody: `:${p}_response`,
    })};`,
    `${SQL.commit};`,
  ];
}

function lookup(donor, currency, pledge) {
  return named(SQL.lookup, {
    donorId: donor,
    currency,
    receivedOn: ':today',
    pledgeId: pledge,
  });
}

function unpledgedScript() {
  return [
    ...opening(),
    `${lookup(':u_donor', ':u_currency', 'NULL')};`,
    ...posting('u', {
      arrays: [
        ':u_accounts::char(4)[]',
        ':u_sides::text[]',
        ':u_amounts::numeric[]',
        ':u_earmarks::text[]',
        ':u_currencies::char(3)[]',
        ':u_originals::numeric[]',
        ':u_rates::numeric[]',
        ':u_rate_dates::date[]',
        ':u_donor_ids::uuid[]',
        ':u_pledge_ids::uuid[]',
      ],
      donorId: ':u_donor',
      pledgeId: 'NULL',
      earmark: ':u_earmark',
      pledgeStatus: 'NULL',
      pledgePaidAmount: 'NULL',
      pledgeRelievedUsd: 'NULL',
      pledgeLastEventOn: 'NULL',
    }),
    '',
  ].join('\n');
}

function pledgedScript(branches) {
  const chain = [];
  for (let i = 0; i < branches; i += 1) {
    chain.push(i === 0 ? `\\if :client_id = ${i}` : `\\elif :client_id = ${i}`);
    chain.push(`${lookup(`:dn${i}`, ':p_currency', `:pl${i}`)} \\gset pl_`);
  }
  chain.push('\\else', `${lookup(':dn0', ':p_currency', ':pl0')} \\gset pl_`, '\\endif');
  const fill = (variable, type) => `array_fill(${variable}::${type}, ARRAY[:p_nlines::int])`;
  return [
    ...opening(),
    ...chain,
    ...posting('p', {
      arrays: [
        ':p_accounts::char(4)[]',
        ':p_sides::text[]',
        ':p_amounts::numeric[]',
        fill(':pl_earmark', 'text'),
        ':p_currencies::char(3)[]',
        ':p_originals::numeric[]',
        ':p_rates::numeric[]',
        ':p_rate_dates::date[]',
        fill(':pl_donor_id', 'uuid'),
        fill(':pl_id', 'uuid'),
      ],
      donorId: ':pl_donor_id',
      pledgeId: ':pl_id',
      earmark: ':pl_earmark',
      pledgeStatus: ':p_status',
      pledgePaidAmount: ':pl_paid_amount::numeric + :p_amount::numeric',
      pledgeRelievedUsd: ':pl_relieved_usd::numeric + :p_relieved_usd::numeric',
      pledgeLastEventOn: ':today',
    }),
    '',
  ].join('\n');
}
