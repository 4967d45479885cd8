/** POST /v1/pii/detect and /v1/pii/redact through HTTP when all goes well. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { buildPiiApp, poster } from './setup.js';

const TEXT =
  'Contact jane.roe@example.org or +1 (312) 555-0177. Card 4111 1111 1111 1111, ' +
  'IBAN DE89 3704 0044 0532 0130 00, host 10.0.0.7, SSN 219-45-6612, DOB: 1980-01-15.';

describe('pii routes', () => {
  let t: TestApp;
  let post: ReturnType<typeof poster>;
  before(async () => {
    t = await buildPiiApp();
    post = poster(t);
  });

  it('detect finds every type with UTF-16 offsets, sorted by start', async () => {
    const response = await post('/v1/pii/detect', { text: TEXT });
    assert.equal(response.statusCode, 200, response.body);
    const { entities } = response.json() as {
      entities: { type: string; start: number; end: number; text: string }[];
    };
    assert.deepEqual(
      entities.map((entity) => [entity.type, entity.text]),
      [
        ['email', 'jane.roe@example.org'],
        ['phone', '+1 (312) 555-0177'],
        ['credit_card', '4111 1111 1111 1111'],
        ['iban', 'DE89 3704 0044 0532 0130 00'],
        ['ip_address', '10.0.0.7'],
        ['us_ssn', '219-45-6612'],
        ['date_of_birth', '1980-01-15'],
      ],
    );
    for (const entity of entities) assert.equal(TEXT.slice(entity.start, entity.end), entity.text);
  });

  it('detect with types looks only for those', async () => {
    const response = await post('/v1/pii/detect', { text: TEXT, types: ['iban', 'email'] });
    assert.deepEqual(
      response.json().entities.map((entity: { type: string }) => entity.type),
      ['email', 'iban'],
    );
  });

  it('offsets count UTF-16 code units (an emoji is two)', async () => {
    const text = '😀 a@b.example';
    const response = await post('/v1/pii/detect', { text });
    assert.deepEqual(response.json().entities, [
      { type: 'email', start: 3, end: 14, text: 'a@b.example' },
    ]);
  });

  it('redact masks by default, keeping the length; label names the type', async () => {
    const masked = await post('/v1/pii/redact', { text: TEXT });
    assert.equal(masked.statusCode, 200, masked.body);
    assert.equal(masked.json().count, 7);
    assert.equal(masked.json().text.length, TEXT.length);
    assert.doesNotMatch(masked.json().text, /jane|4111|DE89|219-45/);
    assert.match(masked.json().text, /^Contact \*{20} or \*{17}\./);

    const labelled = await post('/v1/pii/redact', {
      text: TEXT,
      style: 'label',
      types: ['email', 'phone', 'us_ssn'],
    });
    assert.deepEqual(labelled.json(), {
      text:
        'Contact [EMAIL] or [PHONE]. Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, ' +
        'host 10.0.0.7, SSN [US_SSN], DOB: 1980-01-15.',
      count: 3,
    });
  });

  it('empty text is fine: no entities, nothing redacted', async () => {
    const detected = await post('/v1/pii/detect', { text: '' });
    assert.equal(detected.statusCode, 200);
    assert.deepEqual(detected.json(), { entities: [] });
    const redacted = await post('/v1/pii/redact', { text: '', style: 'label' });
    assert.deepEqual(redacted.json(), { text: '', count: 0 });
  });
});
