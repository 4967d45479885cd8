/**
 * The JobStore contract, for every adapter: records round-trip whole; another tenant's job does
 * not exist; lists are newest first (ids sort by creation time), paged by the last id, filtered,
 * across tenants for operators; only the job's owner completes it, once; deleting a document's
 * jobs touches no one else's; every status is counted, zero included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/shared/ids.js';
import {
  JOB_STATUSES,
  type JobFilter,
  type JobRecord,
  type JobStatus,
  type JobStore,
} from '../../src/ports/job-store.js';

export interface JobStoreFixture {
  jobs: JobStore;
  /** Hands the queued job to `owner` under a lease, as a worker reserving it would. */
  lease(jobId: string, owner: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface JobStoreFactory {
  name: string;
  create(): Promise<JobStoreFixture>;
}

/** A job whose id sorts by `createdMs`, so tests choose the order without waiting. */
export function jobRecord(
  tenantId: string,
  overrides: Partial<JobRecord> = {},
  createdMs = Date.now(),
) {
  const at = new Date(createdMs).toISOString();
  const record: JobRecord = {
    id: newId('job', createdMs),
    tenant_id: tenantId,
    document_id: null,
    type: 'fetch',
    lane: 'small',
    status: 'queued',
    attempts: 0,
    max_attempts: 3,
    payload: { url: 'https://example.com' },
    progress: { done: 0, total: 0, unit: 'bytes' },
    error: null,
    request_id: null,
    workers: [],
    next_attempt_at: at,
    created_at: at,
    started_at: null,
    finished_at: null,
    ...overrides,
  };
  return record;
}

const uniqueTenant = (): string => `t-${newId('x', Date.now()).slice(-12)}`;

export function jobStoreContract(factory: JobStoreFactory): void {
  describe(`JobStore contract: ${factory.name}`, () => {
    let fixture: JobStoreFixture;
    let jobs: JobStore;
    before(async () => {
      fixture = await factory.create();
      jobs = fixture.jobs;
    });
    after(() => fixture.dispose());

    async function insertAll(records: JobRecord[]): Promise<JobRecord[]> {
      for (const record of records) await jobs.insert(record);
      return records;
    }

    /** Every page of a list, following cursors; checks each cursor is the page's last id. */
    async function walk(
      tenantId: string | null,
      filter: JobFilter,
      limit: number,
    ): Promise<string[]> {
      const ids: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const page = await jobs.list(tenantId, filter, limit, after);
        assert.ok(page.data.length <= limit, `a page holds at most ${limit}`);
        ids.push(...page.data.map((j) => j.id));
        if (page.next_cursor === null) return ids;
        assert.equal(page.data.length, limit, 'only a full page has a next cursor');
        assert.equal(page.next_cursor, page.data[page.data.length - 1]?.id);
        after = page.next_cursor;
      }
      assert.fail('the cursors never reached the end');
    }

    it('stores a job and reads it back whole, for its tenant only', async () => {
      const a = uniqueTenant();
      const full = jobRecord(a, {
        document_id: 'doc_1',
        type: 'extract',
        lane: 'large',
        status: 'failed',
        attempts: 2,
        max_attempts: 5,
        payload: { nested: { list: [1, 'two', null] }, flag: true, title: 'Ünïcode ✓' },
        progress: { done: 3, total: 10, unit: 'pages' },
        error: { code: 'DOCUMENT_CORRUPT', message: 'bad xref', retryable: false },
        request_id: 'req-1',
        next_attempt_at: '2030-01-02T03:04:05.678Z',
        started_at: '2030-01-02T03:04:06.000Z',
        finished_at: '2030-01-02T03:04:07.890Z',
      });
      await jobs.insert(full);
      assert.deepEqual(await jobs.get(a, full.id), full);
      assert.equal(await jobs.get(uniqueTenant(), full.id), null);
      assert.equal(await jobs.get(a, 'job_missing'), null);
    });

    it('lists a tenant’s jobs newest first, page by page, never another tenant’s', async () => {
      const [a, b] = [uniqueTenant(), uniqueTenant()];
      const base = Date.now();
      // Inserted out of order: the order comes from the ids, not from insertion.
      const mine = await insertAll([3, 0, 4, 1, 2].map((i) => jobRecord(a, {}, base + i * 10)));
      await insertAll([jobRecord(b, {}, base + 15), jobRecord(b, {}, base + 100)]);
      const newestFirst = mine
        .map((j) => j.id)
        .sort()
        .reverse();
      for (const limit of [1, 2, 4, 5, 10]) {
        assert.deepEqual(await walk(a, {}, limit), newestFirst, `pages of ${limit}`);
      }
      const exact = await jobs.list(a, {}, 5, null);
      assert.equal(exact.next_cursor, null, 'an exactly full last page has no next cursor');
      const rest = await jobs.list(a, {}, 10, newestFirst[1] as string);
      assert.deepEqual(
        rest.data.map((j) => j.id),
        newestFirst.slice(2),
        'the page after an id starts below it',
      );
    });

    it('lists every tenant’s jobs when no tenant is given', async () => {
      const [a, b] = [uniqueTenant(), uniqueTenant()];
      const documentId = newId('doc', Date.now());
      const base = Date.now();
      const made = await insertAll([
        jobRecord(a, { document_id: documentId }, base),
        jobRecord(b, { document_id: documentId }, base + 10),
        jobRecord(a, { document_id: documentId }, base + 20),
      ]);
      assert.deepEqual(
        await walk(null, { document_id: documentId }, 2),
        made.map((j) => j.id).reverse(),
      );
    });

    it('filters by status, type and document, alone and together', async () => {
      const a = uniqueTenant();
      const base = Date.now();
      const made = await insertAll([
        jobRecord(a, { type: 'fetch', status: 'queued', document_id: 'doc_a' }, base),
        jobRecord(a, { type: 'extract', status: 'queued', document_id: 'doc_a' }, base + 1),
        jobRecord(a, { type: 'extract', status: 'running', document_id: 'doc_b' }, base + 2),
        jobRecord(a, { type: 'webhook', status: 'succeeded', document_id: null }, base + 3),
        jobRecord(a, { type: 'extract', status: 'dead', document_id: 'doc_a' }, base + 4),
      ]);
      const which = async (filter: JobFilter): Promise<number[]> =>
        (await walk(a, filter, 2)).map((id) => made.findIndex((j) => j.id === id));
      assert.deepEqual(await which({}), [4, 3, 2, 1, 0]);
      assert.deepEqual(await which({ status: 'queued' }), [1, 0]);
      assert.deepEqual(await which({ status: 'cancelled' }), []);
      assert.deepEqual(await which({ type: 'extract' }), [4, 2, 1]);
      assert.deepEqual(await which({ document_id: 'doc_a' }), [4, 1, 0]);
      assert.deepEqual(await which({ type: 'extract', document_id: 'doc_a' }), [4, 1]);
      assert.deepEqual(
        await which({ type: 'extract', document_id: 'doc_a', status: 'queued' }),
        [1],
      );
    });

    it('completes a job only for the owner holding it, once', async () => {
      const a = uniqueTenant();
      const [held, queued] = await insertAll([
        jobRecord(a, { error: { code: 'FETCH_FAILED', message: '503', retryable: true } }),
        jobRecord(a),
      ]);
      if (held === undefined || queued === undefined) throw new Error('unreachable');
      await fixture.lease(held.id, 'owner');
      const at = new Date(Date.now() + 1000).toISOString();
      assert.equal(await jobs.complete(held.id, 'intruder', at), false, 'not for another owner');
      assert.equal((await jobs.get(a, held.id))?.status, 'running');
      assert.equal(await jobs.complete(held.id, 'owner', at), true);
      const done = await jobs.get(a, held.id);
      assert.deepEqual(
        [done?.status, done?.finished_at, done?.error],
        ['succeeded', at, null],
        'succeeded at the given time, the earlier failure cleared',
      );
      assert.equal(await jobs.complete(held.id, 'owner', at), false, 'at most once');
      assert.equal(await jobs.complete(queued.id, 'owner', at), false, 'not a job nobody holds');
      assert.equal((await jobs.get(a, queued.id))?.status, 'queued');
      assert.equal(await jobs.complete('job_missing', 'owner', at), false);
    });

    it('deletes a document’s jobs, for its tenant only, and says how many', async () => {
      const [a, b] = [uniqueTenant(), uniqueTenant()];
      const [doc, other] = [newId('doc', Date.now()), newId('doc', Date.now())];
      const [first, second, keep, foreign] = await insertAll([
        jobRecord(a, { document_id: doc }),
        jobRecord(a, { document_id: doc, type: 'extract' }),
        jobRecord(a, { document_id: other }),
        jobRecord(b, { document_id: doc }),
      ]);
      assert.equal(await jobs.deleteForDocument(b, 'doc_none'), 0);
      assert.equal(await jobs.deleteForDocument(a, doc), 2);
      assert.equal(await jobs.get(a, first?.id as string), null);
      assert.equal(await jobs.get(a, second?.id as string), null);
      assert.ok((await jobs.get(a, keep?.id as string)) !== null, 'another document’s job stays');
      assert.ok((await jobs.get(b, foreign?.id as string)) !== null, 'another tenant’s job stays');
      assert.equal(await jobs.deleteForDocument(a, doc), 0);
    });

    it('counts every status, across tenants', async () => {
      const [a, b] = [uniqueTenant(), uniqueTenant()];
      const before = await jobs.countByStatus();
      assert.deepEqual(Object.keys(before).sort(), [...JOB_STATUSES].sort());
      const statuses: JobStatus[] = ['queued', 'queued', 'running', 'dead', 'succeeded'];
      await insertAll(statuses.map((status, i) => jobRecord(i % 2 === 0 ? a : b, { status })));
      const after = await jobs.countByStatus();
      const delta = Object.fromEntries(JOB_STATUSES.map((s) => [s, after[s] - before[s]]));
      assert.deepEqual(delta, {
        queued: 2,
        running: 1,
        succeeded: 1,
        failed: 0,
        cancelled: 0,
        dead: 1,
      });
    });
  });

  describe(`JobStore contract, empty: ${factory.name}`, () => {
    let fixture: JobStoreFixture;
    before(async () => {
      fixture = await factory.create();
    });
    after(() => fixture.dispose());

    it('counts every status as zero when there are no jobs', async () => {
      assert.deepEqual(
        await fixture.jobs.countByStatus(),
        Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])),
      );
      assert.deepEqual(await fixture.jobs.list(null, {}, 10, null), {
        data: [],
        next_cursor: null,
      });
    });
  });
}
