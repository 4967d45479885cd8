/** POST /v1/search through HTTP refused, on SQLite and PostgreSQL: 400 with the paths at fault. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertProblem } from '../../../helpers/problem.js';
import { searchSuite } from './setup.js';

searchSuite('invalid requests', (f) => {
  it('answers 400 with paths for invalid requests', async () => {
    const cases: [unknown, string][] = [
      [{ query: '' }, '/body/query'],
      [{ query: 'x'.repeat(1001) }, '/body/query'],
      [{ query: 'a', limit: 0 }, '/body/limit'],
      [{ query: 'a', limit: 101 }, '/body/limit'],
      [{ query: 'a', limit: 2.5 }, '/body/limit'],
      [
        { query: 'a', filters: { document_ids: Array(101).fill('doc_x') } },
        '/body/filters/document_ids',
      ],
      [
        { query: 'a', filters: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } },
        '/body/filters/tags',
      ],
      [{ query: 'a', rerank: { method: 'magic' } }, '/body/rerank/method'],
      [{ query: 'a', rerank: { method: 'lexical', top_n: 101 } }, '/body/rerank/top_n'],
      [{}, '/body'],
    ];
    for (const [payload, path] of cases) {
      const problem = assertProblem(await f.search(payload), 400, 'VALIDATION_FAILED');
      const paths = (problem.errors as { path: string }[]).map((error) => error.path);
      assert.ok(
        paths.some((p) => p.startsWith(path)),
        `${JSON.stringify(payload).slice(0, 80)}: ${paths.join(', ')}`,
      );
    }
    const unknownFields: [unknown, string][] = [
      [{ query: 'a', unknown: 1 }, '/body'],
      [{ query: 'a', filters: { tag: ['x'] } }, '/body/filters'],
      [{ query: 'a', rerank: { method: 'lexical', top_k: 5 } }, '/body/rerank'],
    ];
    for (const [payload, path] of unknownFields) {
      const problem = assertProblem(await f.search(payload), 400, 'VALIDATION_FAILED');
      const paths = (problem.errors as { path: string }[]).map((error) => error.path);
      assert.ok(paths.includes(path), `${JSON.stringify(payload)}: ${paths.join(', ')}`);
    }
  });
});
