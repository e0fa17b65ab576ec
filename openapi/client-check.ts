// Compiled, never run (npm run openapi:check-client): proves that the client types generated from
// openapi.json are usable as a consumer would use them, and that they keep the API's contract
// on the points that cost money when wrong: amounts are decimal strings, errors are problems.
import type { components, operations, paths } from './client.js';

type Schemas = components['schemas'];

// The body of POST /v1/payments, reached through the path as a client library does.
type CreatePaymentBody = NonNullable<
  paths['/v1/payments']['post']['requestBody']
>['content']['application/json'];

export const payment: CreatePaymentBody = {
  donorId: '5f2b8c1e-0d7a-4a57-9d9e-3f1f0c7b2a10',
  amount: '1000000',
  currency: 'JPY',
  receivedOn: '2026-11-20',
  earmark: 'participation:NAIROBI-2009',
};

// Money is never a number on the wire.
// @ts-expect-error amount is a decimal string
export const numericAmount: CreatePaymentBody = { ...payment, amount: 1000000 };

// The same type under its schema name.
export const sameBody: Schemas['CreatePaymentDto'] = payment;

// Every error answer of a write is a problem document whose code is one of the API's codes.
type PaymentProblem =
  paths['/v1/payments']['post']['responses'][422]['content']['application/problem+json'];
export const problem: PaymentProblem = {
  type: 'urn:unfssc:problem:exceeds-outstanding',
  title: 'Exceeds outstanding',
  status: 422,
  detail: 'The payment exceeds what is outstanding on the pledge.',
  code: 'EXCEEDS_OUTSTANDING',
};
// @ts-expect-error codes are an enumeration, not any string
export const unknownCode: PaymentProblem['code'] = 'NO_SUCH_CODE';

// Operations are addressable by operationId.
type Verification =
  operations['ledgerVerify']['responses'][200]['content']['application/json'];
export function isIntact(verification: Verification): boolean {
  return verification.valid && verification.firstBrokenSeq === null;
}
