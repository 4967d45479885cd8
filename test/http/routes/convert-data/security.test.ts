/**
 * POST /v1/convert/data through HTTP against hostile documents — billion laughs, XXE, YAML alias
 * bombs, 100,000-deep nesting, prototype keys — which must answer 4xx at once; and its scope.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, createApiKey, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { CONTENT_TYPES, FORMATS, type Format } from './setup.js';

describe('convert data: security', () => {
  let t: TestApp;
  // Each bomb gets a bound of its own, so the conversion thread's start (and its module
  // compilation, slow on a loaded CI machine) is paid here, by a harmless document, not by them.
  const BOMB_BOUND_MS = 30_000;
  before(async () => {
    t = await buildTestApp();
    const warm = await post('<warm>up</warm>', 'xml');
    assert.equal(warm.statusCode, 200, warm.body);
  });

  const post = (body: string, format: Format, to: Format = 'json') =>
    t.app.inject({
      method: 'POST',
      url: `/v1/convert/data?to=${to}`,
      headers: { ...t.admin, 'content-type': CONTENT_TYPES[format] },
      payload: body,
    });

  it('XML billion laughs → 422 at once, nothing expanded', { timeout: BOMB_BOUND_MS }, async () => {
    const lol =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
      Array.from(
        { length: 9 },
        (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">\n`,
      ).join('') +
      ']>\n<lolz>&lol9;</lolz>';
    const response = await post(lol, 'xml');
    const problem = assertProblem(response, 422, 'UNPROCESSABLE_DOCUMENT');
    assert.match(String(problem.detail), /DOCTYPE/);
    assert.doesNotMatch(response.body, /lollol/);
  });

  it('XML external entities (XXE) → 422; the file never appears', async () => {
    for (const xxe of [
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>',
      '<?xml version="1.0"?><!DOCTYPE foo SYSTEM "file:///etc/passwd"><foo>x</foo>',
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><foo/>',
    ]) {
      for (const to of FORMATS) {
        const response = await post(xxe, 'xml', to);
        assertProblem(response, 422, 'UNPROCESSABLE_DOCUMENT');
        assert.doesNotMatch(response.body, /root:|daemon:/);
      }
    }
    // An entity reference without a DTD stays text: nothing is resolved.
    const plain = await post('<foo>&xxe;</foo>', 'xml');
    assert.equal(plain.statusCode, 200, plain.body);
    assert.deepEqual(plain.json(), { foo: '&xxe;' });
  });

  it('YAML alias bomb → 422 at once', { timeout: BOMB_BOUND_MS }, async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    for (const to of FORMATS) {
      const response = await post(lines.join('\n'), 'yaml', to);
      const problem = assertProblem(response, 422, 'UNPROCESSABLE_DOCUMENT');
      assert.match(String(problem.detail), /alias/i);
    }
  });

  it(
    '100,000-deep nesting → 422 in every format, never 5xx',
    { timeout: BOMB_BOUND_MS },
    async () => {
      const depth = 100_000;
      const cases: [Format, string][] = [
        ['json', `${'['.repeat(depth)}${']'.repeat(depth)}`],
        ['json', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
        ['yaml', `${'['.repeat(depth)}${']'.repeat(depth)}`],
        ['yaml', `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`],
        ['yaml', `${'- '.repeat(depth)}x\n`],
        ['xml', `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`],
      ];
      for (const [format, body] of cases) {
        const response = await post(body, format, 'yaml');
        const problem = assertProblem(response, 422, 'UNPROCESSABLE_DOCUMENT');
        assert.match(String(problem.detail), /nested deeper than 100 levels/, `${format}`);
      }
    },
  );

  it('a YAML document whose aliases expand past the value cap → 422', async () => {
    // 10,001 values aliased 99 times (within the alias cap): over a million once expanded.
    const anchor = `[${Array(10_001).fill('1').join(',')}]`;
    const body = `a: &a ${anchor}\nb: [${Array(99).fill('*a').join(',')}]\n`;
    const problem = assertProblem(await post(body, 'yaml', 'csv'), 422, 'UNPROCESSABLE_DOCUMENT');
    assert.match(String(problem.detail), /more than 1000000 values/);
    // More aliases than the cap are refused by the YAML parser itself.
    const many = `a: &a [1]\nb: [${Array(101).fill('*a').join(',')}]\n`;
    const aliases = assertProblem(await post(many, 'yaml'), 422, 'UNPROCESSABLE_DOCUMENT');
    assert.match(String(aliases.detail), /alias/i);
  });

  it('needs credentials, and the documents:read scope', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/convert/data?to=json',
      headers: { 'content-type': 'text/csv' },
      payload: 'a\n1\n',
    });
    assertProblem(anonymous, 401, 'UNAUTHENTICATED');
    const { key } = await createApiKey(t, { name: 'search only', scopes: ['search'] });
    const forbidden = await t.app.inject({
      method: 'POST',
      url: '/v1/convert/data?to=json',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      payload: 'a\n1\n',
    });
    const problem = assertProblem(forbidden, 403, 'FORBIDDEN');
    assert.match(String(problem.detail), /documents:read/);
    const reader = await createApiKey(t, { name: 'reader', scopes: ['documents:read'] });
    const allowed = await t.app.inject({
      method: 'POST',
      url: '/v1/convert/data?to=json',
      headers: { authorization: `Bearer ${reader.key}`, 'content-type': 'text/csv' },
      payload: 'a\n1\n',
    });
    assert.equal(allowed.statusCode, 200, allowed.body);
    assert.equal(allowed.headers['ratelimit-limit'], String(t.config.rateLimitUpload));
  });

  it('a "__proto__" key or column is data, not a prototype', async () => {
    const csv = await post('__proto__,b\nx,1\n', 'csv');
    assert.equal(csv.statusCode, 200, csv.body);
    assert.deepEqual(JSON.parse(csv.body), [JSON.parse('{"__proto__":"x","b":1}')]);
    const yaml = await post('__proto__: {polluted: 1}\n', 'yaml');
    assert.equal(yaml.statusCode, 200, yaml.body);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
