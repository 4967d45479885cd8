/**
 * The PassageVectorStore contract, with the SearchIndex's `nearest` that reads what it stores:
 * every SQL adapter passes these unchanged. Passages are written the way production writes them
 * (ContentStore.replace in a unit of work); vectors follow their passages (a replace or a deleted
 * document takes them), other models' vectors are ignored by `nearest` and replaced by `write`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqlDatabase } from '../../src/adapters/sql/database.js';
import type { PassageRecord } from '../../src/ports/content-store.js';
import type { PassageVectorStore } from '../../src/ports/passage-vectors.js';
import type { NearestQuery, SearchIndex } from '../../src/ports/search-index.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';

export interface PassageVectorsFactory {
  name: string;
  create(): Promise<{
    vectors: PassageVectorStore;
    index: SearchIndex;
    uow: UnitOfWork;
    database: SqlDatabase;
    dispose(): Promise<void>;
  }>;
}

const NOW = '2026-01-01T00:00:00.000Z';
const MODEL = 'bi-test';

/** A unit vector along `axis` of 4, tilted towards axis 3 by `tilt`. */
function unit(axis: number, tilt = 0): Float32Array {
  const vector = new Float32Array(4);
  vector[axis] = 1;
  vector[3] = (vector[3] ?? 0) + tilt;
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

export function passageVectorsContract(factory: PassageVectorsFactory): void {
  describe(`PassageVectorStore contract: ${factory.name}`, () => {
    let fixture: Awaited<ReturnType<PassageVectorsFactory['create']>>;

    async function addDocument(id: string, texts: string[], tenant = 'acme', status = 'ready') {
      await fixture.database.db
        .insertInto('documents')
        .values({
          id,
          tenant_id: tenant,
          title: id,
          title_key: id,
          status,
          media_type: 'text/plain',
          size_bytes: 1,
          sha256: null,
          filename: null,
          page_count: texts.length,
          tags: '[]',
          metadata: '{}',
          source_type: 'text',
          source_url: null,
          extracted: '{}',
          error: null,
          created_at: NOW,
          updated_at: NOW,
        })
        .execute();
      await replace(id, texts, tenant);
    }

    async function replace(id: string, texts: string[], tenant = 'acme', suffix = '') {
      const passages: PassageRecord[] = texts.map((text, i) => ({
        id: `chk_${id}_${i}${suffix}`,
        document_id: id,
        tenant_id: tenant,
        page: i + 1,
        ordinal: i,
        text,
        word_count: text.split(/\s+/).length,
        page_end: i + 1,
        start: 0,
        end: text.length,
        heading_path: [],
        navigation: false,
      }));
      const pages = texts.map((text, i) => ({ number: i + 1, text, markdown: text }));
      await fixture.uow.run((stores) => stores.content.replace(tenant, id, pages, passages));
    }

    const nearest = async (
      vector: Float32Array,
      extra: Partial<NearestQuery> = {},
      tenant = 'acme',
    ) =>
      (
        await fixture.index.nearest(tenant, {
          vector,
          model: MODEL,
          limit: 10,
          filters: {},
          text: 'lamp',
          ...extra,
        })
      ).hits;

    before(async () => {
      fixture = await factory.create();
      await fixture.database.db
        .insertInto('tenants')
        .values([
          { id: 'acme', name: 'Acme', created_at: NOW },
          { id: 'other', name: 'Other', created_at: NOW },
        ])
        .execute();
      await addDocument('doc_a', ['The lamp burns oil.', 'Ships pass the coast.', 'Gulls cry.']);
      await addDocument('doc_b', ['A lamp of the other tenant.'], 'other');
      await addDocument('doc_c', ['An unfinished passage.'], 'acme', 'processing');
    });
    after(() => fixture.dispose());

    it('lists passages without a vector, stores vectors of passages that exist only', async () => {
      assert.deepEqual(await fixture.vectors.missing('acme', 'doc_a', MODEL), [
        'chk_doc_a_0',
        'chk_doc_a_1',
        'chk_doc_a_2',
      ]);
      const due = await fixture.vectors.documentsMissing(MODEL, 10);
      assert.deepEqual(
        due.map((entry) => entry.document_id).sort(),
        ['doc_a', 'doc_b'],
        'ready documents only',
      );
      const stored = await fixture.vectors.write('acme', MODEL, [
        { passage_id: 'chk_doc_a_0', vector: unit(0) },
        { passage_id: 'chk_doc_a_1', vector: unit(1) },
        { passage_id: 'chk_doc_a_2', vector: unit(2) },
        { passage_id: 'chk_gone', vector: unit(0) },
        { passage_id: 'chk_doc_b_0', vector: unit(0) }, // another tenant's passage
      ]);
      assert.equal(stored, 3);
      assert.deepEqual(await fixture.vectors.missing('acme', 'doc_a', MODEL), []);
      assert.deepEqual(
        (await fixture.vectors.documentsMissing(MODEL, 10)).map((entry) => entry.document_id),
        ['doc_b'],
      );
    });

    it('finds the nearest by cosine, best first, with highlights of the query words', async () => {
      const hits = await nearest(unit(1, 0.1), { limit: 2 });
      assert.deepEqual(
        hits.map((hit) => hit.passage_id),
        ['chk_doc_a_1', 'chk_doc_a_0'],
      );
      assert.ok(Math.abs((hits[0]?.score ?? 0) - 1 / Math.hypot(1, 0.1)) < 1e-6);
      assert.equal(hits[1]?.text, 'The lamp burns oil.');
      assert.deepEqual(hits[1]?.highlights, [{ start: 4, end: 8 }]);
      assert.deepEqual(hits[0]?.highlights, [], 'no query word in that passage');
    });

    it('keeps to the tenant, ready documents, the filters and the model', async () => {
      await fixture.vectors.write('other', MODEL, [{ passage_id: 'chk_doc_b_0', vector: unit(0) }]);
      assert.ok((await nearest(unit(0))).every((hit) => hit.document_id === 'doc_a'));
      assert.deepEqual(
        (await nearest(unit(0), {}, 'other')).map((hit) => hit.passage_id),
        ['chk_doc_b_0'],
      );
      assert.deepEqual(await nearest(unit(0), { filters: { document_ids: ['doc_c'] } }), []);
      assert.deepEqual(await nearest(unit(0), { model: 'another-model' }), []);
      assert.deepEqual(
        await nearest(new Float32Array([1, 0, 0, 0, 0])),
        [],
        'vectors of other dimensions are not compared',
      );
    });

    it('replaces a vector of another model, and loses vectors with their passages', async () => {
      assert.equal(
        await fixture.vectors.write('acme', 'another-model', [
          { passage_id: 'chk_doc_a_0', vector: unit(3) },
        ]),
        1,
      );
      assert.deepEqual(await fixture.vectors.missing('acme', 'doc_a', MODEL), ['chk_doc_a_0']);
      assert.deepEqual(
        (await nearest(unit(3), { model: 'another-model' })).map((hit) => hit.passage_id),
        ['chk_doc_a_0'],
      );
      await replace('doc_a', ['The lamp burns oil.', 'Ships pass the coast.'], 'acme', 'x');
      assert.deepEqual(await nearest(unit(1)), [], 're-cut passages have no vectors');
      assert.deepEqual(await fixture.vectors.missing('acme', 'doc_a', MODEL), [
        'chk_doc_a_0x',
        'chk_doc_a_1x',
      ]);
      await fixture.vectors.write('acme', MODEL, [{ passage_id: 'chk_doc_a_1x', vector: unit(1) }]);
      await fixture.database.db.deleteFrom('documents').where('id', '=', 'doc_a').execute();
      const left = await fixture.database.db
        .selectFrom('passage_vectors')
        .select('passage_id')
        .where('tenant_id', '=', 'acme')
        .execute();
      assert.deepEqual(left, [], 'deleting the document took its vectors');
    });
  });
}
