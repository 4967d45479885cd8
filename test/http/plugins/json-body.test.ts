/**
 * The JSON body parser (src/http/json-body-parser.ts): clean bodies skip secure-json-parse's
 * regular expressions, and every body that could hold a `__proto__` or `constructor` key, in any
 * spelling, still meets Fastify's own parser and its refusal — through HTTP.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { cannotHoldPoisonedKeys } from '../../../src/http/json-body-parser.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { assertProblem } from '../../helpers/problem.js';

describe('JSON bodies', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.post('/test/json', async (request) => ({
      body: request.body,
      plainPrototype: Object.getPrototypeOf(request.body) === Object.prototype,
    }));
  });

  const post = (payload: string) =>
    t.app.inject({
      method: 'POST',
      url: '/test/json',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload,
    });

  it('tells which texts cannot hold a poisoned key, in any spelling', () => {
    assert.equal(cannotHoldPoisonedKeys('{"query":"a","documents":["b","c"]}'), true);
    assert.equal(cannotHoldPoisonedKeys('{"a":"café ☕"}'), true);
    assert.equal(cannotHoldPoisonedKeys('{"__proto__":{}}'), false);
    assert.equal(cannotHoldPoisonedKeys('{"\\u005f_proto__":{}}'), false);
    assert.equal(cannotHoldPoisonedKeys('{"constructor":{}}'), false);
    assert.equal(cannotHoldPoisonedKeys('{"c\\u006fnstructor":{}}'), false);
    assert.equal(cannotHoldPoisonedKeys('{"a":"caf\\u00e9"}'), false); // any escape: the full check
  });

  it('parses a clean body as JSON.parse does', async () => {
    const value = { query: 'q', documents: ['a b', 'café ☕', ''], n: [1, 2.5, -3e2], ok: null };
    const response = await post(JSON.stringify(value));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { body: value, plainPrototype: true });
  });

  for (const [name, payload] of [
    ['a __proto__ key', '{"a":1,"__proto__":{"polluted":true}}'],
    ['a __proto__ key spelled with escapes', '{"a":1,"\\u005f\\u005fproto\\u005f_":{"x":1}}'],
    ['a constructor key', '{"constructor":{"prototype":{"polluted":true}}}'],
    ['a constructor key spelled with an escape', '{"constructo\\u0072":{"prototype":{}}}'],
  ] as const) {
    it(`refuses ${name} with 400, as Fastify's parser does`, async () => {
      assertProblem(await post(payload), 400, 'VALIDATION_FAILED');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }

  it('reads the words __proto__ and constructor in values, and escapes, as before', async () => {
    const payload = '{"a":"the constructor","b":"__proto__","c":"caf\\u00e9"}';
    const response = await post(payload);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      body: { a: 'the constructor', b: '__proto__', c: 'café' },
      plainPrototype: true,
    });
  });

  it('strips a byte order mark, and refuses malformed and empty bodies with 400', async () => {
    const bom = await post('\uFEFF{"a":1}');
    assert.equal(bom.statusCode, 200, bom.body);
    assert.deepEqual(bom.json(), { body: { a: 1 }, plainPrototype: true });
    assertProblem(await post('{"a":'), 400, 'VALIDATION_FAILED');
    assertProblem(await post(''), 400, 'VALIDATION_FAILED');
  });
});
