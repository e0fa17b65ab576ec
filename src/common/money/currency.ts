// ISO 4217 currencies a donor can pay in, and how many decimals each allows (SPEC section 3).
//
// The list is ISO 4217 list one as of the 2025 amendments, restricted to currencies that are
// money: fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XSU, XUA), precious metals
// (XAG, XAU, XPD, XPT), bond-market units (XBA to XBD), the testing code XTS and "no currency"
// XXX are left out, because no contribution can be pledged or paid in them. XDR stays: the SDR
// is a unit in which intergovernmental contributions are sometimes denominated. Codes withdrawn
// from circulation are left out too (HRK for the euro in 2023, SLL for SLE, ZWL for ZWG in
// 2024, ANG for XCG in 2025); when ISO withdraws another code, it leaves this list only once no
// pledge in it can still be paid.

/** Every accepted currency code, in code order. */
// prettier-ignore
export const CURRENCY_CODES: readonly string[] = Object.freeze([
  'AED', 'AFN', 'ALL', 'AMD', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM',
  'BBD', 'BDT', 'BGN', 'BHD', 'BIF', 'BMD', 'BND', 'BOB', 'BRL', 'BSD',
  'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHF', 'CLP', 'CNY', 'COP',
  'CRC', 'CUC', 'CUP', 'CVE', 'CZK', 'DJF', 'DKK', 'DOP', 'DZD', 'EGP',
  'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL', 'GHS', 'GIP', 'GMD',
  'GNF', 'GTQ', 'GYD', 'HKD', 'HNL', 'HTG', 'HUF', 'IDR', 'ILS', 'INR',
  'IQD', 'IRR', 'ISK', 'JMD', 'JOD', 'JPY', 'KES', 'KGS', 'KHR', 'KMF',
  'KPW', 'KRW', 'KWD', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL',
  'LYD', 'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR',
  'MVR', 'MWK', 'MXN', 'MYR', 'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR',
  'NZD', 'OMR', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'PYG', 'QAR',
  'RON', 'RSD', 'RUB', 'RWF', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD',
  'SHP', 'SLE', 'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP', 'SZL', 'THB',
  'TJS', 'TMT', 'TND', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'UGX',
  'USD', 'UYU', 'UZS', 'VED', 'VES', 'VND', 'VUV', 'WST', 'XAF', 'XCD',
  'XCG', 'XDR', 'XOF', 'XPF', 'YER', 'ZAR', 'ZMW', 'ZWG',
]);

// SPEC section 3 fixes the minor units and is the product contract, so it wins where ISO differs:
// ISO gives 0 decimals to currencies such as CLP, ISK, UGX, VND, XAF and XOF and 3 to IQD and
// LYD, but here every currency not named below allows 2.
const SPEC_MINOR_UNITS: ReadonlyMap<string, number> = new Map([
  ['JPY', 0],
  ['KRW', 0],
  ['BHD', 3],
  ['JOD', 3],
  ['KWD', 3],
  ['OMR', 3],
  ['TND', 3],
]);

const DEFAULT_MINOR_UNITS = 2;

// A Map rather than an object literal, so that a code such as "constructor" or "__proto__" can
// never be mistaken for a currency through the prototype chain.
const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  CURRENCY_CODES.map((code) => [code, SPEC_MINOR_UNITS.get(code) ?? DEFAULT_MINOR_UNITS]),
);

/** Whether `code` is an accepted currency; codes are upper case, exactly as ISO writes them. */
export function isKnownCurrency(code: string): boolean {
  return MINOR_UNITS.has(code);
}

/**
 * The number of decimals an amount in `code` may carry. Callers validate the currency first, so an
 * unknown code here is a programming error and throws a RangeError.
 */
export function minorUnits(code: string): number {
  const units = MINOR_UNITS.get(code);
  if (units === undefined) {
    throw new RangeError(`Unknown currency ${JSON.stringify(code)}`);
  }
  return units;
}
