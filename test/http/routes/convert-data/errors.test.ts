/** POST /v1/convert/data through HTTP refused: malformed input, wrong media types and limits. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { CONTENT_TYPES } from './setup.js';

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
