/**
 * What the document services are built from. Each service takes the part of it that it uses, so
 * one object wires them all (see `createDocumentServices`).
 */
import type { Chunking } from '../passages.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { EventPublisher } from '../../ports/events.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { MessageAttachments } from '../../ports/message-attachments.js';
import type { TenantStore } from '../../ports/tenant-store.js';
import type { UnitOfWork } from '../../ports/unit-of-work.js';
import { isoNow, systemClock, type Clock } from '../../ports/clock.js';
import type { ExtractionCapabilities } from '../extraction-capabilities.js';
import type { PassageEmbedder } from '../passage-embeddings.js';

export interface DocumentDeps {
  uow: UnitOfWork;
  blobs: BlobStore;
  tenants: TenantStore;
  audit: AuditLog;
  queue: JobQueue;
  /** Told when a document becomes ready or fails (webhooks). */
  events?: EventPublisher;
  maxUploadBytes: number;
  maxJobAttempts: number;
  /** Documents of this many bytes or more are extracted in the large lane. */
  largeDocumentBytes: number;
  /** Formats refused up front for want of OCR or LibreOffice; default: neither is there. */
  capabilities?: ExtractionCapabilities;
  /** Default: the system clock. */
  clock?: Clock;
  /** How passages are cut (QUIRE_PASSAGE_*); default: by structure, 200 words, no overlap. */
  chunking?: Chunking;
  /** Reads e-mails' attachments for `attachments=extract`; absent: they stay listed only. */
  messageAttachments?: MessageAttachments;
  /** An e-mail's attachments made children, at most (default 20). */
  emailMaxAttachments?: number;
  /** Levels of attached e-mails whose attachments are made children too (default 1). */
  emailAttachmentDepth?: number;
  /** Embeds passages as they are indexed (hybrid search); absent: no vectors are stored. */
  embedder?: Pick<PassageEmbedder, 'embedPassages' | 'store' | 'fill'>;
}

/** The injected time source as ISO-8601 timestamps, the form every record stores. */
export function isoClock(clock: Clock = systemClock): () => string {
  return () => isoNow(clock);
}
