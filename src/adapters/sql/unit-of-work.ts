import type { TransactionalStores, UnitOfWork } from '../../ports/unit-of-work.js';
import type { SqlDatabase, SqlExecutor } from './database.js';
import { PLAINTEXT_SEARCHABLE, type ContentPolicy } from './content-cipher.js';
import { createSqlBlobRefStore, createSqlDocumentStore } from './document-store.js';
import { createSqlJobStore } from './job-store.js';
import { createSqlContentStore } from './content-store.js';
import { createSqlWebhookStore } from './webhook-store.js';

function storesOn(
  db: SqlExecutor,
  database: SqlDatabase,
  content: ContentPolicy,
): TransactionalStores {
  return {
    documents: createSqlDocumentStore(db, database.dialect, content.cipher),
    blobRefs: createSqlBlobRefStore(db),
    jobs: createSqlJobStore(db, content.cipher),
    content: createSqlContentStore(db, database.dialect, content),
    webhooks: createSqlWebhookStore(db, database.dialect, content.cipher),
  };
}

/**
 * `content`: how extracted content is stored (sealed or not, indexed or not); its cipher also
 * seals documents' extracted metadata, webhook event data and job secrets.
 */
export function createSqlUnitOfWork(
  database: SqlDatabase,
  content: ContentPolicy = PLAINTEXT_SEARCHABLE,
): UnitOfWork {
  return {
    stores: storesOn(database.db, database, content),
    run: (work) =>
      database.db.transaction().execute((trx) => work(storesOn(trx, database, content))),
  };
}
