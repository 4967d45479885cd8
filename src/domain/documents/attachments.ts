/**
 * An e-mail uploaded with `attachments=extract`: its extraction job makes each attachment (up to
 * `emailMaxAttachments`) a child document — `parent_id` the message — ingested as an upload of
 * the same tenant is (staged under the upload limit, typed by content, deduped as the message
 * was, its own extraction job). An attachment that an upload would be refused for (too large,
 * an unsupported type) is skipped and stays listed in the message's metadata only. A child that
 * is itself an e-mail extracts its own attachments while `emailAttachmentDepth` allows.
 */
import { AppError } from '../../errors.js';
import type { DocumentRecord } from '../../ports/document-store.js';
import type { JobRecord } from '../../ports/job-store.js';
import { sanitizeFilename } from '../filenames.js';
import type { DocumentDeps } from './deps.js';
import type { AttachmentRequest, DocumentIngest } from './ingest.js';

export const ATTACHMENT_MODES = ['list', 'extract'] as const;
export type AttachmentMode = (typeof ATTACHMENT_MODES)[number];

export const EMAIL_MEDIA_TYPE = 'message/rfc822';

export type AttachmentDeps = Pick<
  DocumentDeps,
  'uow' | 'blobs' | 'messageAttachments' | 'emailMaxAttachments' | 'emailAttachmentDepth'
>;

function requestOf(payload: Record<string, unknown>): AttachmentRequest | null {
  if (payload.attachments !== 'extract') return null;
  return {
    attachments: 'extract',
    depth: typeof payload.depth === 'number' ? payload.depth : 0,
    dedupe: payload.dedupe !== false,
  };
}

export interface ChildrenMade {
  /** Attachments the message has. */
  attachments: number;
  /** Child documents made (or, deduplicated, found). */
  children: number;
  /** Attachments an upload would have been refused for, with the reason. */
  skipped: { filename: string; reason: string }[];
}

export class EmailAttachments {
  constructor(
    private readonly ingest: Pick<DocumentIngest, 'stage' | 'createFromStaged'>,
    private readonly deps: AttachmentDeps,
  ) {}

  /**
   * The attachments of the e-mail `document` as its children, when its job asks for them and the
   * depth allows (null otherwise). A job run again after it made them makes none again.
   */
  async makeChildren(job: JobRecord, document: DocumentRecord): Promise<ChildrenMade | null> {
    const request = requestOf(job.payload);
    const reader = this.deps.messageAttachments;
    const maxDepth = this.deps.emailAttachmentDepth ?? 1;
    if (
      request === null ||
      reader === undefined ||
      document.media_type !== EMAIL_MEDIA_TYPE ||
      document.sha256 === null ||
      request.depth >= maxDepth
    )
      return null;
    const { documents } = this.deps.uow.stores;
    const tenantId = document.tenant_id;
    const made = await documents.list(tenantId, { parent_id: document.id }, 'created_at', 1);
    if (made.data.length > 0) return null;
    const result: ChildrenMade = { attachments: 0, children: 0, skipped: [] };
    const by = { actor: 'system', tenantId, requestId: job.request_id, ip: null };
    const file = await this.deps.blobs.materialize(document.sha256);
    try {
      result.attachments = await reader.forEach(
        file.path,
        this.deps.emailMaxAttachments ?? 20,
        async (attachment) => {
          const fallback = attachment.mediaType === EMAIL_MEDIA_TYPE ? 'message.eml' : 'attachment';
          const filename = sanitizeFilename(attachment.filename ?? undefined, fallback);
          try {
            const upload = await this.ingest.stage(attachment.content);
            await this.ingest.createFromStaged(
              tenantId,
              upload,
              {
                tags: document.tags,
                metadata: {},
                filename,
                parentId: document.id,
                attachments: { ...request, depth: request.depth + 1 },
              },
              { type: 'upload' },
              request.dedupe,
              by,
            );
            result.children++;
          } catch (error) {
            // Refused as an upload would be: skipped, the others still made.
            if (!(error instanceof AppError)) throw error;
            result.skipped.push({ filename, reason: error.message });
          }
        },
      );
    } finally {
      await file.release();
    }
    return result;
  }
}
