// The signed receipt of SPEC section 8. Every field is a string or null so that the canonical JSON
// a verifier rebuilds in another language is byte for byte the one that was signed: amounts and
// rates stay decimal strings (SPEC section 3), never JSON numbers whose printing differs by language.

/** The fields covered by the Ed25519 signature; absent values are null, never missing. */
export interface ReceiptPayload {
  /** `UNFSSC-{YYYY}-{NNNNNN}`, YYYY the year of `receivedOn`. */
  number: string;
  verificationCode: string;
  donorId: string;
  donorName: string;
  pledgeReference: string | null;
  currency: string;
  amount: string;
  /** YYYY-MM-DD. */
  receivedOn: string;
  rate: string;
  rateEffectiveOn: string;
  amountUsd: string;
  earmark: string;
  bankReference: string | null;
  /** ISO 8601 UTC with a trailing Z. */
  issuedAt: string;
}

/**
 * What `GET /v1/receipts/{number}` and `GET /v1/public/receipts/{code}` answer. The status is kept
 * beside the signed payload, not inside it, so a cancelled receipt still verifies and says it is
 * cancelled.
 */
export interface SignedReceiptView {
  receipt: ReceiptPayload;
  /** Base64 Ed25519 signature over the canonical bytes of `receipt`. */
  signature: string;
  keyId: string;
  status: 'issued' | 'cancelled';
  cancelledAt: string | null;
}
