/**
 * POST /v1/pii/detect and /v1/pii/redact through HTTP refused: the text size limit (413, counted
 * in UTF-8 bytes) and invalid `types`, `text` and `style` (400 with the path).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { buildPiiApp, poster } from './setup.js';

describe('pii routes: invalid requests', () => {
  let t: TestApp;
  let post: ReturnType<typeof poster>;
  before(async () => {
    t = await buildPiiApp();
    post = poster(t);
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
});
