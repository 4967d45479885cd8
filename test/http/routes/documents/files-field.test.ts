/**
 * The multipart field name `files` (what docling-serve, Unstructured and Gotenberg clients send)
 * taken besides `file` by POST /v1/documents and POST /v1/convert, sent by Node's own fetch and
 * FormData to a listening server as such a client would; one file per request, so a second file
 * part under either name is a 400 that leaves nothing staged.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { staged } from './setup.js';

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

describe('multipart part named "files"', () => {
  let t: TestApp;
  let baseUrl = '';
  before(async () => {
    t = await buildTestApp({ QUIRE_EXTRACTION_WORKERS: '1' });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });

  const send = async (path: string, form: FormData): Promise<Answer> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: t.admin,
      body: form,
      signal: AbortSignal.timeout(20_000),
    });
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    };
  };

  const form = (files: [name: string, text: string, filename: string][], fields = {}) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, String(value));
    for (const [name, text, filename] of files) {
      data.append(name, new Blob([text], { type: 'text/markdown' }), filename);
    }
    return data;
  };

  it('POST /v1/documents stores a file sent as "files", with its fields', async () => {
    const answer = await send(
      '/v1/documents',
      form([['files', '# Harbour log\n\nThe pelican came back.', 'log.md']], { tags: 'birds' }),
    );
    assert.equal(answer.statusCode, 202, answer.body);
    const { document } = JSON.parse(answer.body) as {
      document: { id: string; tags: string[]; title: string | null };
    };
    assert.deepEqual(document.tags, ['birds']);
    assert.equal(answer.headers['location'], `/v1/documents/${document.id}`);
    const file = await fetch(`${baseUrl}/v1/documents/${document.id}/file`, {
      headers: t.admin,
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(await file.text(), '# Harbour log\n\nThe pelican came back.');
    assert.match(String(file.headers.get('content-disposition')), /log\.md/);
  });

  it('POST /v1/documents refuses two files (either name) with a 400, staging nothing', async () => {
    for (const names of [
      ['files', 'files'],
      ['file', 'files'],
      ['files', 'file'],
    ]) {
      const answer = await send(
        '/v1/documents',
        form(names.map((name, i) => [name, `text ${i}`, `${i}.md`] as [string, string, string])),
      );
      const problem = assertProblem(answer, 400, 'VALIDATION_FAILED');
      assert.match(String(problem.detail), /one file per request/, names.join('+'));
      assert.deepEqual(staged(t), []);
    }
  });

  it('POST /v1/convert converts a file sent as "files"', async () => {
    const answer = await send(
      '/v1/convert?to=markdown',
      form([['files', '# Harbour log\n\nThe **pelican** came back.', 'log.md']]),
    );
    assert.equal(answer.statusCode, 200, answer.body);
    assert.match(answer.body, /The \*\*pelican\*\* came back/);
  });

  it('POST /v1/convert refuses a second file rather than ignoring it', async () => {
    for (const names of [
      ['files', 'files'],
      ['file', 'files'],
    ]) {
      const answer = await send(
        '/v1/convert?to=text',
        form(names.map((name, i) => [name, `text ${i}`, `${i}.md`] as [string, string, string])),
      );
      const problem = assertProblem(answer, 400, 'VALIDATION_FAILED');
      assert.match(String(problem.detail), /one file per request/, names.join('+'));
    }
    // A part under any other name is still refused, naming the field names taken.
    const other = await send('/v1/convert', form([['document', 'text', 'a.md']]));
    const problem = assertProblem(other, 400, 'VALIDATION_FAILED');
    assert.match(String(problem.detail), /"files"/);
  });
});
