/**
 * The UnitOfWork contract, for every adapter: run() commits everything its work wrote, through
 * every store, when the work resolves (and resolves with its value), and none of it when the work
 * or a store throws (rejecting with that error); inside, the work reads its own writes; concurrent
 * units each commit or roll back whole; `stores` outside a transaction write at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/shared/ids.js';
import type { DocumentRecord } from '../../src/ports/document-store.js';
import type { TransactionalStores, UnitOfWork } from '../../src/ports/unit-of-work.js';
import type { WebhookRecord } from '../../src/ports/webhook-store.js';
import { documentRecord } from './document-store.contract.js';
import { jobRecord } from './job-store.contract.js';

export interface UnitOfWorkFixture {
  uow: UnitOfWork;
  /** Creates the tenant row documents and webhooks refer to. */
  ensureTenant(id: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface UnitOfWorkFactory {
  name: string;
  create(): Promise<UnitOfWorkFixture>;
}

function webhookRecord(tenantId: string): WebhookRecord {
  return {
    id: newId('whk', Date.now()),
    tenant_id: tenantId,
    url: 'https://hooks.example.com/quire',
    events: ['document.ready'],
    secret: 'whsec_test',
    secret_scheme: 'plain',
    created_at: new Date().toISOString(),
  };
}

/** What one unit of work writes: a document with its blob, job, content, and a webhook. */
interface Writes {
  tenantId: string;
  document: DocumentRecord;
  jobId: string;
  webhookId: string;
}

const sha256 = (): string => newId('sha', Date.now()).slice(-26).padEnd(64, '0');

/** Writes through every store; the blob's count goes up by one. */
async function writeEverything(stores: TransactionalStores, tenantId: string, sha: string) {
  const document = documentRecord(tenantId, { sha256: sha, tags: ['uow'] });
  await stores.documents.insert(document);
  await stores.blobRefs.increment(sha);
  const job = jobRecord(tenantId, { document_id: document.id, type: 'extract' });
  await stores.jobs.insert(job);
  await stores.content.replace(
    tenantId,
    document.id,
    [{ number: 1, text: 'page one', markdown: '# page one' }],
    [
      {
        id: newId('psg', Date.now()),
        document_id: document.id,
        tenant_id: tenantId,
        page: 1,
        ordinal: 0,
        text: 'page one',
        word_count: 2,
        page_end: 1,
        start: 0,
        end: 8,
        heading_path: [],
        navigation: false,
      },
    ],
  );
  const webhook = webhookRecord(tenantId);
  await stores.webhooks.insert(webhook);
  return { tenantId, document, jobId: job.id, webhookId: webhook.id } satisfies Writes;
}

export function unitOfWorkContract(factory: UnitOfWorkFactory): void {
  describe(`UnitOfWork contract: ${factory.name}`, () => {
    let fixture: UnitOfWorkFixture;
    let uow: UnitOfWork;
    before(async () => {
      fixture = await factory.create();
      uow = fixture.uow;
    });
    after(() => fixture.dispose());

    async function tenant(): Promise<string> {
      const id = `t-${newId('x', Date.now()).slice(-12)}`;
      await fixture.ensureTenant(id);
      return id;
    }

    /** The blob's committed count, read by counting up and back down outside any transaction. */
    async function refsOf(sha: string): Promise<number> {
      const count = (await uow.stores.blobRefs.increment(sha)) - 1;
      await uow.stores.blobRefs.decrement(sha);
      return count;
    }

    /** Whether each store holds what `writeEverything` wrote, read outside any transaction. */
    async function present({ tenantId, document, jobId, webhookId }: Writes) {
      const { stores } = uow;
      return {
        document: (await stores.documents.get(tenantId, document.id)) !== null,
        job: (await stores.jobs.get(tenantId, jobId)) !== null,
        pages: (await stores.content.pages(tenantId, document.id, 0, 10)).length > 0,
        passages: (await stores.content.passages(tenantId, document.id)).length > 0,
        webhook: (await stores.webhooks.get(tenantId, webhookId)) !== null,
      };
    }
    const ALL = { document: true, job: true, pages: true, passages: true, webhook: true };
    const NONE = { document: false, job: false, pages: false, passages: false, webhook: false };

    it('commits every store’s writes when the work resolves, and resolves with its value', async () => {
      const a = await tenant();
      const sha = sha256();
      const { value, writes } = await uow.run(async (stores) => ({
        value: 'done',
        writes: await writeEverything(stores, a, sha),
      }));
      assert.equal(value, 'done');
      assert.deepEqual(await present(writes), ALL);
      assert.deepEqual(await uow.stores.documents.get(a, writes.document.id), writes.document);
      assert.equal(await refsOf(sha), 1);
    });

    it('writes none of it when the work throws, and rejects with that error', async () => {
      const a = await tenant();
      const sha = sha256();
      // Committed beforehand, outside any transaction: the failed unit must leave these as they were.
      const existing = documentRecord(a, { title: 'Before', tags: ['kept'] });
      await uow.stores.documents.insert(existing);
      await uow.stores.blobRefs.increment(sha);

      const failure = new Error('the work failed');
      let writes: Writes | undefined;
      await assert.rejects(
        uow.run(async (stores) => {
          writes = await writeEverything(stores, a, sha);
          const at = new Date().toISOString();
          await stores.documents.update(a, existing.id, { title: 'After', tags: ['new'] }, at);
          await stores.blobRefs.increment(sha);
          await stores.jobs.deleteForDocument(a, writes.document.id);
          throw failure;
        }),
        (error: unknown) => error === failure,
      );
      assert.ok(writes !== undefined);
      assert.deepEqual(await present(writes), NONE);
      assert.deepEqual(await uow.stores.documents.get(a, existing.id), existing, 'update undone');
      assert.equal(await refsOf(sha), 1, 'both increments undone');
    });

    it('writes none of it when a store fails part-way', async () => {
      const a = await tenant();
      const sha = sha256();
      let writes: Writes | undefined;
      await assert.rejects(
        uow.run(async (stores) => {
          writes = await writeEverything(stores, a, sha);
          await stores.documents.insert(writes.document); // the same id again: refused
        }),
      );
      assert.ok(writes !== undefined);
      assert.deepEqual(await present(writes), NONE);
      assert.equal(await refsOf(sha), 0);
    });

    it('the work reads its own writes', async () => {
      const a = await tenant();
      const sha = sha256();
      await uow.run(async (stores) => {
        const writes = await writeEverything(stores, a, sha);
        assert.deepEqual(await stores.documents.get(a, writes.document.id), writes.document);
        assert.equal((await stores.jobs.get(a, writes.jobId))?.document_id, writes.document.id);
        assert.equal((await stores.content.pages(a, writes.document.id, 0, 10)).length, 1);
        assert.equal((await stores.webhooks.get(a, writes.webhookId))?.id, writes.webhookId);
        assert.equal(await stores.blobRefs.increment(sha), 2);
        const listed = await stores.documents.list(a, { tags: ['uow'] }, 'created_at', 10);
        assert.deepEqual(
          listed.data.map((d) => d.id),
          [writes.document.id],
        );
      });
      assert.equal(await refsOf(sha), 2);
    });

    it('concurrent units each commit or roll back whole', async () => {
      const a = await tenant();
      const sha = sha256();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          uow.run(async (stores) => {
            const writes = await writeEverything(stores, a, sha);
            if (i % 2 === 1) throw Object.assign(new Error('odd ones fail'), { writes });
            return writes;
          }),
        ),
      );
      const committed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const failed = outcomes.flatMap((o) =>
        o.status === 'rejected' ? [(o.reason as { writes: Writes }).writes] : [],
      );
      assert.deepEqual([committed.length, failed.length], [3, 3]);
      for (const writes of committed) assert.deepEqual(await present(writes), ALL);
      for (const writes of failed) assert.deepEqual(await present(writes), NONE);
      assert.equal(await refsOf(sha), 3, 'one reference per committed unit');
    });
  });
}
