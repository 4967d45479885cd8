/** The page arithmetic of reading one document on several threads: pages handed out in chunks. */
import type { PageRange } from '../ports/extractor.js';

/** Chunks no smaller than this (a thread's request for more costs a round trip to the pool). */
const MIN_CHUNK_PAGES = 4;
/** Nor larger: the last chunk is what one thread may still read while the others are done. */
const MAX_CHUNK_PAGES = 16;

/** How many pages a thread takes at a time when `threads` threads read `pageCount` pages. */
export function chunkSize(pageCount: number, threads: number): number {
  const even = Math.ceil(pageCount / Math.max(1, threads * 8));
  return Math.max(MIN_CHUNK_PAGES, Math.min(MAX_CHUNK_PAGES, even));
}

/** Pages 1…`pageCount` handed out in order, `size` at a time; null once every page is out. */
export class PageChunks {
  private next = 1;

  constructor(
    readonly pageCount: number,
    private readonly size: number,
  ) {}

  get exhausted(): boolean {
    return this.next > this.pageCount;
  }

  take(): PageRange | null {
    if (this.exhausted) return null;
    const first = this.next;
    const last = Math.min(this.pageCount, first + Math.max(1, this.size) - 1);
    this.next = last + 1;
    return { first, last };
  }
}
