import PDFDocument from 'pdfkit';
import type { SignedReceiptView } from '#src/receipts/receipt.types.js';

// The printable receipt of SPEC section 8: one A4 page that a donor's treasury can file, in the
// original currency and in USD, with what a reader needs to check it (verification code, path
// and key id). The bytes depend only on the input, so the same receipt always prints to the same
// file and a stored copy can be compared byte for byte with a fresh rendering.

export const FUND_NAME = 'United Nations Fund for South-South Cooperation';
export const RECEIPT_TITLE = 'Receipt for a voluntary contribution';

export type PrintableReceipt = SignedReceiptView & { publicVerificationPath: string };

export interface RenderReceiptOptions {
  /**
   * Deflate the page content (the default). Tests turn it off to read the drawn text; the
   * document is the same either way.
   */
  compress?: boolean;
}

const PAGE = { width: 595.28, height: 841.89, margin: 56 } as const;
const LABEL_WIDTH = 150;
const VALUE_X = PAGE.margin + LABEL_WIDTH + 10;
const VALUE_WIDTH = PAGE.width - PAGE.margin - VALUE_X;
const CANCELLED_RED = '#b00020';
const INK = '#1a1a1a';
const MUTED = '#555555';

/** The receipt as a one-page A4 PDF. Throws a RangeError when `issuedAt` is not a date. */
export async function renderReceiptPdf(
  view: PrintableReceipt,
  options: RenderReceiptOptions = {},
): Promise<Buffer> {
  const creationDate = new Date(view.receipt.issuedAt);
  if (Number.isNaN(creationDate.getTime())) {
    throw new RangeError(`issuedAt ${JSON.stringify(view.receipt.issuedAt)} is not a date`);
  }
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    compress: options.compress ?? true,
    // PDFKit stamps the current time and derives the file identifier from the info dictionary;
    // fixing every entry from the receipt makes the output reproducible.
    info: {
      Title: `Receipt ${asciiOnly(view.receipt.number)}`,
      Subject: view.status === 'cancelled' ? `${RECEIPT_TITLE} (cancelled)` : RECEIPT_TITLE,
      Author: FUND_NAME,
      Producer: 'PDFKit',
      Creator: 'UNFSSC contribution ledger',
      CreationDate: creationDate,
    },
  });
  const done = collect(doc);
  drawHeader(doc, view);
  drawFacts(doc, view);
  drawVerification(doc, view);
  doc.end();
  return done;
}

/** "JPY 3,000,000", "KWD 12.345": the amount as received, its integer part grouped by thousands. */
export function formatPrintedAmount(currency: string, amount: string): string {
  // Grouping works on the text, so the figure printed is exactly the one signed: no conversion
  // through a JavaScript number can round it.
  const match = /^(\d+)(\.\d+)?$/.exec(amount);
  if (match === null) return `${currency} ${amount}`;
  const whole = match[1]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${whole}${match[2] ?? ''}`;
}

type Doc = InstanceType<typeof PDFDocument>;

function collect(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

function drawHeader(doc: Doc, view: PrintableReceipt): void {
  doc.fillColor(MUTED).font('Helvetica').fontSize(11).text(FUND_NAME, PAGE.margin, PAGE.margin);
  doc.moveDown(0.4);
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(20).text(RECEIPT_TITLE);
  doc.moveDown(0.6);
  if (view.status === 'cancelled') drawCancelledBanner(doc, view.cancelledAt);
  doc
    .fillColor(INK)
    .font('Helvetica')
    .fontSize(11)
    .text(
      `The ${FUND_NAME} acknowledges with thanks the receipt of the voluntary contribution ` +
        'described below.',
      PAGE.margin,
      doc.y,
      { width: PAGE.width - 2 * PAGE.margin },
    );
  doc.moveDown(1);
}

function drawCancelledBanner(doc: Doc, cancelledAt: string | null): void {
  const top = doc.y;
  const width = PAGE.width - 2 * PAGE.margin;
  doc.rect(PAGE.margin, top, width, 30).fill(CANCELLED_RED);
  const on = cancelledAt === null ? '' : ` on ${datePart(cancelledAt)}`;
  doc
    .fillColor('#ffffff')
    .font('Helvetica-Bold')
    .fontSize(15)
    .text(`CANCELLED${on}`, PAGE.margin, top + 8, { width, align: 'center' });
  doc
    .fillColor(CANCELLED_RED)
    .font('Helvetica')
    .fontSize(10)
    .text(
      'This receipt has been cancelled and no longer acknowledges a contribution. Its signature ' +
        'still verifies: it proves what was issued, not that the receipt stands.',
      PAGE.margin,
      top + 38,
      { width },
    );
  doc.moveDown(0.8);
}

function drawFacts(doc: Doc, view: PrintableReceipt): void {
  const r = view.receipt;
  row(doc, 'Receipt number', r.number);
  row(doc, 'Issued on', datePart(r.issuedAt));
  row(doc, 'Donor', r.donorName, 3);
  row(doc, 'Amount received', formatPrintedAmount(r.currency, r.amount), 1, true);
  row(doc, 'Received on', r.receivedOn);
  row(doc, 'Rate', rateSentence(r.currency, r.rate, r.rateEffectiveOn), 2);
  row(doc, 'USD equivalent', formatPrintedAmount('USD', r.amountUsd), 1, true);
  row(doc, 'Earmark', r.earmark, 2);
  row(doc, 'Pledge reference', r.pledgeReference ?? 'none (not recorded)', 2);
  row(doc, 'Bank reference', r.bankReference ?? 'none (not recorded)', 2);
  doc.moveDown(1);
}

function rateSentence(currency: string, rate: string, effectiveOn: string): string {
  // A USD payment is not converted; printing "1 USD per USD" would only puzzle the reader.
  if (currency === 'USD') return 'Received in US dollars; no conversion';
  return `UN operational rate of exchange ${rate} ${currency} per USD, effective ${effectiveOn}`;
}

function drawVerification(doc: Doc, view: PrintableReceipt): void {
  const width = PAGE.width - 2 * PAGE.margin;
  const top = doc.y;
  doc
    .moveTo(PAGE.margin, top)
    .lineTo(PAGE.width - PAGE.margin, top)
    .strokeColor(MUTED)
    .stroke();
  doc.y = top + 10;
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(12).text('Verification', PAGE.margin);
  doc.moveDown(0.4);
  row(doc, 'Verification code', view.receipt.verificationCode, 1, true);
  row(doc, 'Check it at', view.publicVerificationPath, 3);
  row(doc, 'Signing key id', view.keyId);
  row(doc, 'Ed25519 signature', view.signature, 3);
  doc.moveDown(0.6);
  doc
    .fillColor(MUTED)
    .font('Helvetica')
    .fontSize(9)
    .text(
      'The signature covers the canonical JSON of the receipt fields (keys sorted, no whitespace, ' +
        'UTF-8). It can be checked offline with the public key published at ' +
        '/v1/public/signing-keys. Whether the receipt has been cancelled is not part of the ' +
        'signature: the verification address answers its current status.',
      PAGE.margin,
      doc.y,
      { width, height: 60, ellipsis: true },
    );
}

/**
 * One label and its value. The value is cut to `maxLines` lines with an ellipsis, so that however
 * long a donor name or bank reference is, the receipt never spills onto a second page.
 */
function row(doc: Doc, label: string, value: string, maxLines = 1, bold = false): void {
  const top = doc.y;
  doc.fillColor(MUTED).font('Helvetica').fontSize(10);
  doc.text(label, PAGE.margin, top + 1, { width: LABEL_WIDTH, height: 14, ellipsis: true });
  doc
    .fillColor(INK)
    .font(bold ? 'Helvetica-Bold' : 'Helvetica')
    .fontSize(11);
  const height = doc.currentLineHeight(true) * maxLines + 1;
  doc.text(printable(value), VALUE_X, top, { width: VALUE_WIDTH, height, ellipsis: true });
  doc.y = Math.max(doc.y, top + 14) + 5;
}

// Code points the built-in Helvetica can draw: PDFKit's standard fonts use WinAnsiEncoding, which
// is Latin-1 plus these 27 characters in 0x80-0x9F.
const WIN_ANSI_EXTRAS = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x017d, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x017e, 0x0178,
]);

/**
 * `text` reduced to what Helvetica can draw: other characters become '?'. Donor names are Unicode
 * (SPEC section 5) and a name in Arabic, Chinese or Cyrillic prints as question marks here; full
 * coverage needs an embedded Unicode font (e.g. Noto Sans, registered with `doc.registerFont`),
 * which this build does not ship. The signed JSON keeps the exact name either way.
 */
export function printable(text: string): string {
  // NFC first, so that an "e" followed by a combining accent becomes the single "é" Helvetica has.
  return Array.from(text.normalize('NFC'), (char) => {
    const code = char.codePointAt(0)!;
    if (/\s/.test(char)) return ' ';
    const drawable =
      (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(code);
    return drawable ? char : '?';
  }).join('');
}

// The info dictionary is written as PDF strings; a receipt number is ASCII already, and this
// keeps a malformed one from changing how the dictionary is encoded.
function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function datePart(timestamp: string): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(timestamp)?.[0] ?? timestamp;
}
