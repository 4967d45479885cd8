/**
 * POST /v1/convert/data through HTTP: every pair of formats and round trips (happy), malformed
 * input, wrong media types and limits (errors), and hostile documents — billion laughs, XXE,
 * YAML alias bombs, 100,000-deep nesting — which must answer 4xx at once (security).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';
import { buildTestApp, createApiKey, type TestApp } from '../helpers/app.js';
import { assertProblem } from '../helpers/problem.js';

const FORMATS = ['json', 'csv', 'yaml', 'xml'] as const;
type Format = (typeof FORMATS)[number];

const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json',
  csv: 'text/csv',
  yaml: 'application/yaml',
  xml: 'application/xml',
};

const RECORDS = [
  { name: 'Ana', age: 30, city: 'Lisbon', active: true, zip: '01234' },
  { name: 'Bo', age: 41.5, city: 'Oslo, NO', active: false, zip: '0150' },
  { name: 'Chloé "CJ"', age: 27, city: 'Zürich & Co <HQ>', active: true, zip: '08001' },
];

/** The same table in each format, as a client would write it. */
const SOURCES: Record<Format, string> = {
  json: JSON.stringify(RECORDS),
  csv:
    'name,age,city,active,zip\n' +
    'Ana,30,Lisbon,true,01234\n' +
    'Bo,41.5,"Oslo, NO",false,0150\n' +
    '"Chloé ""CJ""",27,Zürich & Co <HQ>,true,08001\n',
  yaml:
    '# people\n' +
    '- name: Ana\n  age: 30\n  city: Lisbon\n  active: true\n  zip: "01234"\n' +
    '- name: Bo\n  age: 41.5\n  city: "Oslo, NO"\n  active: false\n  zip: "0150"\n' +
    '- name: Chloé "CJ"\n  age: 27\n  city: Zürich & Co <HQ>\n  active: true\n  zip: "08001"\n',
  xml:
    '<?xml version="1.0" encoding="UTF-8"?>\n<people>\n' +
    '  <person><name>Ana</name><age>30</age><city>Lisbon</city><active>true</active><zip>01234</zip></person>\n' +
    '  <person><name>Bo</name><age>41.5</age><city>Oslo, NO</city><active>false</active><zip>0150</zip></person>\n' +
    '  <!-- a comment -->\n' +
    '  <person><name>Chloé "CJ"</name><age>27</age><city>Zürich &amp; Co &lt;HQ&gt;</city><active>true</active><zip>08001</zip></person>\n' +
    '</people>\n',
};

/** Follows single-key wrappers ({"people": {"person": [...]}}) down to the array of records. */
function recordsOf(value: unknown): unknown {
  let current = value;
  while (
    typeof current === 'object' &&
    current !== null &&
    !Array.isArray(current) &&
    Object.keys(current).length === 1
  ) {
    current = Object.values(current)[0];
  }
  return current;
}

describe('convert data: happy paths', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  const convert = (body: string, from: Format, to: string, query = '') =>
    t.app.inject({
      method: 'POST',
      url: `/v1/convert/data?to=${to}${query}`,
      headers: { ...t.admin, 'content-type': CONTENT_TYPES[from] },
      payload: body,
    });

  for (const from of FORMATS) {
    for (const to of FORMATS) {
      it(`${from} → ${to}, and back to JSON, keeps the table`, async () => {
        const response = await convert(SOURCES[from], from, to);
        assert.equal(response.statusCode, 200, response.body);
        assert.match(String(response.headers['content-type']), new RegExp(`^${CONTENT_TYPES[to]}`));
        // The output is well-formed in its own format.
        if (to === 'json') JSON.parse(response.body);
        if (to === 'csv') assert.equal(parseCsv(response.body).length, RECORDS.length + 1);
        if (to === 'yaml') parseYaml(response.body);
        if (to === 'xml') assert.equal(XMLValidator.validate(response.body), true);
        const back = await convert(response.body, to, 'json');
        assert.equal(back.statusCode, 200, back.body);
        assert.deepEqual(recordsOf(JSON.parse(back.body)), RECORDS);
      });
    }
  }

  it('answers the media type of the target with charset, and no-store', async () => {
    const expected: Record<Format, string> = {
      json: 'application/json; charset=utf-8',
      csv: 'text/csv; charset=utf-8',
      yaml: 'application/yaml; charset=utf-8',
      xml: 'application/xml; charset=utf-8',
    };
    for (const to of FORMATS) {
      const response = await convert(SOURCES.json, 'json', to);
      assert.equal(response.headers['content-type'], expected[to]);
      assert.equal(response.headers['cache-control'], 'no-store');
    }
  });

  it('accepts every listed media type, with a charset=utf-8 parameter and a BOM', async () => {
    for (const [type, body] of [
      ['text/yaml', 'a: 1'],
      ['application/x-yaml', 'a: 1'],
      ['text/xml; charset=UTF-8', '<a>1</a>'],
      ['application/json; charset=utf-8', '\ufeff{"a": 1}'],
      ['text/csv; header=present', 'a\n1\n'],
    ] as const) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/convert/data?to=json',
        headers: { ...t.admin, 'content-type': type },
        payload: body,
      });
      assert.equal(response.statusCode, 200, `${type}: ${response.body}`);
      assert.deepEqual(recordsOf(response.json()), type.startsWith('text/csv') ? [{ a: 1 }] : 1);
    }
  });

  it('writes nested values into CSV cells as JSON, and the union of keys as the header', async () => {
    const response = await convert(
      JSON.stringify([
        { id: 1, tags: ['a', 'b'], meta: { x: 1 } },
        { id: 2, extra: null },
      ]),
      'json',
      'csv',
    );
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.body, 'id,tags,meta,extra\n1,"[""a"",""b""]","{""x"":1}",\n2,,,\n');
  });

  it('keeps CSV and XML text as strings with infer_types=false', async () => {
    const response = await convert('n,flag\n42,true\n', 'csv', 'json', '&infer_types=false');
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), [{ n: '42', flag: 'true' }]);
  });

  it('keeps XML attributes as @name keys and text beside them as #text', async () => {
    const response = await convert('<item id="7" lang="en">Hello &amp; bye</item>', 'xml', 'json');
    assert.deepEqual(response.json(), {
      item: { '@id': 7, '@lang': 'en', '#text': 'Hello & bye' },
    });
    const back = await convert(response.body, 'json', 'xml');
    assert.match(back.body, /<item id="7" lang="en">Hello &amp; bye<\/item>/);
  });

  it('makes keys valid XML names and wraps top-level arrays', async () => {
    const response = await convert(
      JSON.stringify([{ 'first name': 'A', '1st': true }]),
      'json',
      'xml',
    );
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(XMLValidator.validate(response.body), true);
    assert.match(
      response.body,
      /<root>\s*<item>\s*<first_name>A<\/first_name>\s*<_1st>true<\/_1st>/,
    );
  });

  it('converts empty documents: CSV to [], YAML to null', async () => {
    assert.deepEqual((await convert('', 'csv', 'json')).json(), []);
    assert.equal((await convert('', 'yaml', 'json')).json(), null);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = doc.paths['/v1/convert/data'].post;
    assert.ok(operation.requestBody.content['text/csv']);
    assert.ok(operation.responses['200'].content['application/yaml']);
    assert.match(operation.description, /scope `documents:read`; rate class `upload`/);
  });
});

describe('convert data: errors', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  const post = (body: string | Buffer, contentType: string | undefined, to = 'json') =>
    t.app.inject({
      method: 'POST',
      url: `/v1/convert/data?to=${to}`,
      headers: {
        ...t.admin,
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
      },
      payload: body,
    });

  for (const [format, body, detail] of [
    ['json', '{"a": 1,\n  "b": }', /Invalid JSON/],
    ['json', '{"a": [1, 2', /Invalid JSON/],
    ['csv', 'a,b\n1,"unclosed\n', /Invalid CSV: Quote Not Closed/],
    ['csv', 'a,b\n1,2,3\n', /Invalid CSV: Invalid Record Length.*line 2/],
    ['csv', 'a,a\n1,2\n', /names the column "a" twice/],
    ['yaml', 'a: [1, 2\nb: 3', /Invalid YAML at line 2, column 1/],
    ['yaml', 'a: 1\na: 2\n', /Map keys must be unique/],
    ['yaml', 'a: !!binary aGVsbG8=\nb: !custom x', /Unresolved tag/],
    ['yaml', 'a: 1\n---\nb: 2\n', /2 documents/],
    ['xml', '<a>\n  <b></a>', /Invalid XML at line 2, column/],
    ['xml', '<a b="1" b="2"/>', /Invalid XML/],
    ['xml', 'just text', /Invalid XML/],
  ] as const) {
    it(`malformed ${format} → 422 with a short detail (${detail.source})`, async () => {
      const response = await post(body, CONTENT_TYPES[format]);
      const problem = assertProblem(response, 422, 'UNPROCESSABLE_DOCUMENT');
      assert.match(String(problem.detail), detail);
      assert.ok(String(problem.detail).length <= 300);
    });
  }

  it('a shape CSV cannot hold → 422', async () => {
    for (const body of ['[1, 2]', '"text"', '[{"a": 1}, [2]]']) {
      const problem = assertProblem(
        await post(body, 'application/json', 'csv'),
        422,
        'UNPROCESSABLE_DOCUMENT',
      );
      assert.match(String(problem.detail), /CSV needs an array of objects/);
    }
  });

  it('control characters XML cannot carry → 422', async () => {
    const response = await post(JSON.stringify({ a: 'bell\u0007' }), 'application/json', 'xml');
    assertProblem(response, 422, 'UNPROCESSABLE_DOCUMENT');
  });

  it('other media types → 415, before the body is parsed', async () => {
    for (const type of [
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'image/png',
    ]) {
      const problem = assertProblem(await post('a,b\n1,2\n', type), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.match(String(problem.detail), /text\/csv/, type);
    }
    assertProblem(await post('a,b\n1,2\n', undefined), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await post('', undefined), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a charset other than UTF-8 → 415; bytes that are not UTF-8 → 422', async () => {
    const latin1 = assertProblem(
      await post('a\nb\n', 'text/csv; charset=iso-8859-1'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.match(String(latin1.detail), /UTF-8/);
    const invalid = Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a]);
    assertProblem(await post(invalid, 'text/csv'), 422, 'UNPROCESSABLE_DOCUMENT');
  });

  it('a bad or missing `to` → 400 naming the query parameter', async () => {
    for (const url of ['/v1/convert/data?to=exe', '/v1/convert/data?to=', '/v1/convert/data']) {
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...t.admin, 'content-type': 'text/csv' },
        payload: 'a\n1\n',
      });
      const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
      assert.deepEqual(
        (problem.errors as { path: string }[]).map((error) => error.path),
        ['/querystring/to'],
      );
    }
  });

  it('a body over its format’s cap → 413 (JSON 10 MiB, YAML 2 MiB)', async () => {
    const json = `[${'"x",'.repeat((10 * 1024 * 1024) / 4)}"x"]`;
    assertProblem(await post(json, 'application/json'), 413, 'PAYLOAD_TOO_LARGE');
    const yaml = `- ${'y'.repeat(2 * 1024 * 1024)}\n`;
    assertProblem(await post(yaml, 'application/yaml'), 413, 'PAYLOAD_TOO_LARGE');
    // The same YAML-sized body as JSON is within its cap.
    const ok = await post(`["${'y'.repeat(2 * 1024 * 1024)}"]`, 'application/json', 'csv');
    assertProblem(ok, 422, 'UNPROCESSABLE_DOCUMENT');
  });
});

describe('convert data: security', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  const post = (body: string, format: Format, to: Format = 'json') =>
    t.app.inject({
      method: 'POST',
      url: `/v1/convert/data?to=${to}`,
      headers: { ...t.admin, 'content-type': CONTENT_TYPES[format] },
      payload: body,
    });

  it('XML billion laughs → 422 at once, nothing expanded', { timeout: 10_000 }, async () => {
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

  it('YAML alias bomb → 422 at once', { timeout: 10_000 }, async () => {
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

  it('100,000-deep nesting → 422 in every format, never 5xx', { timeout: 30_000 }, async () => {
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
  });

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
