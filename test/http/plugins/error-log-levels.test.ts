/**
 * Expected refusals are logged as what they are, through HTTP and the real logger: a 4xx at info
 * and a deliberate 503 (no semantic model: MODEL_UNAVAILABLE) at warn, neither with a stack; only
 * an unexpected failure (500) is logged at error with its stack.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import type { LogLine } from '../../helpers/logs.js';

describe('log levels of refused and failed requests', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.get('/test/crash', async () => {
      throw new Error('an unexpected bug');
    });
  });

  const linesOf = (requestId: string): LogLine[] =>
    t.logs.filter((line) => line.request_id === requestId);

  it('503 MODEL_UNAVAILABLE: warn, code and detail, no stack', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/rerank',
      headers: { ...t.admin, 'x-request-id': 'no-model-1' },
      payload: { query: 'cat', documents: ['a cat', 'a dog'], method: 'semantic' },
    });
    assert.equal(response.statusCode, 503, response.body);
    const lines = linesOf('no-model-1');
    assert.deepEqual(
      lines.map((line) => [line.level, line.msg]),
      [
        ['warn', 'request refused'],
        ['warn', 'request'],
      ],
    );
    assert.equal(lines[0]?.code, 'MODEL_UNAVAILABLE');
    assert.ok(lines.every((line) => line.err === undefined && line.headers === undefined));
  });

  it('4xx: the request line at info, no error line, no stack', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/documents/doc_missing',
      headers: { ...t.admin, 'x-request-id': 'missing-1' },
    });
    assert.equal(response.statusCode, 404);
    const lines = linesOf('missing-1').filter((line) => line.level !== 'debug');
    assert.deepEqual(
      lines.map((line) => [line.level, line.msg, line.code]),
      [['info', 'request', 'NOT_FOUND']],
    );
    assert.ok(lines.every((line) => line.err === undefined));
  });

  it('an unexpected 500: error, with the stack', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/test/crash',
      headers: { 'x-request-id': 'crash-1' },
    });
    assert.equal(response.statusCode, 500);
    const failed = linesOf('crash-1').find((line) => line.msg === 'request failed');
    assert.equal(failed?.level, 'error');
    assert.match(JSON.stringify(failed?.err), /an unexpected bug/);
    assert.equal(linesOf('crash-1').find((line) => line.msg === 'request')?.level, 'error');
  });
});
