/**
 * The ContentStore contract, for every adapter: a document's pages and passages are replaced as a
 * whole (never two sets, never half of one); pages come in number order, after a number, at most
 * `limit`, only the numbers asked for; passages in ordinal order; another tenant's content does
 * not exist; deletion takes both and nothing of other documents. Pages staged before a replace are
 * no part of the document until it takes them (those it names, as staged; the stage then gone).
 * A page's Markdown comes back as written, whether it is the page's text, empty or neither.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/shared/ids.js';
import type { ContentStore, PageRecord, PassageRecord } from '../../src/ports/content-store.js';

export interface ContentStoreFixture {
  content: ContentStore;
  /** Creates the document (and its tenant) the content belongs to. */
  addDocument(tenantId: string, documentId: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface ContentStoreFactory {
  name: string;
  create(): Promise<ContentStoreFixture>;
}

function page(number: number, label = 'v1'): PageRecord {
  return {
    number,
    text: `${label} page ${number} — Ünïcode ✓`,
    markdown: `# ${label} page ${number}\n\n*text*`,
  };
}

function passage(
  tenantId: string,
  documentId: string,
  ordinal: number,
  label = 'v1',
): PassageRecord {
  return {
    id: newId('psg', Date.now()),
    document_id: documentId,
    tenant_id: tenantId,
    page: Math.floor(ordinal / 2) + 1,
    ordinal,
    text: `${label} passage ${ordinal}`,
    word_count: ordinal + 2,
    page_end: Math.floor(ordinal / 2) + 1,
    start: 0,
    end: 0,
    heading_path: [],
    navigation: false,
  };
}

const byOrdinal = (passages: PassageRecord[]): PassageRecord[] =>
  [...passages].sort((x, y) => x.ordinal - y.ordinal);

export function contentStoreContract(factory: ContentStoreFactory): void {
  describe(`ContentStore contract: ${factory.name}`, () => {
    let fixture: ContentStoreFixture;
    let content: ContentStore;
    before(async () => {
      fixture = await factory.create();
      content = fixture.content;
    });
    after(() => fixture.dispose());

    /** A new document of a new tenant. */
    async function document(tenantId = `t-${newId('x', Date.now()).slice(-12)}`) {
      const documentId = newId('doc', Date.now());
      await fixture.addDocument(tenantId, documentId);
      return { tenantId, documentId };
    }

    it('stores pages and passages and reads them back in order', async () => {
      const { tenantId, documentId } = await document();
      const pages = [page(3), page(1), page(2)];
      const passages = [3, 0, 2, 1].map((o) => passage(tenantId, documentId, o));
      await content.replace(tenantId, documentId, pages, passages);
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 100), [
        page(1),
        page(2),
        page(3),
      ]);
      assert.deepEqual(await content.passages(tenantId, documentId), byOrdinal(passages));
    });

    it('replaces both as a whole: nothing of the previous set remains', async () => {
      const { tenantId, documentId } = await document();
      await content.replace(
        tenantId,
        documentId,
        [page(1), page(2), page(3)],
        [0, 1, 2, 3].map((o) => passage(tenantId, documentId, o)),
      );
      const passages = [0, 1].map((o) => passage(tenantId, documentId, o, 'v2'));
      await content.replace(tenantId, documentId, [page(1, 'v2'), page(2, 'v2')], passages);
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 100), [
        page(1, 'v2'),
        page(2, 'v2'),
      ]);
      assert.deepEqual(await content.passages(tenantId, documentId), passages);

      await content.replace(tenantId, documentId, [], []);
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 100), []);
      assert.deepEqual(await content.passages(tenantId, documentId), []);
    });

    it('pages after a number, at most a limit, only the numbers asked for', async () => {
      const { tenantId, documentId } = await document();
      await content.replace(
        tenantId,
        documentId,
        [1, 2, 3, 4, 5, 6].map((n) => page(n)),
        [],
      );
      const numbers = async (after: number, limit: number, only?: number[]) =>
        (await content.pages(tenantId, documentId, after, limit, only)).map((p) => p.number);
      assert.deepEqual(await numbers(0, 2), [1, 2]);
      assert.deepEqual(await numbers(2, 2), [3, 4]);
      assert.deepEqual(await numbers(4, 10), [5, 6]);
      assert.deepEqual(await numbers(6, 10), []);
      assert.deepEqual(await numbers(0, 10, [5, 2, 9]), [2, 5], 'absent numbers are skipped');
      assert.deepEqual(await numbers(2, 10, [1, 2, 3, 6]), [3, 6], 'after still applies');
      assert.deepEqual(await numbers(0, 1, [4, 6]), [4], 'and so does the limit');
      assert.deepEqual(await numbers(0, 10, []), [], 'no numbers, no pages');
    });

    it('another tenant’s content does not exist', async () => {
      const { tenantId, documentId } = await document();
      const passages = [passage(tenantId, documentId, 0)];
      await content.replace(tenantId, documentId, [page(1)], passages);
      const { tenantId: other } = await document();
      assert.deepEqual(await content.pages(other, documentId, 0, 10), []);
      assert.deepEqual(await content.pages(other, documentId, 0, 10, [1]), []);
      assert.deepEqual(await content.passages(other, documentId), []);
      await content.deleteForDocument(other, documentId);
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 10), [page(1)], 'untouched');
      assert.deepEqual(await content.passages(tenantId, documentId), passages);
    });

    it('keeps each document’s content apart, and deletes one document’s whole', async () => {
      const one = await document();
      const two = await document(one.tenantId);
      const passagesOfTwo = [0, 1].map((o) => passage(two.tenantId, two.documentId, o, 'two'));
      await content.replace(
        one.tenantId,
        one.documentId,
        [page(1), page(2)],
        [0, 1, 2].map((o) => passage(one.tenantId, one.documentId, o)),
      );
      await content.replace(two.tenantId, two.documentId, [page(1, 'two')], passagesOfTwo);
      // Replacing one document's content leaves the other's.
      await content.replace(one.tenantId, one.documentId, [page(1, 'v3')], []);
      assert.deepEqual(await content.pages(two.tenantId, two.documentId, 0, 10), [page(1, 'two')]);

      await content.deleteForDocument(one.tenantId, one.documentId);
      assert.deepEqual(await content.pages(one.tenantId, one.documentId, 0, 10), []);
      assert.deepEqual(await content.passages(one.tenantId, one.documentId), []);
      assert.deepEqual(await content.pages(two.tenantId, two.documentId, 0, 10), [page(1, 'two')]);
      assert.deepEqual(await content.passages(two.tenantId, two.documentId), passagesOfTwo);
      await content.deleteForDocument(one.tenantId, one.documentId); // nothing left: no error
    });

    it('stores a large document whole (more rows than one statement carries)', async () => {
      const { tenantId, documentId } = await document();
      const pages = Array.from({ length: 1201 }, (_, i) => page(i + 1));
      const passages = Array.from({ length: 2503 }, (_, i) => passage(tenantId, documentId, i));
      await content.replace(tenantId, documentId, pages, passages);
      const read = await content.pages(tenantId, documentId, 0, 5000);
      assert.equal(read.length, pages.length);
      assert.deepEqual(read.at(-1), page(1201));
      assert.deepEqual(await content.passages(tenantId, documentId), passages);
    });

    it('a page whose Markdown is its text, or is empty, reads back as written, given or staged', async () => {
      const { tenantId, documentId } = await document();
      const given: PageRecord[] = [
        { number: 1, text: 'the same — ✓', markdown: 'the same — ✓' },
        { number: 2, text: 'words only', markdown: '' },
        { number: 3, text: '', markdown: '' },
        { number: 4, text: '', markdown: '# heading only' },
      ];
      // Restaged pages switch between the two forms: the last one staged is what counts.
      await content.stagePages(tenantId, documentId, 'stage-a', [
        { number: 5, text: 'five', markdown: 'five' },
        { number: 6, text: 'six', markdown: '*six*' },
      ]);
      const restaged: PageRecord[] = [
        { number: 5, text: 'five', markdown: '**five**' },
        { number: 6, text: 'six', markdown: 'six' },
      ];
      await content.stagePages(tenantId, documentId, 'stage-a', restaged);
      await content.replace(tenantId, documentId, given, [], '', {
        stage: 'stage-a',
        numbers: [5, 6],
      });
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 10), [...given, ...restaged]);
    });

    it('staged pages are no part of the document until a replace takes them', async () => {
      const { tenantId, documentId } = await document();
      await content.replace(tenantId, documentId, [page(1), page(2)], []);
      await content.stagePages(tenantId, documentId, 'stage-a', [page(3, 'v2'), page(1, 'v2')]);
      await content.stagePages(tenantId, documentId, 'stage-a', [page(2, 'v2'), page(4, 'v2')]);
      assert.equal(await content.stagedPageCount(tenantId, documentId), 4);
      // Readers still see the old set, whole.
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 10), [page(1), page(2)]);
      const { tenantId: other } = await document();
      assert.equal(await content.stagedPageCount(other, documentId), 0, 'another tenant’s');

      // The document takes staged pages 1-3 as staged and page 4 as given; the rest of the stage goes.
      const passages = [passage(tenantId, documentId, 0, 'v2')];
      await content.replace(tenantId, documentId, [page(4, 'cut')], passages, 'Title', {
        stage: 'stage-a',
        numbers: [2, 1, 3],
      });
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 10), [
        page(1, 'v2'),
        page(2, 'v2'),
        page(3, 'v2'),
        page(4, 'cut'),
      ]);
      assert.deepEqual(await content.passages(tenantId, documentId), passages);
      assert.equal(await content.stagedPageCount(tenantId, documentId), 0);
    });

    it('a page staged twice keeps the last; stages are dropped one or all at once', async () => {
      const { tenantId, documentId } = await document();
      await content.stagePages(tenantId, documentId, 'stage-a', [page(1), page(2)]);
      await content.stagePages(tenantId, documentId, 'stage-a', [page(2, 'again')]);
      await content.stagePages(tenantId, documentId, 'stage-b', [page(1, 'b')]);
      assert.equal(await content.stagedPageCount(tenantId, documentId), 3);
      await content.replace(tenantId, documentId, [], [], '', { stage: 'stage-a', numbers: [2] });
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 10), [page(2, 'again')]);
      assert.equal(await content.stagedPageCount(tenantId, documentId), 1, 'stage-b stays');

      await content.stagePages(tenantId, documentId, 'stage-c', [page(5)]);
      await content.discardStaged(tenantId, documentId, 'stage-b');
      assert.equal(await content.stagedPageCount(tenantId, documentId), 1, 'stage-c stays');
      await content.stagePages(tenantId, documentId, 'stage-d', [page(6)]);
      await content.discardStaged(tenantId, documentId);
      assert.equal(await content.stagedPageCount(tenantId, documentId), 0);
      assert.deepEqual(await content.pages(tenantId, documentId, 0, 10), [page(2, 'again')]);
    });

    it('refuses to take a page the stage does not hold', async () => {
      const { tenantId, documentId } = await document();
      await content.stagePages(tenantId, documentId, 'stage-a', [page(1)]);
      await assert.rejects(
        content.replace(tenantId, documentId, [], [], '', { stage: 'stage-a', numbers: [1, 2] }),
      );
    });

    it('deleting a document’s content drops its staged pages too', async () => {
      const one = await document();
      const two = await document(one.tenantId);
      await content.stagePages(one.tenantId, one.documentId, 'stage-a', [page(1)]);
      await content.stagePages(two.tenantId, two.documentId, 'stage-a', [page(1)]);
      await content.deleteForDocument(one.tenantId, one.documentId);
      assert.equal(await content.stagedPageCount(one.tenantId, one.documentId), 0);
      assert.equal(await content.stagedPageCount(two.tenantId, two.documentId), 1);
    });

    it('stages and takes a large document whole (more rows than one statement carries)', async () => {
      const { tenantId, documentId } = await document();
      const pages = Array.from({ length: 1201 }, (_, i) => page(i + 1));
      await content.stagePages(tenantId, documentId, 'stage-a', pages);
      await content.replace(tenantId, documentId, [], [], '', {
        stage: 'stage-a',
        numbers: pages.map((p) => p.number),
      });
      const read = await content.pages(tenantId, documentId, 0, 5000);
      assert.equal(read.length, pages.length);
      assert.deepEqual(read.at(-1), page(1201));
      assert.equal(await content.stagedPageCount(tenantId, documentId), 0);
    });
  });
}
