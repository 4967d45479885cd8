/** The error contract through HTTP: every failure is problem+json with its catalogue code. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Type } from 'typebox';
import { AppError } from '../../../src/errors.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { assertProblem } from '../../helpers/problem.js';

describe('errors as problem+json', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ QUIRE_BODY_LIMIT_BYTES: '2048' });
    // Routes registered only by this test.
    t.app.post(
      '/test/echo',
      {
        schema: {
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 20 }),
              count: Type.Integer({ minimum: 0 }),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => request.body,
    );
    t.app.get('/test/crash', async () => {
      throw new Error('db password=hunter2 at /srv/secret/path.ts:42');
    });
    t.app.get('/test/throws-string', async () => {
      throw 'a bare string';
    });
    t.app.get('/test/conflict', async () => {
      throw new AppError('CONFLICT', 'document doc_1 is not ready');
    });
  });

  it('404 for an unknown route', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' });
    const body = assertProblem(response, 404, 'NOT_FOUND');
    assert.equal(body.instance, '/v1/nothing-here');
    assert.equal(body.type, 'urn:quire:error:not-found');
  });

  it('405 with Allow for a known path and another method, before the body is parsed', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/livez',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    assertProblem(response, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(response.headers.allow, 'GET, HEAD');
  });

  it('405 lists every method a parametric path accepts', async () => {
    const response = await t.app.inject({ method: 'DELETE', url: '/test/echo' });
    assertProblem(response, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(response.headers.allow, 'POST');
  });

  it('400 for malformed JSON', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "a",',
    });
    assertProblem(response, 400, 'VALIDATION_FAILED');
  });

  it('400 for an empty JSON body', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    assertProblem(response, 400, 'VALIDATION_FAILED');
  });

  it('400 with errors[{path, message}] for a schema violation', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: '', count: -1 },
    });
    const body = assertProblem(response, 400, 'VALIDATION_FAILED');
    const errors = body.errors as { path: string; message: string }[];
    assert.ok(Array.isArray(errors) && errors.length >= 1);
    assert.ok(errors.every((e) => typeof e.path === 'string' && typeof e.message === 'string'));
    assert.ok(errors.some((e) => e.path === '/body/name' || e.path === '/body/count'));
  });

  it('400 names a missing property in the path', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x' },
    });
    const body = assertProblem(response, 400, 'VALIDATION_FAILED');
    assert.deepEqual(
      (body.errors as { path: string }[]).map((e) => e.path),
      ['/body/count'],
    );
  });

  it('413 for a body over the limit', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x', count: 1, pad: 'x'.repeat(4096) },
    });
    assertProblem(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('415 for a content type the route does not take', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<name>x</name>',
    });
    assertProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('an AppError keeps its code and detail', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/test/conflict' });
    const body = assertProblem(response, 409, 'CONFLICT');
    assert.equal(body.detail, 'document doc_1 is not ready');
  });

  it('500 carries no stack and no internal message, and the error is logged', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/test/crash' });
    const body = assertProblem(response, 500, 'INTERNAL');
    assert.doesNotMatch(response.body, /hunter2|secret|path\.ts|at |stack/i);
    assert.deepEqual(Object.keys(body).sort(), [
      'code',
      'detail',
      'instance',
      'request_id',
      'status',
      'title',
      'type',
    ]);
    const logged = t.logs.find(
      (line) => line.msg === 'request failed' && line.request_id === body.request_id,
    );
    assert.ok(logged, 'the 500 is logged under its request id');
    assert.match(JSON.stringify(logged.err), /hunter2/);
  });

  it('500 for a thrown non-Error value', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/test/throws-string' });
    assertProblem(response, 500, 'INTERNAL');
    assert.doesNotMatch(response.body, /bare string/);
  });
});
