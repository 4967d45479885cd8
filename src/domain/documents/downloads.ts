/** A document's original bytes, whole or an inclusive byte range, streamed from the blob store. */
import type { Readable } from 'node:stream';
import type { ByteRange } from '../../ports/blob-store.js';
import type { DocumentDeps } from './deps.js';
import { findDocumentWithFile, type DocumentWithFile } from './lookup.js';

export type DownloadDeps = Pick<DocumentDeps, 'uow' | 'blobs'>;

export class DocumentDownloads {
  constructor(private readonly deps: DownloadDeps) {}

  /** A document that has its bytes (a URL document has none until its fetch succeeds). */
  withFile(tenantId: string, id: string): Promise<DocumentWithFile> {
    return findDocumentWithFile(this.deps.uow.stores.documents, tenantId, id);
  }

  /** The original bytes, or an inclusive range of them, of a document `withFile` returned. */
  openFile(document: { sha256: string }, range?: ByteRange): Promise<Readable> {
    return this.deps.blobs.open(document.sha256, range);
  }
}
