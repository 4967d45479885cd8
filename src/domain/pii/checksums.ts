/**
 * The checksums and tables detectors validate candidates with: Luhn and issuer prefixes for cards,
 * mod-97 and per-country lengths for IBANs, the SSA's never-issued SSN ranges.
 */

/** Luhn (mod 10) over a string of decimal digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Card networks by issuer identification number (IIN) prefix and length. A Luhn-valid number
 * outside these ranges (order numbers, ISBN-13s, account numbers) is not reported.
 */
export function plausibleCard(digits: string): boolean {
  const length = digits.length;
  const prefix2 = Number(digits.slice(0, 2));
  const prefix3 = Number(digits.slice(0, 3));
  const prefix4 = Number(digits.slice(0, 4));
  const prefix6 = Number(digits.slice(0, 6));
  // Visa
  if (digits.startsWith('4')) return length === 13 || length === 16 || length === 19;
  // Mastercard (51–55, 2221–2720) and Mir (2200–2204)
  if (prefix2 >= 51 && prefix2 <= 55) return length === 16;
  if (prefix4 >= 2221 && prefix4 <= 2720) return length === 16;
  if (prefix4 >= 2200 && prefix4 <= 2204) return length >= 16 && length <= 19;
  // American Express
  if (prefix2 === 34 || prefix2 === 37) return length === 15;
  // Diners Club (300–305, 36, 38, 39)
  if ((prefix3 >= 300 && prefix3 <= 305) || prefix2 === 36 || prefix2 === 38 || prefix2 === 39)
    return length >= 14 && length <= 19;
  // JCB (3528–3589)
  if (prefix4 >= 3528 && prefix4 <= 3589) return length >= 16 && length <= 19;
  // Discover (6011, 644–649, 65, 622126–622925), UnionPay (62, 81)
  if (prefix4 === 6011 || (prefix3 >= 644 && prefix3 <= 649) || prefix2 === 65)
    return length >= 16 && length <= 19;
  if (prefix6 >= 622126 && prefix6 <= 622925) return length >= 16 && length <= 19;
  if (prefix2 === 62 || prefix2 === 81) return length >= 16 && length <= 19;
  // Maestro
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(prefix4))
    return length >= 13 && length <= 19;
  return false;
}

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29,
  BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29,
  ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25,
  QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27,
  SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}; // prettier-ignore

/** ISO 13616 check: move the first four characters to the end, letters to 10–35, mod 97 = 1. */
export function ibanChecksumValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/**
 * A complete IBAN (no spaces): known country, that country's length, check digits 02–98 (ISO
 * 13616 never issues 00, 01 or 99, though they can satisfy the mod-97 test) and mod-97 = 1.
 */
export function ibanValid(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  const check = Number(iban.slice(2, 4));
  return (
    length !== undefined &&
    iban.length === length &&
    check >= 2 &&
    check <= 98 &&
    ibanChecksumValid(iban)
  );
}

/** The SSA never issues these: area 000, 666, 900–999; group 00; serial 0000; two ad numbers. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  if (group === '00' || serial === '0000') return false;
  const whole = `${area}${group}${serial}`;
  return whole !== '078051120' && whole !== '219099999';
}
