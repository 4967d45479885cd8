/**
 * The SearchIndex contract: every adapter must pass these, unchanged. Passages reach the index
 * only the way production writes them (ContentStore.replace inside a unit of work) and leave it
 * only through deleteForDocument, so the suite proves the index follows the passages'
 * transactions, not that some separate write path works.
 *
 * Indexing is the database's step, not TypeScript's: the SQLite adapter's FTS5 table is kept by
 * triggers on `passages` (src/migrations/sqlite/0007-search.ts), the PostgreSQL one by a generated
 * tsvector column with a GIN index (src/migrations/postgres/0007-search.ts). The tests below name
 * what those do: a passage is findable when the replace that wrote it commits, gone with a
 * rolled-back replace, replaced with its document's content, and gone when its document is.
 */
import assert from 'node:assert/strict';
import { parseQuery } from '../../src/domain/query-parser.js';
import { tokenize } from '../../src/shared/tokenize.js';
import { after, before, describe, it } from 'node:test';
import type { SqlDatabase } from '../../src/adapters/sql/database.js';
import type { PassageRecord } from '../../src/ports/content-store.js';
import type { SearchFilters, SearchHit, SearchIndex } from '../../src/ports/search-index.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';

export interface SearchIndexFactory {
  name: string;
  create(): Promise<{
    index: SearchIndex;
    uow: UnitOfWork;
    database: SqlDatabase;
    dispose(): Promise<void>;
  }>;
}

interface DocSpec {
  id: string;
  tenant?: string;
  status?: string;
  media_type?: string;
  tags?: string[];
  /** Passage texts, one per page from page 1. */
  passages: string[];
}

const NOW = '2026-01-01T00:00:00.000Z';

export function searchIndexContract(factory: SearchIndexFactory): void {
  describe(`SearchIndex contract: ${factory.name}`, () => {
    let index: SearchIndex;
    let uow: UnitOfWork;
    let database: SqlDatabase;
    let dispose: () => Promise<void>;

    async function addDocument(spec: DocSpec): Promise<void> {
      const tenant = spec.tenant ?? 'acme';
      const tags = spec.tags ?? [];
      await database.db
        .insertInto('documents')
        .values({
          id: spec.id,
          tenant_id: tenant,
          title: spec.id,
          title_key: spec.id,
          status: spec.status ?? 'ready',
          media_type: spec.media_type ?? 'text/plain',
          size_bytes: 1,
          sha256: null,
          filename: null,
          page_count: spec.passages.length,
          tags: JSON.stringify(tags),
          metadata: '{}',
          source_type: 'text',
          source_url: null,
          extracted: '{}',
          error: null,
          created_at: NOW,
          updated_at: NOW,
        })
        .execute();
      if (tags.length > 0) {
        await database.db
          .insertInto('document_tags')
          .values(tags.map((tag) => ({ document_id: spec.id, tenant_id: tenant, tag })))
          .execute();
      }
      const passages: PassageRecord[] = spec.passages.map((text, i) => ({
        id: `chk_${spec.id}_${i}`,
        document_id: spec.id,
        tenant_id: tenant,
        page: i + 1,
        ordinal: i,
        text,
        word_count: text.split(/\s+/).filter(Boolean).length,
        page_end: i + 1,
        start: 0,
        end: text.length,
        heading_path: [],
        navigation: false,
      }));
      const pages = spec.passages.map((text, i) => ({ number: i + 1, text, markdown: text }));
      await uow.run((stores) => stores.content.replace(tenant, spec.id, pages, passages));
    }

    const search = async (
      text: string,
      filters: SearchFilters = {},
      limit = 10,
      tenant = 'acme',
    ): Promise<SearchHit[]> => (await index.search(tenant, { text, limit, filters })).hits;

    const ids = (hits: SearchHit[]): string[] => hits.map((hit) => hit.passage_id);

    before(async () => {
      ({ index, uow, database, dispose } = await factory.create());
      await database.db
        .insertInto('tenants')
        .values([
          { id: 'acme', name: 'Acme', created_at: NOW },
          { id: 'other', name: 'Other', created_at: NOW },
        ])
        .execute();
      await addDocument({
        id: 'doc_lighthouse',
        tags: ['maritime', 'history'],
        media_type: 'application/pdf',
        passages: [
          'Lighthouses once burned whale oil to guide ships along the coast.',
          'The keeper trimmed the wick every night; the lighthouse lamp never failed.',
          'Modern beacons use LED lamps and solar panels.',
        ],
      });
      await addDocument({
        id: 'doc_cafe',
        tags: ['food'],
        passages: ['Le café du coin sert un CAFÉ noir très fort.', 'Naïve tourists order tea.'],
      });
      await addDocument({
        id: 'doc_other_tenant',
        tenant: 'other',
        tags: ['maritime'],
        passages: ['A secret lighthouse whale report of the other tenant.'],
      });
      await addDocument({
        id: 'doc_processing',
        status: 'processing',
        passages: ['An unfinished lighthouse passage nobody may find yet.'],
      });
    });
    after(() => dispose());

    it('finds passages committed through ContentStore.replace, with page and text', async () => {
      const hits = await search('whale');
      assert.deepEqual(ids(hits), ['chk_doc_lighthouse_0']);
      const [hit] = hits;
      assert.equal(hit?.document_id, 'doc_lighthouse');
      assert.equal(hit?.page, 1);
      assert.equal(hit?.text, 'Lighthouses once burned whale oil to guide ships along the coast.');
      assert.ok(typeof hit?.score === 'number' && Number.isFinite(hit.score) && hit.score > 0);
    });

    it("never answers another tenant's passages", async () => {
      const hits = await search('secret lighthouse whale report');
      assert.ok(hits.length > 0);
      assert.ok(hits.every((hit) => hit.document_id !== 'doc_other_tenant'));
      const theirs = await search('secret', {}, 10, 'other');
      assert.deepEqual(ids(theirs), ['chk_doc_other_tenant_0']);
      assert.deepEqual(await search('secret', {}, 10, 'nobody'), []);
    });

    it('answers only ready documents', async () => {
      const hits = await search('unfinished nobody');
      assert.deepEqual(hits, []);
    });

    it('filters by document ids, all tags, and media type', async () => {
      assert.deepEqual(ids(await search('lighthouse', { document_ids: ['doc_cafe'] })), []);
      assert.deepEqual(
        ids(await search('whale café', { document_ids: ['doc_cafe', 'doc_missing'] })),
        ['chk_doc_cafe_0'],
      );
      assert.deepEqual(ids(await search('whale café', { tags: ['maritime', 'history'] })), [
        'chk_doc_lighthouse_0',
      ]);
      assert.deepEqual(ids(await search('whale café', { tags: ['maritime', 'food'] })), []);
      assert.deepEqual(ids(await search('whale café', { media_type: 'text/plain' })), [
        'chk_doc_cafe_0',
      ]);
      assert.deepEqual(ids(await search('whale', { document_ids: [] })), []);
    });

    it('ranks more occurrences and rarer words higher', async () => {
      // "lighthouse" appears in one passage twice-ish; "lamps"/"lamp" differ; use a controlled set.
      await addDocument({
        id: 'doc_rank',
        tags: ['rank'],
        passages: [
          'amber amber amber signal over the harbour',
          'amber signal over the harbour wall today',
          'common common common common common common',
          'common rare',
          'common words only here',
        ],
      });
      const often = await search('amber', { tags: ['rank'] });
      assert.deepEqual(ids(often), ['chk_doc_rank_0', 'chk_doc_rank_1']);
      assert.ok((often[0]?.score ?? 0) > (often[1]?.score ?? 0));

      const rare = await search('common rare', { tags: ['rank'] });
      assert.equal(rare[0]?.passage_id, 'chk_doc_rank_3');
      assert.equal(rare.length, 3);
    });

    it('highlights every matched word with UTF-16 offsets into the passage text', async () => {
      const [hit] = await search('CAFE noir');
      assert.equal(hit?.passage_id, 'chk_doc_cafe_0');
      const text = hit?.text ?? '';
      assert.deepEqual(
        hit?.highlights.map(({ start, end }) => text.slice(start, end)),
        ['café', 'CAFÉ', 'noir'],
      );
    });

    it('folds case and diacritics both ways', async () => {
      assert.deepEqual(ids(await search('Café')), ['chk_doc_cafe_0']);
      assert.deepEqual(ids(await search('cafe')), ['chk_doc_cafe_0']);
      assert.deepEqual(ids(await search('NAIVE')), ['chk_doc_cafe_1']);
      // Stemmed too: "LIGHTHOUSES" finds both passages that say "lighthouse".
      assert.deepEqual(ids(await search('LIGHTHOUSES')).sort(), [
        'chk_doc_lighthouse_0',
        'chk_doc_lighthouse_1',
      ]);
    });

    it('reads query syntax as plain words, never as operators or SQL', async () => {
      const attempts = [
        '"whale',
        'whale*',
        'NEAR(whale oil)',
        'text:whale',
        'whale & | ! ( ) oil',
        "whale' OR 1=1 --",
        'whale"); DROP TABLE passages; --',
        '-whale ^oil',
        '{whale} AND NOT oil',
        'whale:* <-> oil',
      ];
      for (const attempt of attempts) {
        const hits = await search(attempt);
        assert.equal(hits[0]?.passage_id, 'chk_doc_lighthouse_0', attempt);
        assert.ok(
          hits.every((hit) => hit.document_id !== 'doc_other_tenant'),
          attempt,
        );
      }
      // Punctuation only: no words, no hits, no error.
      for (const attempt of ['"', '*', '()', "'", '&|!', ':', '""""', ' ']) {
        assert.deepEqual(await search(attempt), [], attempt);
      }
      // The table is still there.
      assert.equal((await search('whale')).length, 1);
    });

    it('answers a parsed query: phrase, prefix, exclusion, and the title field after a retitle', async () => {
      const parsed = async (text: string): Promise<string[]> =>
        ids(
          (
            await index.search('acme', {
              text,
              parsed: parseQuery(text, tokenize, { strict: true }),
              limit: 10,
              filters: {},
            })
          ).hits,
        );
      assert.deepEqual(await parsed('"trimmed the wick"'), ['chk_doc_lighthouse_1']);
      assert.deepEqual(await parsed('"wick trimmed"'), []);
      assert.deepEqual(await parsed('whal*'), ['chk_doc_lighthouse_0']);
      assert.deepEqual(await parsed('lamp -keeper'), ['chk_doc_lighthouse_2']);
      assert.deepEqual((await parsed('whale OR panels')).sort(), [
        'chk_doc_lighthouse_0',
        'chk_doc_lighthouse_2',
      ]);
      assert.deepEqual(await parsed('title:breakfast'), []);
      await uow.run((stores) => stores.content.retitle('acme', 'doc_cafe', 'Paris breakfast'));
      assert.deepEqual((await parsed('title:breakfast')).sort(), [
        'chk_doc_cafe_0',
        'chk_doc_cafe_1',
      ]);
      assert.deepEqual(await parsed('tea -title:breakfast'), []);
    });

    it('honours the limit, best first', async () => {
      const all = await search('the lighthouse lamp', {}, 10);
      assert.ok(all.length >= 3);
      const two = await search('the lighthouse lamp', {}, 2);
      assert.deepEqual(ids(two), ids(all).slice(0, 2));
      for (let i = 1; i < all.length; i++) {
        assert.ok((all[i - 1]?.score ?? 0) >= (all[i]?.score ?? 0));
      }
    });

    it('forgets a document when its content is deleted, and follows a replace', async () => {
      await addDocument({ id: 'doc_gone', passages: ['zanzibar ostrich parade'] });
      assert.deepEqual(ids(await search('zanzibar')), ['chk_doc_gone_0']);
      await uow.run((stores) =>
        stores.content.replace(
          'acme',
          'doc_gone',
          [{ number: 1, text: 'x', markdown: 'x' }],
          [
            {
              id: 'chk_doc_gone_new',
              document_id: 'doc_gone',
              tenant_id: 'acme',
              page: 1,
              ordinal: 0,
              text: 'quokka picnic',
              word_count: 2,
              page_end: 1,
              start: 0,
              end: 0,
              heading_path: [],
              navigation: false,
            },
          ],
        ),
      );
      assert.deepEqual(await search('zanzibar'), []);
      assert.deepEqual(ids(await search('quokka')), ['chk_doc_gone_new']);
      await uow.run((stores) => stores.content.deleteForDocument('acme', 'doc_gone'));
      assert.deepEqual(await search('quokka'), []);
    });

    it('a rolled-back replace leaves nothing in the index', async () => {
      await addDocument({ id: 'doc_rollback', passages: ['placeholder'] });
      await assert.rejects(
        uow.run(async (stores) => {
          await stores.content.replace(
            'acme',
            'doc_rollback',
            [],
            [
              {
                id: 'chk_rb',
                document_id: 'doc_rollback',
                tenant_id: 'acme',
                page: 1,
                ordinal: 0,
                text: 'wombat',
                word_count: 1,
                page_end: 1,
                start: 0,
                end: 6,
                heading_path: [],
                navigation: false,
              },
            ],
          );
          throw new Error('abort');
        }),
      );
      assert.deepEqual(await search('wombat'), []);
      assert.deepEqual(ids(await search('placeholder')), ['chk_doc_rollback_0']);
    });

    it('forgets passages removed by deleting the document row (cascade)', async () => {
      await addDocument({ id: 'doc_cascade', passages: ['platypus'] });
      assert.equal((await search('platypus')).length, 1);
      await database.db.deleteFrom('documents').where('id', '=', 'doc_cascade').execute();
      assert.deepEqual(await search('platypus'), []);
    });
  });
}
