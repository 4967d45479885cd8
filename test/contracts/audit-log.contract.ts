/**
 * The AuditLog contract, for every adapter: an entry is recorded with an id and a time and read
 * back as recorded (details included); lists are newest first, paged by the last id, for one
 * tenant or, with none given, for all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId } from '../../src/shared/ids.js';
import type { AuditEntry, AuditLog, NewAuditEntry } from '../../src/ports/audit-log.js';

export interface AuditLogFactory {
  name: string;
  create(): Promise<{ audit: AuditLog; dispose(): Promise<void> }>;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function entry(tenantId: string, overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    tenant_id: tenantId,
    actor: 'key_actor',
    action: 'document.deleted',
    target_type: 'document',
    target_id: 'doc_1',
    request_id: 'req-1',
    ip: '203.0.113.7',
    details: {},
    ...overrides,
  };
}

const uniqueTenant = (): string => `t-${newId('x', Date.now()).slice(-12)}`;

export function auditLogContract(factory: AuditLogFactory): void {
  describe(`AuditLog contract: ${factory.name}`, () => {
    let audit: AuditLog;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ audit, dispose } = await factory.create());
    });
    after(() => dispose());

    /**
     * Records entries one after another. Ids order entries by their millisecond, so each waits
     * for the next one: "newest first" is then one order, not a coin toss within a millisecond.
     */
    async function recordInTurn(entries: NewAuditEntry[]): Promise<AuditEntry[]> {
      const recorded: AuditEntry[] = [];
      for (const next of entries) {
        recorded.push(await audit.record(next));
        await sleep(2);
      }
      return recorded;
    }

    /** Every page of a list, following cursors; checks each cursor is the page's last id. */
    async function walk(tenantId: string | undefined, limit: number): Promise<AuditEntry[]> {
      const entries: AuditEntry[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await audit.list({
          limit,
          ...(tenantId === undefined ? {} : { tenantId }),
          ...(after === undefined ? {} : { after }),
        });
        assert.ok(page.data.length <= limit, `a page holds at most ${limit}`);
        entries.push(...page.data);
        if (page.next_cursor === null) return entries;
        assert.equal(page.data.length, limit, 'only a full page has a next cursor');
        assert.equal(page.next_cursor, page.data[page.data.length - 1]?.id);
        after = page.next_cursor;
      }
      assert.fail('the cursors never reached the end');
    }

    it('records an entry with an id and the time, and reads it back as recorded', async () => {
      const a = uniqueTenant();
      const started = Date.now();
      const details = {
        scopes: ['documents:read', 'search'],
        nested: { count: 3, ratio: 0.5, flag: false, none: null },
        note: 'Ünïcode ✓ "quoted"',
      };
      const recorded = await audit.record(entry(a, { details }));
      assert.equal(typeof recorded.id, 'string');
      assert.ok(recorded.id.length > 0);
      assert.match(recorded.created_at, RFC3339);
      const at = Date.parse(recorded.created_at);
      assert.ok(at >= started - 1000 && at <= Date.now() + 1000, 'recorded now');
      assert.deepEqual(recorded, {
        ...entry(a, { details }),
        id: recorded.id,
        created_at: recorded.created_at,
      });
      const { data } = await audit.list({ tenantId: a, limit: 10 });
      assert.deepEqual(data, [recorded]);
    });

    it('keeps nulls and empty details', async () => {
      const a = uniqueTenant();
      const bare = entry(a, { target_id: null, request_id: null, ip: null, details: {} });
      const recorded = await audit.record(bare);
      const { data } = await audit.list({ tenantId: a, limit: 10 });
      assert.deepEqual(data, [recorded]);
      assert.deepEqual(
        [data[0]?.target_id, data[0]?.request_id, data[0]?.ip, data[0]?.details],
        [null, null, null, {}],
      );
    });

    it('gives every entry its own id', async () => {
      const a = uniqueTenant();
      const recorded = await Promise.all(Array.from({ length: 10 }, () => audit.record(entry(a))));
      assert.equal(new Set(recorded.map((e) => e.id)).size, 10);
      assert.equal((await walk(a, 3)).length, 10);
    });

    it('lists a tenant’s entries newest first, page by page, never another tenant’s', async () => {
      const [a, b] = [uniqueTenant(), uniqueTenant()];
      const recorded = await recordInTurn([
        entry(a, { action: 'first' }),
        entry(b, { action: 'other tenant' }),
        entry(a, { action: 'second' }),
        entry(a, { action: 'third' }),
        entry(b, { action: 'other tenant again' }),
        entry(a, { action: 'fourth' }),
        entry(a, { action: 'fifth' }),
      ]);
      const ofA = recorded.filter((e) => e.tenant_id === a).reverse();
      for (const limit of [1, 2, 4, 5, 100]) {
        assert.deepEqual(await walk(a, limit), ofA, `pages of ${limit}`);
      }
      const exact = await audit.list({ tenantId: a, limit: 5 });
      assert.equal(exact.next_cursor, null, 'an exactly full last page has no next cursor');
      const afterSecondNewest = await audit.list({ tenantId: a, limit: 10, after: ofA[1]?.id });
      assert.deepEqual(
        afterSecondNewest.data,
        ofA.slice(2),
        'the page after an id starts below it',
      );
    });

    it('lists every tenant’s entries, newest first, when no tenant is given', async () => {
      const [a, b] = [uniqueTenant(), uniqueTenant()];
      const recorded = await recordInTurn([entry(a), entry(b), entry(a), entry(b)]);
      // The newest entries of the whole log are this test's, newest first.
      const newest = await walk(undefined, 3);
      assert.deepEqual(newest.slice(0, 4), [...recorded].reverse());
      const all = new Set(newest.map((e) => e.tenant_id));
      assert.ok(all.has(a) && all.has(b));
    });
  });
}
