import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { SqlDatabase, SqlExecutor } from './database.js';
import { createSqlBlobRefStore } from './document-store.js';

async function recorded(db: SqlExecutor): Promise<string | null> {
  const row = await db
    .selectFrom('deployment')
    .select('blob_sentinel_sha256')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.blob_sentinel_sha256 ?? null;
}

/** The one `deployment` row; the sentinel's blob reference is counted in `blob_refs`. */
export function createSqlDeploymentStore(database: SqlDatabase): DeploymentStore {
  return {
    blobSentinel: () => recorded(database.db),
    recordBlobSentinel: (sha256, at) =>
      database.db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('deployment')
          .values({ id: 1, blob_sentinel_sha256: sha256, created_at: at })
          .onConflict((conflict) => conflict.column('id').doNothing())
          .executeTakeFirst();
        // A reference like a document's: deleting a document with the same bytes never frees it.
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0)
          await createSqlBlobRefStore(trx).increment(sha256);
        const standing = await recorded(trx);
        if (standing === null) throw new Error('the deployment row vanished in its transaction');
        return standing;
      }),
  };
}
