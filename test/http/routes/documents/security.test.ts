/**
 * Documents through HTTP against hostile callers: hostile filenames, URLs that point inside the
 * network (SSRF), a key without the write scope, and another tenant reaching for our document.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { keyFor } from '../../../helpers/keys.js';
import { assertProblem } from '../../../helpers/problem.js';
import { DOCS, ingestApp, storedDocument, upload } from './setup.js';

describe('documents: ingest from hostile callers', () => {
  let t: TestApp;
  let writer: Record<string, string>;
  before(async () => {
    ({ t, writer } = await ingestApp());
  });

  it('sanitises hostile filenames', async () => {
    for (const [filename, expected] of [
      ['../../etc/passwd', 'passwd'],
      ['..', 'document'],
      ['a\u0000b\u202e.txt', 'ab.txt'],
    ] as const) {
      const response = await upload(t, writer, [
        // The name is escaped in the content: a NUL byte would make the file binary (415).
        { name: 'file', value: `content for ${JSON.stringify(filename)}`, filename },
      ]);
      assert.equal(response.statusCode, 202, response.body);
      assert.equal(response.json().document.filename, expected);
    }
    const long = await upload(t, writer, [
      { name: 'file', value: 'long name', filename: `${'n'.repeat(5000)}.txt` },
    ]);
    assert.equal(long.statusCode, 202);
    assert.ok(Buffer.byteLength(long.json().document.filename) <= 255);
    assert.ok(long.json().document.filename.endsWith('.txt'));
  });

  for (const url of [
    'http://127.0.0.1/a.pdf',
    'http://[::1]/a.pdf',
    'http://10.0.0.1/a.pdf',
    'http://169.254.169.254/latest/meta-data/',
    'http://0x7f000001/',
    'http://[::ffff:127.0.0.1]/',
    'file:///etc/passwd',
    'gopher://example.com/',
    'not a url',
  ]) {
    it(`refuses the URL ${url} with 422 URL_NOT_ALLOWED, creating nothing`, async () => {
      assertProblem(
        await t.app.inject({ method: 'POST', url: DOCS, headers: writer, payload: { url } }),
        422,
        'URL_NOT_ALLOWED',
      );
    });
  }

  it('answers 403 to a documents:read key that writes', async () => {
    const reader = await keyFor(t, 'acme', ['documents:read']);
    const body = assertProblem(
      await t.app.inject({ method: 'POST', url: DOCS, headers: reader, payload: { text: 'x' } }),
      403,
      'FORBIDDEN',
    );
    assert.match(String(body.detail), /documents:write/);
  });
});

describe('documents: another tenant', () => {
  let t: TestApp;
  let acme: Record<string, string>;
  let globex: Record<string, string>;
  let id: string;
  before(async () => {
    ({ t, acme, globex, id } = await storedDocument());
  });

  it('tenant isolation: another tenant reads, patches, deletes, downloads and lists nothing of ours (404)', async () => {
    const mine = (
      await t.app.inject({ method: 'GET', url: `${DOCS}/${id}`, headers: acme })
    ).json();
    assertProblem(
      await t.app.inject({ method: 'GET', url: `${DOCS}/${id}`, headers: globex }),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await t.app.inject({ method: 'GET', url: `${DOCS}/${id}/file`, headers: globex }),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `${DOCS}/${id}`,
        headers: globex,
        payload: { title: 'pwned' },
      }),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await t.app.inject({ method: 'DELETE', url: `${DOCS}/${id}`, headers: globex }),
      404,
      'NOT_FOUND',
    );
    const list = await t.app.inject({ method: 'GET', url: `${DOCS}?limit=200`, headers: globex });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().data.every((document: { id: string }) => document.id !== id));
    // …and ours is untouched.
    const ours = await t.app.inject({ method: 'GET', url: `${DOCS}/${id}`, headers: acme });
    assert.equal(ours.statusCode, 200);
    assert.deepEqual(
      [ours.json().title, ours.json().tags, ours.json().metadata],
      [mine.title, mine.tags, mine.metadata],
    );
  });
});
