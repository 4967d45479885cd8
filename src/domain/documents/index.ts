/**
 * The document services, each what one kind of caller needs: routes ingest, edit, query and
 * download; the fetch job attaches what it fetched; the extraction job stores what it extracted;
 * job cancel and retry settle a document's status. All are built from one set of dependencies.
 */
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
}

export function createDocumentServices(deps: DocumentDeps): DocumentServices {
  return {
    ingest: new DocumentIngest(deps),
    edits: new DocumentEdits(deps),
    queries: new DocumentQueries(deps),
    downloads: new DocumentDownloads(deps),
    fetched: new FetchedDocuments(deps),
    extractions: new ExtractionResults(deps),
    status: new DocumentStatus(deps),
  };
}
