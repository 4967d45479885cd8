/**
 * A document's status as its jobs settle: failed for good, pending again when its job is queued
 * again; `document.ready` and `document.failed` go to the event publisher (webhooks).
 */
import type { JobFailure } from '../../ports/failures.js';
import { NO_EVENTS } from '../../ports/events.js';
import type { DocumentRecord } from '../../ports/document-store.js';
import { isoClock, type DocumentDeps } from './deps.js';

export type StatusDeps = Pick<DocumentDeps, 'uow' | 'events' | 'clock'>;

/** Tells listeners a document became ready or failed (the view has no tenant id). */
export async function publishDocumentEvent(
  deps: Pick<DocumentDeps, 'events'>,
  type: 'document.ready' | 'document.failed',
  document: DocumentRecord,
  requestId: string | null,
  occurredAt: string,
): Promise<void> {
  const { tenant_id: _tenant, ...rest } = document;
  // As GET /v1/documents/{id} shows it: no size while it has no bytes (a failed URL document).
  const view = { ...rest, size_bytes: rest.sha256 === null ? null : rest.size_bytes };
  await (deps.events ?? NO_EVENTS).publish({
    type,
    tenant_id: document.tenant_id,
    data: { document: view },
    request_id: requestId,
    occurred_at: occurredAt,
  });
}

export class DocumentStatus {
  private readonly timestamp: () => string;

  constructor(private readonly deps: StatusDeps) {
    this.timestamp = isoClock(deps.clock);
  }

  /** Settles a document whose job failed for good. */
  async markFailed(
    tenantId: string,
    id: string,
    failure: Pick<JobFailure, 'code' | 'message'>,
    requestId: string | null = null,
  ): Promise<void> {
    const updated = await this.deps.uow.stores.documents.update(
      tenantId,
      id,
      { status: 'failed', error: { code: failure.code, message: failure.message } },
      this.timestamp(),
    );
    if (updated !== null)
      await publishDocumentEvent(
        this.deps,
        'document.failed',
        updated,
        requestId,
        this.timestamp(),
      );
  }

  /** A document whose job was queued again waits for it. */
  async markPending(tenantId: string, id: string): Promise<void> {
    await this.deps.uow.stores.documents.update(
      tenantId,
      id,
      { status: 'pending', error: null },
      this.timestamp(),
    );
  }
}
