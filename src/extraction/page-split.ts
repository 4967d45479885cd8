/** The range arithmetic of splitting one document's pages across threads. */
import type { PageRange } from '../ports/extractor.js';

/**
 * `pageCount` pages cut into at most `parts` contiguous ranges, in page order, whose sizes differ
 * by at most one page (the earlier ranges take the extra pages). No empty range; none at all for
 * a document without pages.
 */
export function pageRanges(pageCount: number, parts: number): PageRange[] {
  const count = Math.max(0, Math.min(Math.floor(parts), pageCount));
  const base = Math.floor(pageCount / Math.max(1, count));
  const extra = pageCount - base * count;
  const ranges: PageRange[] = [];
  let first = 1;
  for (let index = 0; index < count; index++) {
    const size = base + (index < extra ? 1 : 0);
    ranges.push({ first, last: first + size - 1 });
    first += size;
  }
  return ranges;
}
