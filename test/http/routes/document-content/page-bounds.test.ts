/**
 * `pages` past the document's last page: a 416 naming the page count, not an empty 200.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';
import { submitText, waitForJob } from '../../../helpers/jobs.js';
import { assertProblem } from '../../../helpers/problem.js';

describe('document content: pages past the end', { timeout: 60_000 }, () => {
  let t: TestApp;
  let id: string;
  let pageCount: number;
  before(async () => {
    t = await buildTestApp();
    // Text is cut into pages of about 3,000 characters at paragraph boundaries: several pages.
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'word '.repeat(80)}`);
    const { document, job } = await submitText(t, paragraphs.join('\n\n'));
    await waitForJob(t, job.id);
    id = document.id;
    const view = await t.app.inject({ url: `/v1/documents/${id}`, headers: t.admin });
    pageCount = view.json().page_count as number;
    assert.ok(pageCount >= 2, `page_count ${pageCount}`);
  });

  it('refuses a selection with any page past the last one (416 naming the page count)', async () => {
    for (const pages of ['500', `${pageCount + 1}`, `1,${pageCount + 1}`, `1-${pageCount + 3}`]) {
      for (const format of ['text', 'json', 'markdown']) {
        const response = await t.app.inject({
          url: `/v1/documents/${id}/content?format=${format}&pages=${pages}`,
          headers: t.admin,
        });
        const problem = assertProblem(response, 416, 'RANGE_NOT_SATISFIABLE');
        assert.match(String(problem.detail), new RegExp(`has ${pageCount} pages`), pages);
        assert.equal((problem.errors as { path: string }[])[0]?.path, '/querystring/pages');
      }
    }
  });

  it('still serves the pages that exist, up to the last one', async () => {
    const response = await t.app.inject({
      url: `/v1/documents/${id}/content?format=json&pages=1,${pageCount}`,
      headers: t.admin,
    });
    assert.equal(response.statusCode, 200, response.body);
    const numbers = (response.json().pages as { number: number }[]).map((page) => page.number);
    assert.deepEqual(numbers, [1, pageCount]);
  });
});
