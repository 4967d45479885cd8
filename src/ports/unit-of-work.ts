import type { BlobRefStore, DocumentStore } from './document-store.js';
import type { JobStore } from './job-store.js';
import type { ContentStore } from './content-store.js';
import type { WebhookStore } from './webhook-store.js';

/** The stores that change together, inside one transaction. */
export interface TransactionalStores {
  documents: DocumentStore;
  blobRefs: BlobRefStore;
  jobs: JobStore;
  content: ContentStore;
  webhooks: WebhookStore;
}

export interface UnitOfWork {
  /** The stores outside any transaction. */
  readonly stores: TransactionalStores;
  /** Runs `work` in one transaction: all of it commits, or none. */
  run<T>(work: (stores: TransactionalStores) => Promise<T>): Promise<T>;
}
