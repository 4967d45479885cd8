/**
 * Changes a client makes to a document: its title, tags or metadata, or its deletion — with its
 * unfinished jobs, its content, its children (an e-mail's attachments, and theirs) and, with the
 * last reference to them, its bytes.
 */
import { AppError } from '../../errors.js';
import type { DocumentPatch, DocumentRecord } from '../../ports/document-store.js';
import type { TransactionalStores } from '../../ports/unit-of-work.js';
import type { Actor } from '../api-keys.js';
import { isoClock, type DocumentDeps } from './deps.js';

/** Children listed per query while a parent's are deleted. */
const CHILD_BATCH = 100;

export type EditDeps = Pick<DocumentDeps, 'uow' | 'blobs' | 'audit' | 'clock'>;

export class DocumentEdits {
  private readonly timestamp: () => string;

  constructor(private readonly deps: EditDeps) {
    this.timestamp = isoClock(deps.clock);
  }

  /** A new title is indexed with the document's passages in the same transaction. */
  async update(tenantId: string, id: string, patch: DocumentPatch): Promise<DocumentRecord> {
    const at = this.timestamp();
    const updated =
      patch.title === undefined
        ? await this.deps.uow.stores.documents.update(tenantId, id, patch, at)
        : await this.deps.uow.run(async (stores) => {
            const document = await stores.documents.update(tenantId, id, patch, at);
            if (document !== null) await stores.content.retitle(tenantId, id, document.title);
            return document;
          });
    if (updated === null) throw new AppError('NOT_FOUND', `No document ${id}`);
    return updated;
  }

  /**
   * Deletes the document, its unfinished jobs, its children (and theirs) and, with its last
   * reference, its bytes — all in one transaction.
   */
  async delete(tenantId: string, id: string, by: Actor): Promise<void> {
    const result = await this.deps.uow.run(async (stores) => {
      const document = await this.deleteOne(stores, tenantId, id);
      if (document === null) return null;
      let children = 0;
      const parents = [id];
      for (let index = 0; index < parents.length; index++) {
        const parent = parents[index] as string;
        for (;;) {
          const page = await stores.documents.list(
            tenantId,
            { parent_id: parent },
            'created_at',
            CHILD_BATCH,
          );
          for (const child of page.data) {
            if ((await this.deleteOne(stores, tenantId, child.id)) === null) continue;
            children++;
            parents.push(child.id);
          }
          if (page.next === null) break;
        }
      }
      return { document, children };
    });
    if (result === null) throw new AppError('NOT_FOUND', `No document ${id}`);
    const { document: deleted, children } = result;
    await this.deps.audit.record({
      tenant_id: tenantId,
      actor: by.actor,
      action: 'document.deleted',
      target_type: 'document',
      target_id: id,
      request_id: by.requestId,
      ip: by.ip,
      details: {
        title: deleted.title,
        sha256: deleted.sha256,
        ...(children > 0 ? { children } : {}),
      },
    });
  }

  /** One document, its jobs and content, and its bytes' reference (the bytes with the last). */
  private async deleteOne(
    stores: TransactionalStores,
    tenantId: string,
    id: string,
  ): Promise<DocumentRecord | null> {
    const document = await stores.documents.delete(tenantId, id);
    if (document === null) return null;
    await stores.jobs.deleteForDocument(tenantId, id);
    await stores.content.deleteForDocument(tenantId, id);
    if (document.sha256 !== null && (await stores.blobRefs.decrement(document.sha256)) === 0) {
      await this.deps.blobs.remove(document.sha256);
    }
    return document;
  }
}
