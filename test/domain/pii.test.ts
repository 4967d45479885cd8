/**
 * The PII detector per type (checksums and their edge cases, formats, look-alikes), overlap
 * resolution, offsets, redaction, the labelled set's precision and recall, and that adversarial
 * inputs return (their timing is reported by scripts/pii-eval.ts, not asserted here).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plausibleBirthDate } from '../../src/domain/pii/birth-dates.js';
import {
  ibanChecksumValid,
  ibanValid,
  luhnValid,
  ssnValid,
} from '../../src/domain/pii/checksums.js';
import { detectPii, PII_TYPES, redactPii, type PiiType } from '../../src/domain/pii/index.js';
import {
  adversarialInputs,
  PII_NEGATIVES,
  PII_POSITIVES,
  scoreDetector,
} from '../fixtures/pii-labelled.js';

/** A fixed time, so what counts as a past date does not move with the calendar. */
const NOW = Date.UTC(2026, 11, 4);

/** The [type, text] pairs found in `text`. */
function found(text: string, types?: PiiType[]): [PiiType, string][] {
  return detectPii(text, types ?? PII_TYPES, NOW).map((entity) => [entity.type, entity.text]);
}

function mod97(text: string): number {
  let remainder = 0;
  for (const character of text) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder;
}

describe('pii: checksums', () => {
  it('Luhn accepts valid numbers and refuses every single-digit change', () => {
    for (const valid of ['4111111111111111', '378282246310005', '0', '18', '79927398713']) {
      assert.equal(luhnValid(valid), true, valid);
    }
    const number = '4539578763621486';
    assert.equal(luhnValid(number), true);
    for (let i = 0; i < number.length; i++) {
      const digit = Number(number[i]);
      const changed = `${number.slice(0, i)}${(digit + 5) % 10}${number.slice(i + 1)}`;
      assert.equal(luhnValid(changed), false, changed);
    }
    for (const invalid of ['', '4111 1111 1111 1111', '4111-1111', 'abc', '79927398710']) {
      assert.equal(luhnValid(invalid), false, JSON.stringify(invalid));
    }
  });

  it('mod-97 accepts the registry examples and refuses a changed digit or swapped pair', () => {
    for (const valid of [
      'DE89370400440532013000',
      'GB82WEST12345698765432',
      'FR1420041010050500013M02606',
      'NL91ABNA0417164300',
      'NO9386011117947',
      'MT84MALT011000012345MTLCAST001S',
    ]) {
      assert.equal(ibanValid(valid), true, valid);
    }
    assert.equal(ibanChecksumValid('DE89370400440532013001'), false);
    assert.equal(ibanChecksumValid('DE89370400440532010300'), false, 'swapped adjacent digits');
    assert.equal(ibanChecksumValid('de89370400440532013000'), false, 'lowercase is not an IBAN');
  });

  it('IBANs need the country length, a known country and check digits 02–98', () => {
    assert.equal(ibanValid('DE8937040044053201300'), false, 'one short for DE');
    assert.equal(ibanValid('XX89370400440532013000'), false, 'no such country');
    // Find a BBAN whose check digits are 98: then "01" also leaves mod 97 = 1, yet is refused.
    let bban = 1;
    while (98 - mod97(`${String(bban).padStart(18, '0')}DE00`) !== 98) bban++;
    const body = String(bban).padStart(18, '0');
    assert.equal(ibanValid(`DE98${body}`), true);
    assert.equal(ibanChecksumValid(`DE01${body}`), true, '01 ≡ 98 (mod 97)');
    assert.equal(ibanValid(`DE01${body}`), false, 'check digits 01 are never issued');
  });

  it('SSNs exclude area 000, 666 and 9xx, group 00, serial 0000', () => {
    assert.equal(ssnValid('123', '45', '6789'), true);
    assert.equal(ssnValid('001', '01', '0001'), true);
    assert.equal(ssnValid('899', '99', '9999'), true);
    for (const [area, group, serial] of [
      ['000', '12', '3456'],
      ['666', '12', '3456'],
      ['900', '12', '3456'],
      ['999', '12', '3456'],
      ['123', '00', '4567'],
      ['123', '45', '0000'],
      ['078', '05', '1120'],
    ] as const) {
      assert.equal(ssnValid(area, group, serial), false, `${area}-${group}-${serial}`);
    }
  });

  it('birth dates are real calendar dates in the past', () => {
    assert.equal(plausibleBirthDate('29/02/1996', NOW), true);
    assert.equal(plausibleBirthDate('29/02/1997', NOW), false);
    assert.equal(plausibleBirthDate('31/04/1990', NOW), false);
    assert.equal(plausibleBirthDate('12/31/1990', NOW), true, 'M/D/Y');
    assert.equal(plausibleBirthDate('2999-01-01', NOW), false, 'future');
    assert.equal(plausibleBirthDate('1899-12-31', NOW), false, 'before 1900');
    assert.equal(plausibleBirthDate('12 March 1985', NOW), true);
    assert.equal(plausibleBirthDate('March 32, 1985', NOW), false);
    // The clock decides what is past: a date after `now` is no birth date.
    assert.equal(plausibleBirthDate('2020-06-01', Date.UTC(2020, 0, 1)), false);
    assert.equal(plausibleBirthDate('2020-06-01', Date.UTC(2021, 0, 1)), true);
  });
});

describe('pii: detection per type', () => {
  it('emails', () => {
    assert.deepEqual(found('Mail john.doe+x@mail.example.co.uk, or ANNA@Example.ORG.'), [
      ['email', 'john.doe+x@mail.example.co.uk'],
      ['email', 'ANNA@Example.ORG'],
    ]);
    for (const text of ['user@localhost', 'a..b@example.com', 'x@-bad.com', '@handle', 'x@y.c']) {
      assert.deepEqual(found(text, ['email']), [], text);
    }
  });

  it('phones: international, US and national formats, not dates or versions', () => {
    for (const phone of [
      '+1 (415) 555-2671',
      '(212) 555-0198',
      '212.555.0198',
      '1-800-555-0199',
      '+44 (0)20 7946 0958',
      '020 7946 0958',
      '+49 30 12345678',
      '0151 23456789',
      '+33 1 42 68 53 00',
      '06 12 34 56 78',
      '+4915123456789',
      '0049 30 12345678',
    ]) {
      assert.deepEqual(found(`Call ${phone} now.`, ['phone']), [['phone', phone]], phone);
    }
    for (const text of [
      'Meeting 2024-03-15',
      'Date 01.02.2023',
      'Upgrade to 1.2.3.4.5',
      'ISBN 0-306-40615-2',
      'Serial 12345678901234567890',
      'Ref 555-0199',
      'Ticket 123-456-7890',
      'Order 0123 4567 8901 2345',
    ]) {
      assert.deepEqual(found(text, ['phone']), [], text);
    }
  });

  it('phones without a recognisable format count only when labelled', () => {
    assert.deepEqual(found('Tel: 5551234567'), [['phone', '5551234567']]);
    assert.deepEqual(found('Invoice 5551234567'), []);
    assert.deepEqual(found('Graph: 5551234567'), [], 'a label must be a whole word');
  });

  it('credit cards: Luhn-valid numbers of a known network, in groups or not', () => {
    assert.deepEqual(found('Card 4111 1111 1111 1111, 5555-5555-5555-4444, 378282246310005.'), [
      ['credit_card', '4111 1111 1111 1111'],
      ['credit_card', '5555-5555-5555-4444'],
      ['credit_card', '378282246310005'],
    ]);
    assert.deepEqual(found('Amex 3782 822463 10005'), [['credit_card', '3782 822463 10005']]);
    for (const text of [
      'Card 4111 1111 1111 1112', // Luhn
      'Card 0000 0000 0000 0000', // no network
      'Card 4111 1111 1111', // 12 digits
      'ISBN-13: 9780306406157',
      'Card 4111 1111-1111 1111', // mixed separators
    ]) {
      assert.deepEqual(found(text, ['credit_card']), [], text);
    }
  });

  it('IBANs: grouped or compact, the trailing word left out, bad checksums refused', () => {
    assert.deepEqual(found('IBAN DE89 3704 0044 0532 0130 00 EUR'), [
      ['iban', 'DE89 3704 0044 0532 0130 00'],
    ]);
    assert.deepEqual(found('to BE68 5390 0754 7034 CASH'), [['iban', 'BE68 5390 0754 7034']]);
    assert.deepEqual(found('IBAN:GB82WEST12345698765432.'), [['iban', 'GB82WEST12345698765432']]);
    assert.deepEqual(found('IBAN DE89 3704 0044 0532 0130 01', ['iban']), []);
  });

  it('IP addresses: IPv4 with octets ≤ 255, IPv6 including compressed and mapped forms', () => {
    assert.deepEqual(found('from 192.168.1.10:8080 and [2001:db8::1] and ::ffff:192.0.2.128'), [
      ['ip_address', '192.168.1.10'],
      ['ip_address', '2001:db8::1'],
      ['ip_address', '::ffff:192.0.2.128'],
    ]);
    assert.deepEqual(found('::1 is loopback'), [['ip_address', '::1']]);
    for (const text of [
      '999.1.1.1',
      '1.2.3.4.5',
      'version 1.2.3.4',
      'v1.2.3.4',
      'section 4.2.1.3',
      '12:30:45',
      '00:1A:2B:3C:4D:5E',
      'a::b',
      '2001:db8:::1',
      '010.1.1.1',
    ]) {
      assert.deepEqual(found(text, ['ip_address']), [], text);
    }
  });

  it('US SSNs: dashed or spaced; nine bare digits only when labelled', () => {
    assert.deepEqual(found('SSN 123-45-6789 and 234 56 7890'), [
      ['us_ssn', '123-45-6789'],
      ['us_ssn', '234 56 7890'],
    ]);
    assert.deepEqual(found('SSN: 536221234'), [['us_ssn', '536221234']]);
    assert.deepEqual(found('Invoice 536221234'), []);
    assert.deepEqual(found('666-12-3456 000-12-3456 912-34-5678 123-00-4567 123-45-0000'), []);
  });

  it('dates of birth only when labelled; the entity is the date', () => {
    const text = 'DOB: 12/05/1985; born on 3rd of March 1990; Geburtsdatum: 12. März 1985';
    assert.deepEqual(found(text), [
      ['date_of_birth', '12/05/1985'],
      ['date_of_birth', '3rd of March 1990'],
      ['date_of_birth', '12. März 1985'],
    ]);
    assert.deepEqual(found('Meeting on 12/05/1985 and 2024-03-15'), []);
    assert.deepEqual(found('DOB: 31/02/1985'), [], 'no such day');
  });
});

describe('pii: entities, offsets, redaction', () => {
  it('offsets are UTF-16 code units: text.slice(start, end) is the entity', () => {
    const text = '👩‍⚕️ Ärztin: dr.kim@example.kr — 🇩🇪 +49 30 12345678';
    const entities = detectPii(text, PII_TYPES, NOW);
    assert.equal(entities.length, 2);
    for (const entity of entities) assert.equal(text.slice(entity.start, entity.end), entity.text);
    assert.equal(entities[0]?.start, text.indexOf('dr.kim'));
  });

  it('entities are sorted by start and never overlap; the more specific type wins', () => {
    const text = 'card 4111111111111111 mail 555-0101@example.com ::ffff:10.0.0.1 DOB: 01.02.1990';
    const entities = detectPii(text, PII_TYPES, NOW);
    assert.deepEqual(
      entities.map((entity) => entity.type),
      ['credit_card', 'email', 'ip_address', 'date_of_birth'],
    );
    for (let i = 1; i < entities.length; i++) {
      assert.ok((entities[i - 1]?.end ?? 0) <= (entities[i]?.start ?? 0));
    }
    assert.equal(entities[2]?.text, '::ffff:10.0.0.1', 'the IPv4 tail is not reported apart');
  });

  it('types limits what is looked for', () => {
    const text = 'a@b.example, 10.0.0.1, +44 20 7946 0958';
    assert.deepEqual(found(text, ['ip_address']), [['ip_address', '10.0.0.1']]);
    assert.deepEqual(found(text, ['email', 'phone']).length, 2);
    assert.deepEqual(found(text, []), []);
    assert.equal(detectPii(text, [...PII_TYPES], NOW).length, 3);
  });

  it('mask keeps the length; label names the type; count counts', () => {
    const text = 'Mail a.b@example.com or call +1 (415) 555-2671.';
    const masked = redactPii(text, PII_TYPES, 'mask', NOW);
    assert.equal(masked.count, 2);
    assert.equal(masked.text.length, text.length);
    assert.equal(masked.text, `Mail ${'*'.repeat(15)} or call ${'*'.repeat(17)}.`);
    const labelled = redactPii(text, PII_TYPES, 'label', NOW);
    assert.deepEqual(labelled, { text: 'Mail [EMAIL] or call [PHONE].', count: 2 });
    assert.deepEqual(redactPii('nothing here', PII_TYPES, 'label', NOW), {
      text: 'nothing here',
      count: 0,
    });
    assert.deepEqual(redactPii('', PII_TYPES, 'mask', NOW), { text: '', count: 0 });
    assert.equal(
      redactPii('IBAN DE89370400440532013000', ['iban'], 'label', NOW).text,
      'IBAN [IBAN]',
    );
  });
});

describe('pii: labelled set', () => {
  it('has at least 200 positive and 200 negative examples', () => {
    assert.ok(PII_POSITIVES.length >= 200, `${PII_POSITIVES.length} positives`);
    assert.ok(PII_NEGATIVES.length >= 200, `${PII_NEGATIVES.length} negatives`);
    for (const type of PII_TYPES) {
      assert.ok(
        PII_POSITIVES.some((example) => example.entities.some((entity) => entity.type === type)),
        `positives include ${type}`,
      );
    }
  });

  it('overall precision and recall are at least 0.95 (entity level, exact spans)', () => {
    const { overall, mistakes } = scoreDetector((text) => detectPii(text, PII_TYPES, NOW));
    const detail = JSON.stringify(mistakes.slice(0, 10), null, 1);
    assert.ok(overall.precision >= 0.95, `precision ${overall.precision}: ${detail}`);
    assert.ok(overall.recall >= 0.95, `recall ${overall.recall}: ${detail}`);
  });
});

describe('pii: adversarial inputs', () => {
  it('1 MiB inputs built against backtracking regexes return', () => {
    const inputs = adversarialInputs();
    for (const [name, text] of Object.entries(inputs)) {
      assert.ok(Array.isArray(detectPii(text, PII_TYPES, NOW)), name);
    }
    const mixed = inputs.mixed ?? '';
    assert.equal(redactPii(mixed, PII_TYPES, 'mask', NOW).text.length, mixed.length);
  });
});
