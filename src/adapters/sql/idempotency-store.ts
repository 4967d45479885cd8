import type {
  IdempotencyClaim,
  IdempotencyStore,
  StoredResponse,
} from '../../ports/idempotency-store.js';
import type { SqlDatabase } from './database.js';
import type { IdempotencyKeysTable } from './schema.js';

export interface SqlIdempotencyStore extends IdempotencyStore {
  /** Deletes the records expired at `now` (housekeeping; expired records already count as absent). */
  purgeExpired(now?: string): Promise<number>;
}

/** A claim that finds its record gone before it can read it (released, purged) tries again. */
const CLAIM_ATTEMPTS = 5;

function toClaim(
  row: Pick<IdempotencyKeysTable, 'state' | 'request_hash' | 'response'>,
): IdempotencyClaim {
  if (row.state === 'in_progress') return { state: 'in_progress', requestHash: row.request_hash };
  if (row.response === null) throw new Error('a completed idempotency record has no response');
  return {
    state: 'completed',
    requestHash: row.request_hash,
    response: JSON.parse(row.response) as StoredResponse,
  };
}

/**
 * Idempotency records in the `idempotency_keys` table, one per (tenant, key). A claim is one
 * statement on both dialects — insert, or on conflict take over the row only if it has expired —
 * so concurrent claims of a key serialize on its row and exactly one of them wins; the losers
 * then read what the winner wrote.
 */
export function createSqlIdempotencyStore({ db }: SqlDatabase): SqlIdempotencyStore {
  return {
    async claim(tenantId, key, requestHash, ttlMs) {
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const at = Date.now();
        const now = new Date(at).toISOString();
        const fresh = {
          state: 'in_progress',
          request_hash: requestHash,
          response: null,
          created_at: now,
          expires_at: new Date(at + ttlMs).toISOString(),
        } as const;
        const claimed = await db
          .insertInto('idempotency_keys')
          .values({ tenant_id: tenantId, key, ...fresh })
          .onConflict((conflict) =>
            conflict
              .columns(['tenant_id', 'key'])
              .doUpdateSet(fresh)
              .where('idempotency_keys.expires_at', '<=', now),
          )
          .returning('key')
          .executeTakeFirst();
        if (claimed !== undefined) return { state: 'claimed' };

        // A live record holds the key: report it.
        const row = await db
          .selectFrom('idempotency_keys')
          .select(['state', 'request_hash', 'response'])
          .where('tenant_id', '=', tenantId)
          .where('key', '=', key)
          .executeTakeFirst();
        if (row !== undefined) return toClaim(row);
      }
      throw new Error(
        `idempotency key kept changing while being claimed (${CLAIM_ATTEMPTS} tries)`,
      );
    },

    async complete(tenantId, key, response) {
      // Only a running claim completes: a record released meanwhile stays gone, and a completed
      // one keeps its first response. expires_at is left as the claim set it.
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'completed', response: JSON.stringify(response) })
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .where('state', '=', 'in_progress')
        .execute();
    },

    async release(tenantId, key) {
      await db
        .deleteFrom('idempotency_keys')
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .where('state', '=', 'in_progress')
        .execute();
    },

    async purgeExpired(now = new Date().toISOString()) {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
