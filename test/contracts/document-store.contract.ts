/**
 * The DocumentStore and BlobRefStore contracts, for every adapter: records round-trip whole;
 * another tenant's document does not exist (get, find, list, update, delete); list pages with
 * keyset cursors through every sort, ties broken by id, and every filter; counts span tenants;
 * blob reference counts go up and down and never below zero.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/shared/ids.js';
import {
  DOCUMENT_SORTS,
  type BlobRefStore,
  type DocumentCursor,
  type DocumentFilter,
  type DocumentRecord,
  type DocumentSort,
  type DocumentStore,
} from '../../src/ports/document-store.js';

export interface DocumentStoreFixture {
  documents: DocumentStore;
  blobRefs: BlobRefStore;
  /** Creates the tenant row documents refer to. */
  ensureTenant(id: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface DocumentStoreFactory {
  name: string;
  create(): Promise<DocumentStoreFixture>;
}

export function documentRecord(
  tenantId: string,
  overrides: Partial<DocumentRecord> = {},
): DocumentRecord {
  const at = new Date().toISOString();
  return {
    id: newId('doc', Date.now()),
    tenant_id: tenantId,
    title: 'Untitled',
    status: 'ready',
    media_type: 'text/plain',
    size_bytes: 100,
    sha256: null,
    filename: null,
    page_count: null,
    tags: [],
    metadata: {},
    source: { type: 'text' },
    extracted: { word_count: 0 },
    error: null,
    parent_id: null,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

/** The order a sort promises: by its value (titles case-insensitively), ties by id. */
function expectedOrder(documents: DocumentRecord[], sort: DocumentSort): string[] {
  const field = sort.replace(/^-/, '');
  const key = (d: DocumentRecord): string | number =>
    field === 'title' ? d.title.toLowerCase() : field === 'size' ? d.size_bytes : d.created_at;
  const compare = (a: DocumentRecord, b: DocumentRecord): number => {
    const [ka, kb] = [key(a), key(b)];
    if (ka !== kb) return ka < kb ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
  const sorted = [...documents].sort(compare).map((d) => d.id);
  return sort.startsWith('-') ? sorted.reverse() : sorted;
}

const seconds = (base: string, n: number): string =>
  new Date(Date.parse(base) + n * 1000).toISOString();

export function documentStoreContract(factory: DocumentStoreFactory): void {
  describe(`DocumentStore contract: ${factory.name}`, () => {
    let fixture: DocumentStoreFixture;
    let documents: DocumentStore;
    before(async () => {
      fixture = await factory.create();
      documents = fixture.documents;
    });
    after(() => fixture.dispose());

    async function tenant(): Promise<string> {
      const id = `t-${newId('x', Date.now()).slice(-12)}`;
      await fixture.ensureTenant(id);
      return id;
    }

    async function insertAll(records: DocumentRecord[]): Promise<DocumentRecord[]> {
      for (const record of records) await documents.insert(record);
      return records;
    }

    /** Every page of a list, following cursors; checks each cursor names the page's last id. */
    async function walk(
      tenantId: string,
      filter: DocumentFilter,
      sort: DocumentSort,
      limit: number,
    ): Promise<string[]> {
      const ids: string[] = [];
      let after: DocumentCursor | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await documents.list(tenantId, filter, sort, limit, after);
        assert.ok(page.data.length <= limit, `a page holds at most ${limit}`);
        ids.push(...page.data.map((d) => d.id));
        if (page.next === null) return ids;
        assert.equal(page.data.length, limit, 'only a full page has a next cursor');
        assert.equal(page.next.id, page.data[page.data.length - 1]?.id);
        after = page.next;
      }
      assert.fail('the cursors never reached the end');
    }

    it('stores a document and reads it back whole', async () => {
      const a = await tenant();
      const full = documentRecord(a, {
        title: 'Quarterly Report — Ünïcode ✓',
        status: 'failed',
        media_type: 'application/pdf',
        size_bytes: 5_000_000_000, // beyond 32 bits
        sha256: 'f'.repeat(64),
        filename: 'report.pdf',
        page_count: 12,
        tags: ['finance', 'q1'],
        metadata: { owner: { name: 'Ann', ids: [1, 2] }, draft: false, note: null },
        source: { type: 'url', url: 'https://example.com/report.pdf' },
        extracted: { word_count: 1234, title: 'Report', language: 'en', needs_ocr: true },
        error: { code: 'DOCUMENT_CORRUPT', message: 'bad xref' },
        created_at: '2030-05-06T07:08:09.123Z',
        updated_at: '2030-05-06T07:08:10.456Z',
      });
      const minimal = documentRecord(a, { media_type: null, source: { type: 'upload' } });
      await insertAll([full, minimal]);
      assert.deepEqual(await documents.get(a, full.id), full);
      assert.deepEqual(await documents.get(a, minimal.id), minimal);
      assert.equal(await documents.get(a, 'doc_missing'), null);
    });

    it('another tenant’s document does not exist', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const mine = documentRecord(a, { sha256: 'a'.repeat(64), tags: ['shared'] });
      await documents.insert(mine);
      assert.equal(await documents.get(b, mine.id), null);
      assert.equal(await documents.findBySha256(b, mine.sha256 as string), null);
      assert.deepEqual((await documents.list(b, {}, 'created_at', 10)).data, []);
      assert.deepEqual((await documents.list(b, { tags: ['shared'] }, 'title', 10)).data, []);
      assert.equal(await documents.update(b, mine.id, { title: 'taken' }, mine.updated_at), null);
      assert.equal(await documents.delete(b, mine.id), null);
      assert.deepEqual(await documents.get(a, mine.id), mine, 'untouched');
    });

    it('finds the tenant’s document with a given content hash', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const sha = 'b'.repeat(64);
      const ofA = documentRecord(a, { sha256: sha });
      const ofB = documentRecord(b, { sha256: sha });
      await insertAll([ofA, ofB, documentRecord(a, { sha256: 'c'.repeat(64) })]);
      assert.equal((await documents.findBySha256(a, sha))?.id, ofA.id);
      assert.equal((await documents.findBySha256(b, sha))?.id, ofB.id);
      assert.equal(await documents.findBySha256(a, 'd'.repeat(64)), null);
    });

    it('inserts one document per tenant and content: concurrent inserts of the same bytes make one', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const sha = 'e'.repeat(64);
      const racers = Array.from({ length: 6 }, () =>
        documentRecord(a, { sha256: sha, tags: ['raced'] }),
      );
      const holders = await Promise.all(
        racers.map((d) => documents.insertForContent({ ...d, sha256: sha })),
      );
      const winners = new Set(holders.map((holder) => holder.id));
      assert.equal(winners.size, 1, 'every racer is answered with the same document');
      const listed = await documents.list(a, { tags: ['raced'] }, 'title', 10);
      assert.deepEqual(
        listed.data.map((d) => d.id),
        [...winners],
        'one row, with its tags',
      );
      assert.equal((await documents.findBySha256(a, sha))?.id, [...winners][0]);
      // Another tenant has its own; plain inserts (dedupe=false) are not held back.
      const theirs = documentRecord(b, { sha256: sha });
      assert.equal((await documents.insertForContent({ ...theirs, sha256: sha })).id, theirs.id);
      const copy = documentRecord(a, { sha256: sha });
      await documents.insert(copy);
      assert.equal((await documents.findBySha256(a, sha))?.id, [...winners][0], 'the holder first');
      // The key goes with the row: deleted, the next insert holds the content.
      await documents.delete(a, [...winners][0] as string);
      const next = documentRecord(a, { sha256: sha });
      assert.equal((await documents.insertForContent({ ...next, sha256: sha })).id, next.id);
    });

    it('changes the status only from the expected one, once under concurrency', async () => {
      const a = await tenant();
      const failed = documentRecord(a, {
        status: 'failed',
        error: { code: 'DOCUMENT_ENCRYPTED', message: 'locked' },
      });
      await documents.insert(failed);
      const at = new Date().toISOString();
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          documents.changeStatus(a, failed.id, 'failed', { status: 'pending', error: null }, at),
        ),
      );
      const won = results.filter((result) => result !== null);
      assert.equal(won.length, 1);
      assert.deepEqual([won[0]?.status, won[0]?.error, won[0]?.updated_at], ['pending', null, at]);
      assert.equal((await documents.get(a, failed.id))?.status, 'pending');
      assert.equal(
        await documents.changeStatus(
          a,
          'doc_missing',
          'failed',
          { status: 'pending', error: null },
          at,
        ),
        null,
      );
    });

    it('lists in every sort, ties broken by id, through keyset cursors of any page size', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const base = '2031-01-01T00:00:00.000Z';
      // Ties in each sort: two titles equal but for case, sizes repeated, created_at repeated.
      const rows: [string, number, number][] = [
        ['alpha', 10, 0],
        ['Alpha', 10, 0],
        ['beta', 5, 1],
        ['Gamma', 20, 1],
        ['gamma', 5, 2],
        ['delta', 10, -1],
        ['Epsilon', 1, 1],
      ];
      const mine = await insertAll(
        rows.map(([title, size_bytes, second]) =>
          documentRecord(a, { title, size_bytes, created_at: seconds(base, second) }),
        ),
      );
      await insertAll([documentRecord(b, { title: 'alpha', size_bytes: 10, created_at: base })]);
      for (const sort of DOCUMENT_SORTS) {
        const expected = expectedOrder(mine, sort);
        for (const limit of [1, 2, 3, 6, 7, 50]) {
          assert.deepEqual(await walk(a, {}, sort, limit), expected, `${sort}, pages of ${limit}`);
        }
      }
    });

    it('says where the next page starts only when there is one', async () => {
      const a = await tenant();
      const mine = await insertAll([documentRecord(a), documentRecord(a), documentRecord(a)]);
      const exact = await documents.list(a, {}, '-created_at', 3);
      assert.equal(exact.data.length, 3);
      assert.equal(exact.next, null, 'an exactly full last page has no next cursor');
      const short = await documents.list(a, {}, 'size', 2);
      assert.equal(short.data.length, 2);
      assert.ok(short.next !== null);
      const rest = await documents.list(a, {}, 'size', 2, short.next);
      assert.equal(rest.data.length, 1);
      assert.equal(rest.next, null);
      assert.deepEqual(
        [...short.data, ...rest.data].map((d) => d.id).sort(),
        mine.map((d) => d.id).sort(),
      );
    });

    describe('filters', () => {
      let a: string;
      let docs: DocumentRecord[];
      const base = '2031-03-04T10:00:00.250Z';
      before(async () => {
        a = await tenant();
        const b = await tenant();
        docs = await insertAll(
          [
            ['Report 2024', 'ready', 'application/pdf', ['finance', 'q1']],
            ['report draft', 'processing', 'text/plain', ['finance']],
            ['Summary', 'ready', 'application/pdf', ['q1']],
            ['Reportage', 'failed', null, ['finance', 'q1', 'x']],
            ['XReport', 'ready', 'text/plain', []],
          ].map(([title, status, media_type, tags], i) =>
            documentRecord(a, {
              title,
              status,
              media_type,
              tags,
              created_at: seconds(base, i),
            } as Partial<DocumentRecord>),
          ),
        );
        await documents.insert(
          documentRecord(b, { title: 'Report other', tags: ['finance', 'q1'], created_at: base }),
        );
      });

      /** The positions in `docs` a filter lists, oldest first. */
      async function matching(filter: DocumentFilter): Promise<number[]> {
        const ids = await walk(a, filter, 'created_at', 2);
        return ids.map((id) => docs.findIndex((d) => d.id === id));
      }

      it('by status and media type', async () => {
        assert.deepEqual(await matching({}), [0, 1, 2, 3, 4]);
        assert.deepEqual(await matching({ status: 'ready' }), [0, 2, 4]);
        assert.deepEqual(await matching({ status: 'pending' }), []);
        assert.deepEqual(await matching({ media_type: 'application/pdf' }), [0, 2]);
      });

      it('by parent: the children of one document, for its tenant, and the parent kept', async () => {
        const parent = docs[0] as DocumentRecord;
        const children = [
          documentRecord(a, { title: 'child one', parent_id: parent.id, created_at: base }),
          documentRecord(a, { title: 'child two', parent_id: parent.id, created_at: base }),
        ];
        for (const child of children) await documents.insert(child);
        const listed = await documents.list(a, { parent_id: parent.id }, 'title', 10);
        assert.deepEqual(
          listed.data.map((d) => [d.title, d.parent_id]),
          [
            ['child one', parent.id],
            ['child two', parent.id],
          ],
        );
        assert.equal((await documents.get(a, parent.id))?.parent_id, null);
        assert.deepEqual(
          (await documents.list(a, { parent_id: 'doc_none' }, 'title', 10)).data,
          [],
        );
        const other = await tenant();
        assert.deepEqual(
          (await documents.list(other, { parent_id: parent.id }, 'title', 10)).data,
          [],
        );
        for (const child of children) await documents.delete(a, child.id);
      });

      it('by tags, all of which must match', async () => {
        assert.deepEqual(await matching({ tags: ['finance'] }), [0, 1, 3]);
        assert.deepEqual(await matching({ tags: ['finance', 'q1'] }), [0, 3]);
        assert.deepEqual(await matching({ tags: ['q1', 'finance', 'x'] }), [3]);
        assert.deepEqual(await matching({ tags: ['finance', 'finance'] }), [0, 1, 3]);
        assert.deepEqual(await matching({ tags: ['nope'] }), []);
        assert.deepEqual(await matching({ tags: [] }), [0, 1, 2, 3, 4]);
      });

      it('by creation time, strictly after and before', async () => {
        assert.deepEqual(await matching({ created_after: seconds(base, 1) }), [2, 3, 4]);
        assert.deepEqual(await matching({ created_before: seconds(base, 2) }), [0, 1]);
        assert.deepEqual(
          await matching({ created_after: seconds(base, 0), created_before: seconds(base, 3) }),
          [1, 2],
        );
      });

      it('by creation time given in any RFC 3339 form: the instant counts, not the text', async () => {
        // 10:00:01Z without fractions, and 10:00:03Z written in +02:00: each names an instant
        // between two documents, whatever the text would sort next to.
        assert.deepEqual(await matching({ created_after: '2031-03-04T10:00:01Z' }), [1, 2, 3, 4]);
        assert.deepEqual(
          await matching({ created_before: '2031-03-04T12:00:03+02:00' }),
          [0, 1, 2],
        );
        assert.deepEqual(
          await matching({ created_after: '2031-03-04T11:00:00.5+01:00' }),
          [1, 2, 3, 4],
        );
        // Finer than milliseconds: 01.250 is not after 01.2509, and 02.250 is before 02.2501.
        assert.deepEqual(await matching({ created_after: '2031-03-04T10:00:01.2509Z' }), [2, 3, 4]);
        assert.deepEqual(
          await matching({ created_before: '2031-03-04T10:00:02.2501Z' }),
          [0, 1, 2],
        );
      });

      it('by title prefix, case-insensitively', async () => {
        assert.deepEqual(await matching({ q: 'report' }), [0, 1, 3]);
        assert.deepEqual(await matching({ q: 'REPORT ' }), [0, 1]);
        assert.deepEqual(await matching({ q: 'sum' }), [2]);
        assert.deepEqual(await matching({ q: 'port' }), [], 'a prefix, not a substring');
        assert.deepEqual(await matching({ q: '' }), [0, 1, 2, 3, 4]);
      });

      it('combined, and paged in another sort', async () => {
        assert.deepEqual(await matching({ status: 'ready', tags: ['q1'], q: 'rep' }), [0]);
        const byTitle = await walk(a, { tags: ['finance'] }, '-title', 1);
        assert.deepEqual(
          byTitle,
          [3, 1, 0].map((i) => docs[i]?.id),
        );
      });
    });

    it('updates what the patch names, for its tenant, and the filters follow', async () => {
      const a = await tenant();
      const original = documentRecord(a, {
        title: 'Original',
        status: 'processing',
        tags: ['a', 'b'],
        filename: 'original.txt',
        sha256: 'e'.repeat(64),
        source: { type: 'url', url: 'https://example.com/o' },
      });
      await documents.insert(original);
      assert.equal(
        await documents.update(a, 'doc_missing', { title: 'x' }, original.created_at),
        null,
      );

      const at = new Date(Date.parse(original.updated_at) + 5000).toISOString();
      const patch = {
        title: 'Renamed',
        tags: ['b', 'c'],
        metadata: { reviewed: true },
        status: 'ready' as const,
        page_count: 3,
        extracted: { word_count: 42, author: 'Ann' },
      };
      const updated = await documents.update(a, original.id, patch, at);
      const expected: DocumentRecord = { ...original, ...patch, updated_at: at };
      assert.deepEqual(updated, expected);
      assert.deepEqual(await documents.get(a, original.id), expected);

      const ids = async (filter: DocumentFilter) =>
        (await documents.list(a, filter, 'created_at', 10)).data.map((d) => d.id);
      assert.deepEqual(await ids({ tags: ['a'] }), []);
      assert.deepEqual(await ids({ tags: ['b', 'c'] }), [original.id]);
      assert.deepEqual(await ids({ q: 'renamed' }), [original.id]);
      assert.deepEqual(await ids({ q: 'orig' }), []);

      // A patch without tags keeps them.
      const failed = await documents.update(
        a,
        original.id,
        { status: 'failed', error: { code: 'DOCUMENT_CORRUPT', message: 'broke' } },
        at,
      );
      assert.deepEqual(failed?.tags, ['b', 'c']);
      assert.deepEqual(await ids({ tags: ['c'] }), [original.id]);
    });

    it('deletes a document with its tags, for its tenant, once', async () => {
      const a = await tenant();
      const doomed = documentRecord(a, { tags: ['gone', 'soon'], sha256: '9'.repeat(64) });
      await documents.insert(doomed);
      assert.deepEqual(await documents.delete(a, doomed.id), doomed);
      assert.equal(await documents.get(a, doomed.id), null);
      assert.equal(await documents.findBySha256(a, doomed.sha256 as string), null);
      assert.deepEqual((await documents.list(a, { tags: ['gone'] }, 'title', 10)).data, []);
      assert.equal(await documents.delete(a, doomed.id), null);
      // Nothing of it is left behind: the same id and tags can be stored again.
      await documents.insert(doomed);
      assert.deepEqual(await documents.get(a, doomed.id), doomed);
    });

    it('counts documents by status across tenants', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const before = await documents.countByStatus();
      const made = await insertAll([
        documentRecord(a, { status: 'pending' }),
        documentRecord(b, { status: 'pending' }),
        documentRecord(a, { status: 'processing' }),
        documentRecord(a, { status: 'ready' }),
        documentRecord(b, { status: 'ready' }),
        documentRecord(b, { status: 'ready' }),
        documentRecord(a, { status: 'failed' }),
      ]);
      const delta = async (): Promise<Record<string, number>> => {
        const now = await documents.countByStatus();
        return Object.fromEntries(
          ['pending', 'processing', 'ready', 'failed'].map((s) => [
            s,
            (now[s] ?? 0) - (before[s] ?? 0),
          ]),
        );
      };
      assert.deepEqual(await delta(), { pending: 2, processing: 1, ready: 3, failed: 1 });
      const first = made[0] as DocumentRecord;
      await documents.update(a, first.id, { status: 'ready' }, first.updated_at);
      await documents.delete(b, (made[5] as DocumentRecord).id);
      assert.deepEqual(await delta(), { pending: 1, processing: 1, ready: 3, failed: 1 });
    });

    it('counts the pages of ready documents across tenants', async () => {
      const [a, b] = [await tenant(), await tenant()];
      const before = await documents.countPages();
      const [, , processing] = await insertAll([
        documentRecord(a, { status: 'ready', page_count: 3 }),
        documentRecord(b, { status: 'ready', page_count: 4 }),
        documentRecord(a, { status: 'processing', page_count: 10 }),
        documentRecord(a, { status: 'ready', page_count: null }),
        documentRecord(b, { status: 'failed', page_count: 100 }),
      ]);
      assert.equal(await documents.countPages(), before + 7);
      if (processing === undefined) throw new Error('unreachable');
      await documents.update(a, processing.id, { status: 'ready' }, processing.updated_at);
      assert.equal(await documents.countPages(), before + 17);
    });
  });

  describe(`BlobRefStore contract: ${factory.name}`, () => {
    let fixture: DocumentStoreFixture;
    let blobRefs: BlobRefStore;
    before(async () => {
      fixture = await factory.create();
      blobRefs = fixture.blobRefs;
    });
    after(() => fixture.dispose());

    const sha = (): string => newId('sha', Date.now()).slice(-26).padEnd(64, '0');

    it('counts references up and down, returning the count after each change', async () => {
      const one = sha();
      assert.equal(await blobRefs.increment(one), 1);
      assert.equal(await blobRefs.increment(one), 2);
      assert.equal(await blobRefs.increment(one), 3);
      assert.equal(await blobRefs.decrement(one), 2);
      assert.equal(await blobRefs.decrement(one), 1);
      assert.equal(await blobRefs.decrement(one), 0);
    });

    it('never goes below zero, and a blob counted down to zero starts again at one', async () => {
      const one = sha();
      assert.equal(await blobRefs.decrement(one), 0, 'an unknown blob has no references');
      assert.equal(await blobRefs.increment(one), 1);
      assert.equal(await blobRefs.decrement(one), 0);
      assert.equal(await blobRefs.decrement(one), 0);
      assert.equal(await blobRefs.increment(one), 1);
    });

    it('keeps each blob’s count apart', async () => {
      const [x, y] = [sha(), sha()];
      await blobRefs.increment(x);
      await blobRefs.increment(x);
      assert.equal(await blobRefs.increment(y), 1);
      assert.equal(await blobRefs.decrement(y), 0);
      assert.equal(await blobRefs.decrement(x), 1);
    });
  });
}
