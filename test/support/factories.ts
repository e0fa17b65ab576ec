import { randomUUID } from 'node:crypto';
import type { TestApp } from './test-app.js';

/** Builders that create rows through the API, as a finance officer would. */
export class Factories {
  private countries = [
    'JPN',
    'KOR',
    'NOR',
    'CHN',
    'BRA',
    'IND',
    'DEU',
    'FRA',
    'GBR',
    'SWE',
    'NLD',
    'CAN',
  ];

  constructor(
    private readonly t: TestApp,
    readonly financeKey: string,
  ) {}

  static async create(t: TestApp): Promise<Factories> {
    return new Factories(t, await t.createKey('finance'));
  }

  auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.financeKey}` };
  }

  async donor(overrides: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
    const body = { name: `Donor ${randomUUID().slice(0, 8)}`, type: 'ngo', ...overrides };
    const response = await this.t.http().post('/v1/donors').set(this.auth()).send(body);
    if (response.status !== 201)
      throw new Error(`donor: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async memberState(alpha3?: string): Promise<{ id: string; name: string }> {
    const code = alpha3 ?? this.countries.shift()!;
    return this.donor({ name: `Government of ${code}`, type: 'member_state', countryCode: code });
  }

  async rate(currency: string, effectiveOn: string, rate: string): Promise<void> {
    const response = await this.t
      .http()
      .put(`/v1/rates/${currency}/${effectiveOn}`)
      .set(this.auth())
      .send({ rate });
    if (response.status >= 300)
      throw new Error(`rate: ${response.status} ${JSON.stringify(response.body)}`);
  }

  async pledge(body: Record<string, unknown>): Promise<Record<string, string>> {
    const response = await this.t
      .http()
      .post('/v1/pledges')
      .set(this.auth())
      .set('Idempotency-Key', randomUUID())
      .send({ earmark: 'unearmarked', status: 'confirmed', ...body });
    if (response.status !== 201)
      throw new Error(`pledge: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  payment(body: Record<string, unknown>, key: string = randomUUID()) {
    return this.t
      .http()
      .post('/v1/payments')
      .set(this.auth())
      .set('Idempotency-Key', key)
      .send(body);
  }

  async pay(body: Record<string, unknown>): Promise<Record<string, string>> {
    const response = await this.payment(body);
    if (response.status !== 201)
      throw new Error(`payment: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** POST /v1/pledges with the body exactly as given (no defaults), for requests meant to fail. */
  pledgeRequest(body: Record<string, unknown>, key: string = randomUUID()) {
    return this.t
      .http()
      .post('/v1/pledges')
      .set(this.auth())
      .set('Idempotency-Key', key)
      .send(body);
  }

  /**
   * POST to a state change (`/v1/pledges/{id}/confirm`, `/cancel`, `/write-off`,
   * `/v1/payments/{id}/reverse`), with an Idempotency-Key only when one is given.
   */
  stateChange(path: string, body: Record<string, unknown>, key?: string) {
    const request = this.t.http().post(path).set(this.auth());
    if (key !== undefined) request.set('Idempotency-Key', key);
    return request.send(body);
  }

  async confirm(pledgeId: string, confirmedOn: string): Promise<Record<string, string>> {
    return this.changed(`/v1/pledges/${pledgeId}/confirm`, { confirmedOn });
  }

  async cancel(pledgeId: string, cancelledOn: string): Promise<Record<string, string>> {
    return this.changed(`/v1/pledges/${pledgeId}/cancel`, {
      reason: 'Announcement withdrawn',
      cancelledOn,
    });
  }

  async writeOff(pledgeId: string, writtenOffOn: string): Promise<Record<string, string>> {
    return this.changed(`/v1/pledges/${pledgeId}/write-off`, {
      reason: 'Balance waived',
      writtenOffOn,
    });
  }

  async reverse(paymentId: string, reversedOn: string): Promise<Record<string, string>> {
    return this.changed(`/v1/payments/${paymentId}/reverse`, {
      reason: 'Returned by the bank',
      reversedOn,
    });
  }

  private async changed(
    path: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, string>> {
    const response = await this.stateChange(path, body);
    if (response.status !== 200)
      throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }
}

/** One journal entry as GET /v1/ledger/entries answers it (SPEC 9). */
export interface JournalEntryView {
  seq: number;
  effectiveOn: string;
  kind: string;
  sourceType: string;
  sourceId: string;
  lines: {
    account: string;
    side: 'debit' | 'credit';
    amountUsd: string;
    earmark: string;
    currency: string;
  }[];
}

/** An allocation run as POST /v1/conferences/{code}/allocation-runs answers it (SPEC 10). */
export interface AllocationRunView {
  id: string;
  conferenceCode: string;
  mode: 'preview' | 'commit';
  effectiveOn: string;
  budgetUsd: string;
  spentUsd: string;
  inputsHash: string;
  lines: {
    countryCode: string;
    tier: number;
    ldc: boolean;
    late: boolean;
    delegatesRequested: number;
    delegatesFunded: number;
    airfareUsd: string;
    dsaUsd: string;
    terminalUsd: string;
    amountUsd: string;
    decision: string;
    reason: string;
    allocationId: string | null;
  }[];
}

/**
 * Builders for travel support (SPEC 10): conferences are an admin's work, travel requests,
 * allocation runs, releases and the cash that funds them a finance officer's. The default
 * conference costs 300.00 × 4 nights of DSA + 100.00 terminal = 1,300.00 per delegate on top of
 * the airfare, funds up to 2 delegates of an LDC and 1 of another country, and uses no
 * unearmarked cash; tests override what their numbers depend on.
 */
export class TravelFactories {
  constructor(
    private readonly t: TestApp,
    private readonly f: Factories,
  ) {}

  admin(): Record<string, string> {
    return { Authorization: `Bearer ${this.t.adminKey}` };
  }

  conferenceBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      code: `CONF-${randomUUID().slice(0, 8).toUpperCase()}`,
      name: 'Regional Conference on South-South Cooperation',
      city: 'Nairobi',
      startsOn: '2026-10-05',
      endsOn: '2026-10-07',
      nominationDeadline: '2026-08-31',
      dsaRateUsd: '300.00',
      dsaNights: 4,
      terminalExpensesUsd: '100.00',
      maxDelegatesLdc: 2,
      maxDelegatesOther: 1,
      useUnearmarked: false,
      ldcGraceYears: 0,
      ...overrides,
    };
  }

  /** POST /v1/conferences with the body exactly as given, as the admin. */
  conferenceRequest(body: Record<string, unknown>) {
    return this.t.http().post('/v1/conferences').set(this.admin()).send(body);
  }

  async conference(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const response = await this.conferenceRequest(this.conferenceBody(overrides));
    if (response.status !== 201)
      throw new Error(`conference: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** POST /v1/conferences/{code}/travel-requests with the body exactly as given. */
  travelRequestRequest(code: string, body: Record<string, unknown>) {
    return this.t
      .http()
      .post(`/v1/conferences/${code}/travel-requests`)
      .set(this.f.auth())
      .send(body);
  }

  /** A request whose delegates have the given airfares (USD strings), named after the country. */
  async travelRequest(
    code: string,
    countryCode: string,
    nominatedOn: string,
    airfaresUsd: string[],
  ): Promise<Record<string, unknown>> {
    const response = await this.travelRequestRequest(code, {
      countryCode,
      nominatedOn,
      nominationReference: `${countryCode}/MFA/${nominatedOn}`,
      delegates: airfaresUsd.map((airfareUsd, index) => ({
        name: `Delegate ${index + 1} of ${countryCode}`,
        airfareUsd,
      })),
    });
    if (response.status !== 201)
      throw new Error(`travel request: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** POST /v1/conferences/{code}/allocation-runs, answering whatever the API answers. */
  runRequest(code: string, mode: 'preview' | 'commit', effectiveOn: string) {
    return this.t
      .http()
      .post(`/v1/conferences/${code}/allocation-runs`)
      .set(this.f.auth())
      .send({ mode, effectiveOn });
  }

  async run(
    code: string,
    mode: 'preview' | 'commit',
    effectiveOn: string,
  ): Promise<AllocationRunView> {
    const response = await this.runRequest(code, mode, effectiveOn);
    if (response.status !== 201)
      throw new Error(`allocation run: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  releaseRequest(allocationId: string, releasedOn: string, reason = 'Delegate could not travel') {
    return this.t
      .http()
      .post(`/v1/allocations/${allocationId}/release`)
      .set(this.f.auth())
      .send({ reason, releasedOn });
  }

  async allocations(code: string): Promise<Record<string, unknown>[]> {
    const response = await this.t
      .http()
      .get(`/v1/conferences/${code}/allocations?limit=500`)
      .set(this.f.auth());
    if (response.status !== 200)
      throw new Error(`allocations: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.items;
  }

  /** Cash in US dollars from a new donor, unpledged, on the given earmark. */
  async cash(earmark: string, amount: string, receivedOn: string): Promise<Record<string, string>> {
    const donor = await this.f.donor();
    return this.f.pay({ donorId: donor.id, currency: 'USD', amount, receivedOn, earmark });
  }

  /** The whole journal, paged through GET /v1/ledger/entries as the finance officer. */
  async journal(): Promise<JournalEntryView[]> {
    const entries: JournalEntryView[] = [];
    let afterSeq = 0;
    for (;;) {
      const response = await this.t
        .http()
        .get(`/v1/ledger/entries?afterSeq=${afterSeq}&limit=500`)
        .set(this.f.auth());
      if (response.status !== 200)
        throw new Error(`ledger entries: ${response.status} ${JSON.stringify(response.body)}`);
      entries.push(...response.body.entries);
      if (response.body.nextAfterSeq === null) return entries;
      afterSeq = response.body.nextAfterSeq;
    }
  }
}
