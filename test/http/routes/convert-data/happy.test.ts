/** POST /v1/convert/data through HTTP when all goes well: every pair of formats and round trips. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { CONTENT_TYPES, FORMATS, type Format } from './setup.js';

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
