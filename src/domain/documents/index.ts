/**
 * The document services, each what one kind of caller needs: routes ingest, edit, query and
 * download; the fetch job attaches what it fetched; the extraction job stores what it extracted
 * (and makes an e-mail's attachments child documents);
 * job cancel and retry settle a document's status. All are built from one set of dependencies.
 */
import { EmailAttachments } from './attachments.js';
import type { DocumentDeps } from './deps.js';
import { DocumentDownloads } from './downloads.js';
import { DocumentEdits } from './edits.js';
import { ExtractionResults } from './extraction-results.js';
import { FetchedDocuments } from './fetched.js';
import { DocumentIngest } from './ingest.js';
import { DocumentQueries } from './queries.js';
import { DocumentStatus } from './status.js';

export interface DocumentServices {
  ingest: DocumentIngest;
  edits: DocumentEdits;
  queries: DocumentQueries;
  downloads: DocumentDownloads;
  fetched: FetchedDocuments;
  extractions: ExtractionResults;
  status: DocumentStatus;
  attachments: EmailAttachments;
}

export function createDocumentServices(deps: DocumentDeps): DocumentServices {
  const ingest = new DocumentIngest(deps);
  return {
    ingest,
    edits: new DocumentEdits(deps),
    queries: new DocumentQueries(deps),
    downloads: new DocumentDownloads(deps),
    fetched: new FetchedDocuments(deps),
    extractions: new ExtractionResults(deps),
    status: new DocumentStatus(deps),
    attachments: new EmailAttachments(ingest, deps),
  };
}
