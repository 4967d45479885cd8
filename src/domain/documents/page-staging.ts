/**
 * One extraction attempt's staged pages: the pages a split PDF's threads hand over range by range
 * are written to the content store while the other ranges are still being read, under a stage of
 * this attempt's own (a stale attempt of the same job, still running after losing its lease,
 * stages apart). The transaction that completes the job takes the staged pages the result kept
 * as they are and writes only the others; whatever way the attempt ends otherwise, `discard`
 * drops its stage.
 */
import type { ContentStore, PageRecord, StagedPages } from '../../ports/content-store.js';
import type { ExtractedPage } from '../../ports/extractor.js';
import { newId } from '../../shared/ids.js';

export class PageStaging {
  readonly stage: string;
  /** The pages written, by number: what the stage holds. */
  private readonly staged = new Map<number, PageRecord>();
  /** Writes go one after the other, off the extraction's path. */
  private writing: Promise<void> = Promise.resolve();
  /** A write failed: the stage is no longer trusted (the result's pages are all written then). */
  private failed = false;
  private closed = false;
  private used = false;

  constructor(
    private readonly content: ContentStore,
    private readonly tenantId: string,
    private readonly documentId: string,
    jobId: string,
    now: number,
  ) {
    this.stage = newId(`stage_${jobId}`, now);
  }

  /** Stages pages read before the extraction ends (the write is queued; failures are kept). */
  add(pages: readonly ExtractedPage[]): void {
    if (this.closed || pages.length === 0) return;
    const records = pages.map(({ number, text, markdown }) => ({ number, text, markdown }));
    this.used = true;
    this.writing = this.writing.then(async () => {
      if (this.closed || this.failed) return;
      try {
        await this.content.stagePages(this.tenantId, this.documentId, this.stage, records);
        for (const record of records) this.staged.set(record.number, record);
      } catch {
        this.failed = true;
      }
    });
  }

  /**
   * Once the writes are done: the result's `pages` split into those the stage holds as they are
   * (taken from it by the completing transaction) and those still to write.
   */
  async settle(pages: PageRecord[]): Promise<{ pages: PageRecord[]; staged?: StagedPages }> {
    this.closed = true;
    await this.writing;
    if (!this.used || this.failed) return { pages };
    const numbers: number[] = [];
    const rest: PageRecord[] = [];
    for (const page of pages) {
      const staged = this.staged.get(page.number);
      // The text budget, spent again over the whole document, may have cut a staged page.
      if (staged !== undefined && staged.text === page.text && staged.markdown === page.markdown)
        numbers.push(page.number);
      else rest.push(page);
    }
    return { pages: rest, staged: { stage: this.stage, numbers } };
  }

  /** Drops what this attempt staged (nothing to do when it staged nothing). */
  async discard(): Promise<void> {
    this.closed = true;
    await this.writing;
    if (this.used) await this.content.discardStaged(this.tenantId, this.documentId, this.stage);
  }
}
