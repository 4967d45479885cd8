/**
 * What extraction produced for a document: its pages (served by /content) and its passages (what
 * search indexes). Both are replaced as a whole, in the transaction that completes the
 * extraction job, so a document never has two sets nor half of one. An extraction may stage its
 * pages before that, as they are read: staged pages are no part of the document until `replace`
 * takes them.
 */
export interface PageRecord {
  number: number;
  text: string;
  markdown: string;
}

export interface PassageRecord {
  id: string;
  document_id: string;
  tenant_id: string;
  page: number;
  /** Position in the document, from 0. */
  ordinal: number;
  text: string;
  word_count: number;
  /** The last page the passage covers (`page` when it has one). */
  page_end: number;
  /** UTF-16 offset where it starts in the text of page `page`. */
  start: number;
  /** UTF-16 offset where it ends in the text of page `page_end`. */
  end: number;
  /** The titles of the sections it is in, outermost first; empty when unknown. */
  heading_path: string[];
  /** On a table of contents, an index or a list of figures: left out of search by default. */
  navigation: boolean;
}

/** Pages staged under `stage` (stagePages) that a `replace` takes into the document. */
export interface StagedPages {
  stage: string;
  /** The staged pages the document takes, as they were staged; the stage's others are dropped. */
  numbers: number[];
}

export interface ContentStore {
  /**
   * `title`: the document's, indexed with every passage (search's `title` field). With `staged`,
   * the document's pages are those staged pages and `pages` (no number in both), and the stage is
   * emptied.
   */
  replace(
    tenantId: string,
    documentId: string,
    pages: PageRecord[],
    passages: PassageRecord[],
    title?: string,
    staged?: StagedPages,
  ): Promise<void>;
  /**
   * Writes pages read before the extraction ends under `stage` (one extraction attempt's; a page
   * staged twice keeps the last). Readers of the document's pages never see them.
   */
  stagePages(
    tenantId: string,
    documentId: string,
    stage: string,
    pages: PageRecord[],
  ): Promise<void>;
  /** Drops the document's staged pages: those of `stage`, or of every stage when not given. */
  discardStaged(tenantId: string, documentId: string, stage?: string): Promise<void>;
  /** How many pages are staged for the document, over every stage. */
  stagedPageCount(tenantId: string, documentId: string): Promise<number>;
  /** Indexes the document's passages under its new title (nothing when search is off). */
  retitle(tenantId: string, documentId: string, title: string): Promise<void>;
  /** Pages numbered above `afterNumber`, in order, at most `limit`; only those in `numbers` when given. */
  pages(
    tenantId: string,
    documentId: string,
    afterNumber: number,
    limit: number,
    numbers?: number[],
  ): Promise<PageRecord[]>;
  passages(tenantId: string, documentId: string): Promise<PassageRecord[]>;
  deleteForDocument(tenantId: string, documentId: string): Promise<void>;
  /**
   * Ready documents (at most `limit`) whose passages were cut or indexed otherwise than this
   * store writes them now (another QUIRE_PASSAGE_* or QUIRE_SEARCH_RANKING, or before they were
   * recorded): they are due a re-index.
   */
  staleDocuments(limit: number): Promise<{ tenant_id: string; document_id: string }[]>;
}
