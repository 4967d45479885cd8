/**
 * Documents through HTTP when all goes well: ingest (file and text), dedupe, read with ETags,
 * download with ranges, update, list and page, delete, and batches.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { keyFor } from '../../../helpers/keys.js';
import { assertProblem } from '../../../helpers/problem.js';
import { DOCS, ingestApp, sha256, STORED_CONTENT, storedDocument, upload } from './setup.js';

describe('documents: ingest', () => {
  let t: TestApp;
  let writer: Record<string, string>;
  before(async () => {
    ({ t, writer } = await ingestApp());
  });

  it('uploads a file: 202, Location, pending document and a queued extraction job', async () => {
    const content = Buffer.from('# Heading\n\nSome markdown text.\n');
    const response = await upload(t, writer, [
      { name: 'title', value: 'My notes' },
      { name: 'tags', value: 'alpha, beta' },
      { name: 'metadata', value: '{"project":"x"}' },
      { name: 'file', value: content, filename: 'notes.md', contentType: 'text/markdown' },
    ]);
    assert.equal(response.statusCode, 202, response.body);
    const { document, job } = response.json();
    assert.equal(response.headers.location, `${DOCS}/${document.id}`);
    assert.match(document.id, /^doc_/);
    assert.deepEqual(
      {
        title: document.title,
        status: document.status,
        media_type: document.media_type,
        size_bytes: document.size_bytes,
        sha256: document.sha256,
        tags: document.tags,
        metadata: document.metadata,
        source: document.source,
        filename: document.filename,
      },
      {
        title: 'My notes',
        status: 'pending',
        media_type: 'text/markdown',
        size_bytes: content.length,
        sha256: sha256(content),
        tags: ['alpha', 'beta'],
        metadata: { project: 'x' },
        source: { type: 'upload' },
        filename: 'notes.md',
      },
    );
    assert.equal(document.extracted.word_count, 0);
    assert.equal(document.tenant_id, undefined);
    assert.match(job.id, /^job_/);
    assert.deepEqual(
      [job.type, job.status, job.document_id, job.attempts],
      ['extract', 'queued', document.id, 0],
    );
  });

  it('ingests text as a document', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: writer,
      payload: { text: 'plain words here', title: 'T', tags: ['x'] },
    });
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().document.source.type, 'text');
    assert.equal(response.json().document.media_type, 'text/plain');
    const csv = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: writer,
      payload: { text: 'a,b\n1,2\n', filename: 'data.csv' },
    });
    assert.equal(csv.json().document.media_type, 'text/csv');
  });

  it('dedupes identical content per tenant (200, deduplicated) unless ?dedupe=false', async () => {
    const first = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: writer,
      payload: { text: 'same content twice' },
    });
    assert.equal(first.statusCode, 202);
    const again = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: writer,
      payload: { text: 'same content twice' },
    });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().deduplicated, true);
    assert.equal(again.json().job, null);
    assert.equal(again.json().document.id, first.json().document.id);
    const forced = await t.app.inject({
      method: 'POST',
      url: `${DOCS}?dedupe=false`,
      headers: writer,
      payload: { text: 'same content twice' },
    });
    assert.equal(forced.statusCode, 202);
    assert.notEqual(forced.json().document.id, first.json().document.id);
    // Another tenant with the same content gets its own document.
    const other = await keyFor(t, 'globex', ['documents:write']);
    const theirs = await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: other,
      payload: { text: 'same content twice' },
    });
    assert.equal(theirs.statusCode, 202);
  });
});

describe('documents: read, list, update, delete, download', () => {
  let t: TestApp;
  let acme: Record<string, string>;
  const content = STORED_CONTENT;
  let id: string;
  before(async () => {
    ({ t, acme, id } = await storedDocument());
  });

  it('GET carries a strong ETag and answers 304 to If-None-Match', async () => {
    const response = await t.app.inject({ method: 'GET', url: `${DOCS}/${id}`, headers: acme });
    assert.equal(response.statusCode, 200);
    const etag = String(response.headers.etag);
    assert.match(etag, /^"[^"]+"$/);
    const cached = await t.app.inject({
      method: 'GET',
      url: `${DOCS}/${id}`,
      headers: { ...acme, 'if-none-match': etag },
    });
    assert.equal(cached.statusCode, 304);
    assert.equal(cached.body, '');
  });

  it('downloads the original bytes with ETag, Content-Disposition (RFC 6266) and Range', async () => {
    const file = await t.app.inject({ method: 'GET', url: `${DOCS}/${id}/file`, headers: acme });
    assert.equal(file.statusCode, 200);
    assert.deepEqual(file.rawPayload, content);
    assert.equal(file.headers.etag, `"${sha256(content)}"`);
    assert.equal(file.headers['accept-ranges'], 'bytes');
    assert.match(
      String(file.headers['content-disposition']),
      /^attachment; filename="_n_code r_port\.txt"; filename\*=UTF-8''%C3%9Cn%C3%AFcode%20r%C3%A9port\.txt$/,
    );
    const part = await t.app.inject({
      method: 'GET',
      url: `${DOCS}/${id}/file`,
      headers: { ...acme, range: 'bytes=10-19' },
    });
    assert.equal(part.statusCode, 206);
    assert.equal(part.headers['content-range'], `bytes 10-19/${content.length}`);
    assert.deepEqual(part.rawPayload, content.subarray(10, 20));
    const suffix = await t.app.inject({
      method: 'GET',
      url: `${DOCS}/${id}/file`,
      headers: { ...acme, range: 'bytes=-5' },
    });
    assert.deepEqual(suffix.rawPayload, content.subarray(content.length - 5));
    const unsatisfiable = await t.app.inject({
      method: 'GET',
      url: `${DOCS}/${id}/file`,
      headers: { ...acme, range: 'bytes=999999999-' },
    });
    assertProblem(unsatisfiable, 416, 'RANGE_NOT_SATISFIABLE');
    assert.equal(unsatisfiable.headers['content-range'], `bytes */${content.length}`);
    const cached = await t.app.inject({
      method: 'GET',
      url: `${DOCS}/${id}/file`,
      headers: { ...acme, 'if-none-match': `"${sha256(content)}"` },
    });
    assert.equal(cached.statusCode, 304);
  });

  it('PATCH updates title, tags and metadata; the ETag changes', async () => {
    const before = await t.app.inject({ method: 'GET', url: `${DOCS}/${id}`, headers: acme });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `${DOCS}/${id}`,
      headers: acme,
      payload: { title: 'Renamed', tags: ['report', 'q3'], metadata: { k: 1 } },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(
      [patched.json().title, patched.json().tags, patched.json().metadata],
      ['Renamed', ['report', 'q3'], { k: 1 }],
    );
    const after = await t.app.inject({ method: 'GET', url: `${DOCS}/${id}`, headers: acme });
    assert.notEqual(after.headers.etag, before.headers.etag);
    assertProblem(
      await t.app.inject({ method: 'PATCH', url: `${DOCS}/${id}`, headers: acme, payload: {} }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('lists with filters and sorts, and pages stay correct while documents come and go', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: DOCS,
        headers: acme,
        payload: {
          text: `page doc ${i}`,
          title: `Doc ${String.fromCharCode(71 - i)}`,
          tags: i % 2 === 0 ? ['even', 'paged'] : ['paged'],
        },
      });
      made.push(response.json().document.id);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const byTag = await t.app.inject({
      method: 'GET',
      url: `${DOCS}?tag=paged&tag=even`,
      headers: acme,
    });
    assert.equal(byTag.json().data.length, 4);
    const byPrefix = await t.app.inject({ method: 'GET', url: `${DOCS}?q=doc%20a`, headers: acme });
    assert.deepEqual(
      byPrefix.json().data.map((d: { title: string }) => d.title),
      ['Doc A'],
    );
    const byTitle = await t.app.inject({
      method: 'GET',
      url: `${DOCS}?tag=paged&sort=title`,
      headers: acme,
    });
    assert.deepEqual(
      byTitle.json().data.map((d: { title: string }) => d.title),
      ['Doc A', 'Doc B', 'Doc C', 'Doc D', 'Doc E', 'Doc F', 'Doc G'],
    );

    // Page through newest first, 3 at a time, deleting and inserting between pages.
    const first = await t.app.inject({
      method: 'GET',
      url: `${DOCS}?tag=paged&limit=3`,
      headers: acme,
    });
    assert.deepEqual(
      first.json().data.map((d: { id: string }) => d.id),
      [made[6], made[5], made[4]],
    );
    await t.app.inject({ method: 'DELETE', url: `${DOCS}/${made[5]}`, headers: acme }); // already shown
    await t.app.inject({ method: 'DELETE', url: `${DOCS}/${made[2]}`, headers: acme }); // not shown yet
    await t.app.inject({
      method: 'POST',
      url: DOCS,
      headers: acme,
      payload: { text: 'newcomer', tags: ['paged'] },
    }); // newer than the cursor
    const second = await t.app.inject({
      method: 'GET',
      url: `${DOCS}?tag=paged&limit=3&cursor=${first.json().next_cursor}`,
      headers: acme,
    });
    assert.deepEqual(
      second.json().data.map((d: { id: string }) => d.id),
      [made[3], made[1], made[0]],
    );

    for (const cursor of [
      'garbage',
      Buffer.from('{"s":"title","v":"x","i":"doc_x"}').toString('base64url'),
    ]) {
      assertProblem(
        await t.app.inject({ method: 'GET', url: `${DOCS}?cursor=${cursor}`, headers: acme }),
        400,
        'VALIDATION_FAILED',
      );
    }
    assertProblem(
      await t.app.inject({ method: 'GET', url: `${DOCS}?sort=random`, headers: acme }),
      400,
      'VALIDATION_FAILED',
    );
    assertProblem(
      await t.app.inject({ method: 'GET', url: `${DOCS}?limit=201`, headers: acme }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('DELETE removes the document and, with its last reference, its bytes', async () => {
    const text = 'shared bytes between two documents';
    const a = (
      await t.app.inject({ method: 'POST', url: DOCS, headers: acme, payload: { text } })
    ).json().document;
    const b = (
      await t.app.inject({
        method: 'POST',
        url: `${DOCS}?dedupe=false`,
        headers: acme,
        payload: { text },
      })
    ).json().document;
    assert.equal(a.sha256, b.sha256);
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url: `${DOCS}/${a.id}`, headers: acme })).statusCode,
      204,
    );
    assertProblem(
      await t.app.inject({ method: 'GET', url: `${DOCS}/${a.id}`, headers: acme }),
      404,
      'NOT_FOUND',
    );
    const still = await t.app.inject({ method: 'GET', url: `${DOCS}/${b.id}/file`, headers: acme });
    assert.equal(still.body, text, 'the other document keeps the bytes');
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url: `${DOCS}/${b.id}`, headers: acme })).statusCode,
      204,
    );
    const blobPath = join(t.dataDir, 'blobs', b.sha256.slice(0, 2), b.sha256.slice(2, 4), b.sha256);
    assert.throws(() => readdirSync(blobPath), 'the bytes are gone with the last reference');
    const audit = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/audit-log?limit=200',
      headers: t.admin,
    });
    assert.ok(
      audit
        .json()
        .data.some(
          (e: { action: string; target_id: string }) =>
            e.action === 'document.deleted' && e.target_id === b.id,
        ),
    );
  });
});

describe('documents: batch', () => {
  it('creates each item or says why not, item by item', async () => {
    const t = await buildTestApp();
    const response = await t.app.inject({
      method: 'POST',
      url: `${DOCS}/batch`,
      headers: t.admin,
      payload: {
        items: [
          { text: 'first item' },
          { url: 'http://169.254.169.254/' },
          { text: 'x'.repeat(20_000_000) },
          { text: 'first item' },
        ],
      },
    });
    assert.equal(response.statusCode, 202, response.body.slice(0, 300));
    const results = response.json().results;
    assert.equal(results.length, 4);
    assert.match(results[0].document.id, /^doc_/);
    assert.equal(results[1].error.code, 'URL_NOT_ALLOWED');
    assert.equal(results[2].error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(results[3].deduplicated, true);
  });
});
