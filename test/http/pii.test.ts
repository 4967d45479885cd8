/**
 * POST /v1/pii/detect and /v1/pii/redact through HTTP: happy paths, validation of `types` and
 * `style`, the text size limit (413, counted in UTF-8 bytes), empty text, and scopes.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, createApiKey, type TestApp } from '../helpers/app.js';
import { assertProblem } from '../helpers/problem.js';

const TEXT =
  'Contact jane.roe@example.org or +1 (312) 555-0177. Card 4111 1111 1111 1111, ' +
  'IBAN DE89 3704 0044 0532 0130 00, host 10.0.0.7, SSN 219-45-6612, DOB: 1980-01-15.';

describe('pii routes', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_MAX_TEXT_BYTES: '1000' });
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });

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

  it('text over the limit → 413, counted in UTF-8 bytes', async () => {
    assert.equal((await post('/v1/pii/detect', { text: 'a'.repeat(1000) })).statusCode, 200);
    assertProblem(
      await post('/v1/pii/detect', { text: 'a'.repeat(1001) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    // 500 characters, 1,000 bytes: at the limit; 501 of them are over it.
    assert.equal((await post('/v1/pii/redact', { text: 'é'.repeat(500) })).statusCode, 200);
    assertProblem(
      await post('/v1/pii/redact', { text: 'é'.repeat(501) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    // A body over the route's body limit is refused before it is parsed.
    assertProblem(
      await post('/v1/pii/detect', { text: 'x'.repeat(2 * 1024 * 1024) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  const invalid: [string, string, Record<string, unknown>, string][] = [
    ['an unknown type', '/v1/pii/detect', { text: 'x', types: ['email', 'passport'] }, '/body/types/1'],
    ['a repeated type', '/v1/pii/detect', { text: 'x', types: ['email', 'email'] }, '/body/types'],
    ['no types', '/v1/pii/redact', { text: 'x', types: [] }, '/body/types'],
    ['types not an array', '/v1/pii/detect', { text: 'x', types: 'email' }, '/body/types'],
    ['no text', '/v1/pii/detect', {}, '/body/text'],
    ['text not a string', '/v1/pii/redact', { text: 42 }, '/body/text'],
    ['an unknown style', '/v1/pii/redact', { text: 'x', style: 'blur' }, '/body/style'],
  ]; // prettier-ignore
  for (const [name, url, body, path] of invalid) {
    it(`${name} → 400 at ${path}`, async () => {
      const problem = assertProblem(await post(url, body), 400, 'VALIDATION_FAILED');
      const paths = (problem.errors as { path: string }[]).map((error) => error.path);
      assert.ok(paths.includes(path), `${JSON.stringify(paths)} includes ${path}`);
    });
  }

  it('eight types are one too many', async () => {
    const types = [
      'email',
      'phone',
      'credit_card',
      'iban',
      'ip_address',
      'us_ssn',
      'date_of_birth',
      'email',
    ];
    const problem = assertProblem(
      await post('/v1/pii/detect', { text: 'x', types }),
      400,
      'VALIDATION_FAILED',
    );
    assert.equal((problem.errors as { path: string }[])[0]?.path, '/body/types');
  });

  it('needs credentials and the documents:read scope; limited as a write', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/pii/detect',
      payload: { text: 'x' },
    });
    assertProblem(anonymous, 401, 'UNAUTHENTICATED');
    const { key } = await createApiKey(t, { name: 'writer', scopes: ['documents:write'] });
    const forbidden = await post(
      '/v1/pii/redact',
      { text: 'a@b.example' },
      { authorization: `Bearer ${key}` },
    );
    assert.match(String(assertProblem(forbidden, 403, 'FORBIDDEN').detail), /documents:read/);
    const reader = await createApiKey(t, { name: 'reader', scopes: ['documents:read'] });
    const allowed = await post(
      '/v1/pii/redact',
      { text: 'a@b.example' },
      { authorization: `Bearer ${reader.key}` },
    );
    assert.equal(allowed.statusCode, 200, allowed.body);
    assert.equal(allowed.headers['ratelimit-limit'], String(t.config.rateLimitWrite));
  });
});
