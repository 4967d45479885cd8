import type { TransactionalStores, UnitOfWork } from '../../ports/unit-of-work.js';
import type { SqlDatabase, SqlExecutor } from './database.js';
import { createSqlBlobRefStore, createSqlDocumentStore } from './document-store.js';
import { createSqlJobStore } from './job-store.js';
import { createSqlContentStore } from './content-store.js';
import { createSqlWebhookStore } from './webhook-store.js';

function storesOn(db: SqlExecutor, database: SqlDatabase): TransactionalStores {
  return {
    documents: createSqlDocumentStore(db, database.dialect),
    blobRefs: createSqlBlobRefStore(db),
    jobs: createSqlJobStore(db),
    content: createSqlContentStore(db),
    webhooks: createSqlWebhookStore(db, database.dialect),
  };
}

export function createSqlUnitOfWork(database: SqlDatabase): UnitOfWork {
  return {
    stores: storesOn(database.db, database),
    run: (work) => database.db.transaction().execute((trx) => work(storesOn(trx, database))),
  };
}
