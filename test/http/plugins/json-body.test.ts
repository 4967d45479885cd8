/**
 * The JSON body parser (src/http/json-body-parser.ts): clean bodies skip secure-json-parse's
 * regular expressions (the parsed value's objects are walked instead), and every body that holds
 * a `__proto__` key or a `constructor` key with a `prototype`, in any spelling and at any depth,
 * still meets Fastify's own parser and its refusal — through HTTP.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { holdsPoisonedKey } from '../../../src/http/json-body-parser.js';
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

  it('finds the keys secure-json-parse refuses in a parsed value, at any depth, and only those', () => {
    const holds = (text: string) => holdsPoisonedKey(JSON.parse(text));
    assert.equal(holds('{"query":"a","documents":["b","c"]}'), false);
    assert.equal(holds('"a string"'), false);
    assert.equal(holds('null'), false);
    assert.equal(holds('{"a":"__proto__","b":"constructor","c":["__proto__"]}'), false);
    assert.equal(holds('{"__proto__":{}}'), true);
    assert.equal(holds('{"\\u005f_proto__":{}}'), true);
    assert.equal(holds('[1,{"a":[{"b":{"__proto__":1}}]}]'), true);
    assert.equal(holds('{"constructor":{"prototype":{}}}'), true);
    assert.equal(holds('{"a":[{"c\\u006fnstructor":{"prototype":null}}]}'), true);
    // secure-json-parse refuses a constructor only when it is an object with a prototype
    assert.equal(holds('{"constructor":{}}'), false);
    assert.equal(holds('{"constructor":"x","prototype":{}}'), false);
    assert.equal(holds('{"constructor":null}'), false);
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
    ['a __proto__ key deep in an array', '{"documents":["a",{"b":[{"__proto__":{"x":1}}]}]}'],
    ['a constructor key deep in an array', '[[{"constructor":{"prototype":{"x":1}}}]]'],
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

  it("accepts a constructor key without a prototype, as Fastify's parser does", async () => {
    const payload = '{"constructor":{"name":"x"},"a":[{"constructor":"y"}]}';
    const response = await post(payload);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { body: JSON.parse(payload), plainPrototype: true });
  });

  it('strips a byte order mark, and refuses malformed and empty bodies with 400', async () => {
    const bom = await post('\uFEFF{"a":1}');
    assert.equal(bom.statusCode, 200, bom.body);
    assert.deepEqual(bom.json(), { body: { a: 1 }, plainPrototype: true });
    assertProblem(await post('{"a":'), 400, 'VALIDATION_FAILED');
    assertProblem(await post(''), 400, 'VALIDATION_FAILED');
  });
});
