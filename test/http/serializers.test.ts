/**
 * Response serializers (src/http/serializers.ts): the simple unions of response schemas reach
 * fast-json-stringify as `nullable` fields and plain types, so it needs no ajv validator (compiled
 * lazily, on the first answer after start) to pick a branch; the answers are the same JSON, and
 * the schemas OpenAPI and the validators read keep their `anyOf`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Type } from 'typebox';
import { forSerialization } from '../../src/http/serializers.js';
import {
  BatchResult,
  CreatedDocument,
  DocumentList,
  DocumentView,
  JobView,
} from '../../src/http/schemas/documents.js';
import { JobList } from '../../src/http/schemas/jobs.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

/** Every `anyOf` left in a schema, by its JSON path. */
function unionsIn(schema: unknown, path = '$'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const found = 'anyOf' in schema ? [path] : [];
  for (const [key, value] of Object.entries(schema)) {
    found.push(...unionsIn(value, `${path}.${key}`));
  }
  return found;
}

describe('response serializers', () => {
  it('leave no anyOf in the views a document and its jobs are read with', () => {
    for (const view of [DocumentView, JobView, CreatedDocument, DocumentList, JobList]) {
      assert.ok(unionsIn(view).length > 0, 'the view has unions to rewrite');
      assert.deepEqual(unionsIn(forSerialization(view)), []);
    }
  });

  it('write a nullable field as `nullable`, a literal union as its type, and keep the rest', () => {
    const serialized = forSerialization(DocumentView);
    const properties = serialized.properties as Record<string, Record<string, unknown>>;
    assert.equal(properties.media_type?.type, 'string');
    assert.equal(properties.media_type?.nullable, true);
    assert.equal(properties.size_bytes?.type, 'integer');
    assert.equal(properties.size_bytes?.nullable, true);
    assert.match(String(properties.size_bytes?.description), /null while/);
    assert.deepEqual(properties.status, { type: 'string' }); // the literals dropped
    const job = (forSerialization(CreatedDocument).properties as Record<string, Schema>).job;
    assert.equal(job?.type, 'object');
    assert.equal(job?.nullable, true);
    // A branch without a type stays a union: `nullable` alone is no schema ajv takes.
    const untyped = forSerialization(
      Type.Object({ any: Type.Union([Type.Unknown(), Type.Null()]) }),
    ).properties as Record<string, Schema>;
    assert.equal(Array.isArray(untyped.any?.anyOf), true);
    // Two object shapes: the serializer still has to tell them apart.
    const results = (forSerialization(BatchResult).properties as Record<string, Schema>).results;
    assert.equal((results?.items as Schema).anyOf instanceof Array, true);
  });

  it('leave the schemas OpenAPI and the validators read as they were', () => {
    const before = JSON.stringify(DocumentView);
    forSerialization(DocumentView);
    assert.equal(JSON.stringify(DocumentView), before);
    assert.ok(unionsIn(DocumentView).includes('$.properties.media_type'));
  });

  describe('through HTTP', () => {
    let t: TestApp;
    const Shape = Type.Object({
      name: Type.Union([Type.String(), Type.Null()]),
      count: Type.Union([Type.Integer(), Type.Null()]),
      status: Type.Union([Type.Literal('queued'), Type.Literal('ready')]),
      child: Type.Union([Type.Object({ id: Type.String() }), Type.Null()]),
      either: Type.Union([
        Type.Object({ a: Type.String() }),
        Type.Object({ b: Type.Integer() }, { additionalProperties: false }),
      ]),
    });
    const values = [
      { name: 'x', count: 3, status: 'ready', child: { id: 'c1' }, either: { a: 'one' } },
      { name: null, count: null, status: 'queued', child: null, either: { b: 2 } },
    ];

    before(async () => {
      t = await buildTestApp();
      t.app.get<{ Querystring: { i: number } }>(
        '/test/serialized',
        { schema: { response: { 200: Shape } } },
        async (request) => ({ ...values[Number(request.query.i)], dropped: 'not in the schema' }),
      );
    });

    it('answer the values, nulls included, and drop what the schema leaves out', async () => {
      for (const [i, value] of values.entries()) {
        const response = await t.app.inject({ method: 'GET', url: `/test/serialized?i=${i}` });
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json(), value);
      }
    });

    it('answer the OpenAPI document with the unions as they were written', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(response.statusCode, 200);
      const document = response.json() as { components?: unknown; paths?: unknown };
      const text = JSON.stringify(document);
      assert.ok(text.includes('"anyOf"'));
      assert.ok(!text.includes('"nullable"'));
    });
  });
});

type Schema = Record<string, unknown>;
