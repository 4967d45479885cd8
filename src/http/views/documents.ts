/** A document record, and a created one with its first job, as clients see them. */
import type { Created } from '../../domain/documents/ingest.js';
import type { DocumentRecord } from '../../ports/document-store.js';
import { jobView } from './jobs.js';

/**
 * A document as clients see it (no tenant id; no error unless it failed; `size_bytes` null while
 * it has no bytes, as a URL document before or after a failed fetch).
 */
export function documentView(document: DocumentRecord): Record<string, unknown> {
  const { tenant_id: _tenant, error, ...rest } = document;
  const view = { ...rest, size_bytes: rest.sha256 === null ? null : rest.size_bytes };
  return error === null ? view : { ...view, error };
}

/** A created document and its job; `deduplicated: true` when an existing one was returned. */
export function createdView(created: Created): Record<string, unknown> {
  return {
    document: documentView(created.document),
    job: jobView(created.job),
    ...(created.deduplicated ? { deduplicated: true } : {}),
  };
}
