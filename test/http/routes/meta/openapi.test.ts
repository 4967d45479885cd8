/**
 * The OpenAPI document is one a generator can trust: every operation has a stable, unique
 * operationId; upload and convert declare their multipart and raw bodies; parameters with
 * defaults are optional; the headers clients act on are declared; tags follow a user's journey.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, tempDir, type TestApp } from '../../../helpers/app.js';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, unknown> }
  >;
  tags?: string[];
}
interface Media {
  schema: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
/** A media type's examples, however the document spells them. */
function examplesOf(media: Media | undefined): unknown[] {
  if (media === undefined) return [];
  const named = Object.values(media.examples ?? {}).map((example) => example.value);
  return media.example === undefined ? named : [media.example, ...named];
}
interface Schema {
  type?: string;
  format?: string;
  required?: string[];
  properties?: Record<string, Schema>;
}
interface Document {
  servers?: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

/** Every operation's id, as generated SDKs name their methods: changing one breaks clients. */
const OPERATION_IDS: Record<string, string> = {
  'POST /v1/documents': 'documents.create',
  'GET /v1/documents': 'documents.list',
  'POST /v1/documents/batch': 'documents.createBatch',
  'GET /v1/documents/{id}': 'documents.get',
  'PATCH /v1/documents/{id}': 'documents.update',
  'DELETE /v1/documents/{id}': 'documents.delete',
  'GET /v1/documents/{id}/file': 'documents.file.get',
  'GET /v1/documents/{id}/content': 'documents.content.get',
  'GET /v1/documents/{id}/chunks': 'documents.chunks.list',
  'POST /v1/documents/{id}/reprocess': 'documents.reprocess',
  'GET /v1/jobs': 'jobs.list',
  'GET /v1/jobs/{id}': 'jobs.get',
  'GET /v1/jobs/{id}/events': 'jobs.events.stream',
  'POST /v1/jobs/{id}/cancel': 'jobs.cancel',
  'POST /v1/jobs/{id}/retry': 'jobs.retry',
  'POST /v1/search': 'search.query',
  'POST /v1/rerank': 'rerank.create',
  'POST /v2/rerank': 'rerank.createV2',
  'POST /rerank': 'rerank.createTei',
  'POST /v1/similarity': 'similarity.create',
  'POST /v1/convert': 'convert.document',
  'POST /v1/convert/data': 'convert.data',
  'POST /v1/pii/detect': 'pii.detect',
  'POST /v1/pii/redact': 'pii.redact',
  'POST /v1/webhooks': 'webhooks.create',
  'GET /v1/webhooks': 'webhooks.list',
  'GET /v1/webhooks/{id}': 'webhooks.get',
  'DELETE /v1/webhooks/{id}': 'webhooks.delete',
  'GET /v1/webhooks/{id}/deliveries': 'webhooks.deliveries.list',
  'POST /v1/admin/api-keys': 'admin.apiKeys.create',
  'GET /v1/admin/api-keys': 'admin.apiKeys.list',
  'DELETE /v1/admin/api-keys/{id}': 'admin.apiKeys.revoke',
  'GET /v1/admin/stats': 'admin.stats.get',
  'GET /v1/admin/audit-log': 'admin.auditLog.list',
  'GET /v1/whoami': 'meta.whoami',
  'GET /livez': 'meta.livez',
  'GET /readyz': 'meta.readyz',
  'GET /health': 'meta.health',
  'GET /metrics': 'meta.metrics',
};

function operations(doc: Document): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      op,
    ]),
  );
}

function parameter(op: Operation, name: string): Parameter {
  const found = op.parameters?.find((p) => p.name === name);
  assert.ok(found, `parameter ${name}`);
  return found;
}

describe('GET /openapi.json for generators', () => {
  let t: TestApp;
  let doc: Document;
  before(async () => {
    // No web console here (an empty folder): GET / leads to /docs whether or not one is built.
    t = await buildTestApp({ QUIRE_CONSOLE_DIR: tempDir('quire-no-console-') });
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    doc = response.json();
  });

  it('names every operation with its stable, unique operationId', () => {
    const ids = Object.fromEntries(operations(doc).map(([name, op]) => [name, op.operationId]));
    assert.deepEqual(ids, OPERATION_IDS);
    const values = Object.values(ids);
    assert.equal(new Set(values).size, values.length, 'operationIds are unique');
  });

  it('POST /v1/documents takes a multipart upload or JSON, with examples', () => {
    const content = doc.paths['/v1/documents']!.post!.requestBody!.content;
    assert.deepEqual(Object.keys(content).sort(), ['application/json', 'multipart/form-data']);
    const form = content['multipart/form-data']!.schema;
    assert.deepEqual(form.required, ['file']);
    assert.equal(form.properties?.file?.format, 'binary');
    for (const field of ['title', 'tags', 'metadata', 'password'])
      assert.equal(form.properties?.[field]?.type, 'string', field);
    const json = content['application/json']!.schema;
    assert.ok(json.properties?.url && json.properties.text);
    assert.equal(examplesOf(content['application/json']).length, 2, 'a URL and a text example');
  });

  it('POST /v1/search documents its query language and `strict`', () => {
    const media = doc.paths['/v1/search']!.post!.requestBody!.content['application/json']!;
    const query = media.schema.properties?.query as Schema & { description?: string };
    for (const operator of ['"exact phrase"', 'prefix*', '-exclude', 'OR', 'title:', 'heading:'])
      assert.ok(query.description?.includes(operator), operator);
    const strict = media.schema.properties?.strict as { anyOf?: Schema[]; description?: string };
    assert.equal(strict.anyOf?.[0]?.type, 'boolean');
    assert.match(strict.description ?? '', /400/);
    assert.ok(
      examplesOf(media).some((example) => /"|\*|title:/.test(JSON.stringify(example))),
      'an example uses the query language',
    );
  });

  it('POST /v1/convert takes a multipart form or the raw file', () => {
    const content = doc.paths['/v1/convert']!.post!.requestBody!.content;
    assert.ok(content['multipart/form-data'], 'multipart');
    assert.equal(content['multipart/form-data']!.schema.properties?.file?.format, 'binary');
    assert.ok(content['multipart/form-data']!.schema.properties?.password);
    assert.equal(content['application/octet-stream']?.schema.format, 'binary');
    assert.equal(content['application/pdf']?.schema.format, 'binary');
  });

  it('leaves parameters with defaults optional', () => {
    const list = doc.paths['/v1/documents']!.get!;
    for (const name of ['limit', 'sort', 'cursor'])
      assert.notEqual(parameter(list, name).required, true, name);
    assert.notEqual(parameter(doc.paths['/v1/documents']!.post!, 'dedupe').required, true);
    assert.notEqual(parameter(doc.paths['/v1/convert/data']!.post!, 'infer_types').required, true);
    for (const [name, op] of operations(doc)) {
      for (const p of op.parameters ?? []) {
        if (p.in === 'query' && p.required === true) {
          const schema = (p as { schema?: { default?: unknown } }).schema;
          assert.equal(
            schema?.default,
            undefined,
            `${name} ?${p.name} has a default yet is required`,
          );
        }
      }
    }
  });

  it('declares the response headers clients act on', () => {
    const create = doc.paths['/v1/documents']!.post!.responses;
    assert.ok(create['202']!.headers?.Location, 'Location on 202');
    assert.ok(create['202']!.headers?.['Idempotent-Replayed'], 'Idempotent-Replayed');
    assert.ok(create['202']!.headers?.['RateLimit-Remaining'], 'RateLimit-* on success');
    assert.ok(create['429']!.headers?.['Retry-After'], 'Retry-After on 429');
    assert.ok(create['400']!.headers?.['X-Request-ID'], 'X-Request-ID everywhere');
    assert.ok(doc.paths['/v1/documents/{id}']!.get!.responses['200']!.headers?.ETag);
    const file = doc.paths['/v1/documents/{id}/file']!.get!.responses;
    assert.ok(file['200']!.headers?.ETag);
    assert.ok(file['206']!.headers?.['Content-Range']);
    assert.equal(
      doc.paths['/livez']!.get!.responses['200']!.headers?.['RateLimit-Limit'],
      undefined,
    );
  });

  it('orders tags as a user meets them, each described, and says where the server is', () => {
    assert.deepEqual(
      doc.tags.map((tag) => tag.name),
      ['documents', 'jobs', 'search', 'rerank', 'convert', 'pii', 'webhooks', 'admin', 'meta'],
    );
    for (const tag of doc.tags) assert.ok(tag.description, tag.name);
    const used = new Set(operations(doc).flatMap(([, op]) => op.tags ?? []));
    assert.deepEqual([...used].sort(), doc.tags.map((tag) => tag.name).sort());
    assert.ok((doc.servers ?? []).some((server) => server.url === '/'));
  });

  it('has examples on the main request bodies', () => {
    for (const path of ['/v1/search', '/v1/rerank']) {
      const media = doc.paths[path]!.post!.requestBody!.content['application/json'];
      assert.ok(examplesOf(media).length > 0, path);
    }
  });

  it('/docs is branded as Quire, and GET / leads there', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Quire API reference<\/title>/);
    // swagger-ui's own logo is replaced by Quire's, inlined by its initializer script.
    const script = await t.app.inject({
      method: 'GET',
      url: '/docs/static/swagger-initializer.js',
    });
    const logo = /data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(script.body);
    assert.ok(logo?.[1], 'a logo is set');
    assert.match(Buffer.from(logo[1], 'base64').toString(), />Quire</);
    const home = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(home.statusCode, 302);
    assert.equal(home.headers.location, '/docs');
  });
});
