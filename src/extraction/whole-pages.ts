/**
 * Pages for formats whose own units are the pages (a slide, a sheet, an EPUB chapter): each
 * unit's blocks make exactly one page, however long, numbered as the unit is, so page N is
 * slide N. The document's text budget is still shared and spent in order; a unit that arrives
 * once it is spent keeps its page, empty, and the result is marked truncated.
 */
import type { ExtractedPage } from '../ports/extractor.js';
import { Failure } from '../ports/failures.js';
import { PageBuilder, type TextBlock, type TextBudget } from './text-pages.js';

/** One page of `blocks`, numbered `number` (empty when they hold no text). */
export function wholePage(
  blocks: Iterable<TextBlock>,
  number: number,
  budget: TextBudget,
): ExtractedPage {
  const builder = new PageBuilder({ budget, targetChars: Number.MAX_SAFE_INTEGER });
  for (const block of blocks) {
    if (!builder.accepting) {
      budget.cut();
      break;
    }
    builder.add(block);
  }
  const [page] = builder.finish();
  return { number, text: page?.text ?? '', markdown: page?.markdown ?? '' };
}

/** UNPROCESSABLE_DOCUMENT when a document has more units (pages) than `maxPages`. */
export function checkPageCount(count: number, maxPages: number, what: string): void {
  if (count > maxPages) {
    throw new Failure(
      'UNPROCESSABLE_DOCUMENT',
      `The document has ${count} ${what}, above the ${maxPages}-page limit`,
    );
  }
}
