// Proves that the printable receipt is a one-page PDF whose bytes depend only on the receipt,
// that it prints the facts a donor files (original currency, rate, USD, verification code) and a
// CANCELLED banner when the receipt is cancelled, and that names Helvetica cannot draw do not
// break it.
import { generateKeyPairSync } from 'node:crypto';
import {
  FUND_NAME,
  formatPrintedAmount,
  printable,
  RECEIPT_TITLE,
  renderReceiptPdf,
  type PrintableReceipt,
} from '#src/receipts/receipt-pdf.js';
import { signReceipt } from '#src/receipts/receipt-signer.js';
import type { ReceiptPayload } from '#src/receipts/receipt.types.js';

const receipt: ReceiptPayload = {
  number: 'UNFSSC-2026-000007',
  verificationCode: '7QK2M9ZX4TN8VB3CRH6D',
  donorId: '5f0c6f4e-2b1a-4c5d-9e8f-0a1b2c3d4e5f',
  donorName: 'State of Kuwait',
  pledgeReference: 'KWT-2026-01',
  currency: 'KWD',
  amount: '12.345',
  receivedOn: '2026-11-15',
  rate: '0.3071',
  rateEffectiveOn: '2026-11-01',
  amountUsd: '40.20',
  earmark: 'participation:LDC5',
  bankReference: 'NBOKKWKW 2026/118',
  issuedAt: '2026-11-15T09:30:00.000Z',
};

const view: PrintableReceipt = {
  receipt,
  signature: signReceipt(receipt, generateKeyPairSync('ed25519').privateKey),
  keyId: '0123456789abcdef',
  status: 'issued',
  cancelledAt: null,
  publicVerificationPath: '/v1/public/receipts/7QK2M9ZX4TN8VB3CRH6D',
};

const cancelled: PrintableReceipt = {
  ...view,
  status: 'cancelled',
  cancelledAt: '2026-12-03T14:00:00.000Z',
};

/**
 * The text drawn on the page. PDFKit writes Helvetica text as hex strings inside TJ arrays, split
 * where kerning applies, so each array's pieces are joined and decoded back to Latin-1.
 */
function drawnText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const shown = [...source.matchAll(/\[([^\]]*)\] TJ/g)].map((array) =>
    [...array[1]!.matchAll(/<([0-9a-f]*)>/g)]
      .map((piece) => Buffer.from(piece[1]!, 'hex').toString('latin1'))
      .join(''),
  );
  // Lines wrapped by the layout are joined with single spaces, so a phrase can be found whole.
  return shown.join(' ').replace(/\s+/g, ' ');
}

describe('the printable receipt', () => {
  it('is a PDF of exactly one page', async () => {
    const pdf = await renderReceiptPdf(view);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/Count 1');
    expect(pdf.toString('latin1')).toContain('/MediaBox [0 0 595.28 841.89]');
  });

  it('gives the same bytes for the same receipt, whenever it is rendered', async () => {
    const first = await renderReceiptPdf(view);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await renderReceiptPdf(view);
    expect(second.equals(first)).toBe(true);
    // The creation date is the receipt's issue time, not the time of rendering.
    expect(first.toString('latin1')).toContain('(D:20261115093000Z)');
  });

  it('gives different bytes for a different receipt', async () => {
    const other = { ...view, receipt: { ...receipt, amount: '12.346' } };
    expect((await renderReceiptPdf(other)).equals(await renderReceiptPdf(view))).toBe(false);
  });

  it('prints the acknowledgement, the amount in both currencies, the rate and how to verify', async () => {
    const text = drawnText(await renderReceiptPdf(view, { compress: false }));
    for (const expected of [
      FUND_NAME,
      RECEIPT_TITLE,
      'UNFSSC-2026-000007',
      '2026-11-15',
      'State of Kuwait',
      'KWD 12.345',
      'UN operational rate of exchange 0.3071 KWD per USD, effective 2026-11-01',
      'USD 40.20',
      'participation:LDC5',
      'KWT-2026-01',
      'NBOKKWKW 2026/118',
      '7QK2M9ZX4TN8VB3CRH6D',
      '/v1/public/receipts/7QK2M9ZX4TN8VB3CRH6D',
      '0123456789abcdef',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('CANCELLED');
  });

  it('says "none" for a missing pledge or bank reference rather than leaving a blank', async () => {
    const unpledged = {
      ...view,
      receipt: { ...receipt, pledgeReference: null, bankReference: null },
    };
    const text = drawnText(await renderReceiptPdf(unpledged, { compress: false }));
    expect(text.match(/none \(not recorded\)/g)).toHaveLength(2);
  });

  it('carries a CANCELLED banner with the date when the receipt is cancelled', async () => {
    const pdf = await renderReceiptPdf(cancelled, { compress: false });
    expect(drawnText(pdf)).toContain('CANCELLED on 2026-12-03');
    expect(pdf.toString('latin1')).toContain('/Count 1');
    // A cancelled receipt is still the same receipt: its facts stay printed beneath the banner.
    expect(drawnText(pdf)).toContain('KWD 12.345');
  });

  it('stays on one page with a 200-character name and long references', async () => {
    const long: PrintableReceipt = {
      ...cancelled,
      receipt: {
        ...receipt,
        donorName: 'Ministry of Foreign Affairs '.repeat(8).slice(0, 200),
        bankReference: 'REF'.repeat(60),
        pledgeReference: 'P'.repeat(120),
      },
    };
    const pdf = await renderReceiptPdf(long, { compress: false });
    expect(pdf.toString('latin1')).toContain('/Count 1');
  });

  it('draws a name in a script Helvetica lacks as question marks instead of failing', async () => {
    const names = { ...view, receipt: { ...receipt, donorName: 'الكويت · 中国 · Côte d’Ivoire' } };
    const pdf = await renderReceiptPdf(names, { compress: false });
    expect(pdf.toString('latin1')).toContain('/Count 1');
    expect(drawnText(pdf)).toContain('?????? · ?? · Côte d');
  });

  it('refuses a receipt whose issuedAt is not a date', async () => {
    const broken = { ...view, receipt: { ...receipt, issuedAt: 'yesterday' } };
    await expect(renderReceiptPdf(broken)).rejects.toThrow(RangeError);
  });
});

describe('printed amounts', () => {
  it.each([
    ['JPY', '3000000', 'JPY 3,000,000'],
    ['KWD', '12.345', 'KWD 12.345'],
    ['USD', '1234567.89', 'USD 1,234,567.89'],
    ['USD', '999.00', 'USD 999.00'],
    ['EUR', '1000', 'EUR 1,000'],
    ['KRW', '123456789012345', 'KRW 123,456,789,012,345'],
  ])('prints %s %s as %s', (currency, amount, printed) => {
    expect(formatPrintedAmount(currency, amount)).toBe(printed);
  });

  it('prints a figure that is not a plain decimal as it is, rather than guess', () => {
    expect(formatPrintedAmount('USD', '1e6')).toBe('USD 1e6');
  });
});

describe('text Helvetica can draw', () => {
  it.each([
    ['plain ASCII', 'Japan', 'Japan'],
    ['Latin-1 accents', 'République de Côte d’Ivoire', 'République de Côte d’Ivoire'],
    ['WinAnsi extras', 'Œuvre “€” – Šárka', 'Œuvre “€” – Šárka'],
    ['a combining accent, composed first', 'Cafe\u0301', 'Café'],
    ['Arabic', 'الكويت', '??????'],
    ['Chinese', '中国', '??'],
    ['an astral character, one mark for one character', 'A😀B', 'A?B'],
    ['line breaks and tabs', 'A\nB\tC', 'A B C'],
    ['a control character', 'A\u0007B', 'A?B'],
  ])('keeps or replaces %s', (_why, text, drawn) => {
    expect(printable(text)).toBe(drawn);
  });
});
