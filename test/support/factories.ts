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
