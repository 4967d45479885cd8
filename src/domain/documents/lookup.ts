/** A tenant's document by id, or the 404 (or 409) a client gets instead. */
import { AppError } from '../../errors.js';
import type { DocumentRecord, DocumentStore } from '../../ports/document-store.js';

export type DocumentWithFile = DocumentRecord & { sha256: string };

export async function findDocument(
  documents: DocumentStore,
  tenantId: string,
  id: string,
): Promise<DocumentRecord> {
  const document = await documents.get(tenantId, id);
  if (document === null) throw new AppError('NOT_FOUND', `No document ${id}`);
  return document;
}

/** A document that has its bytes (a URL document has none until its fetch succeeds). */
export async function findDocumentWithFile(
  documents: DocumentStore,
  tenantId: string,
  id: string,
): Promise<DocumentWithFile> {
  const document = await findDocument(documents, tenantId, id);
  if (document.sha256 === null) {
    throw new AppError('CONFLICT', `Document ${id} has no file yet (it is still being fetched)`);
  }
  return document as DocumentWithFile;
}
