/**
 * Splits extracted pages into passages for search: about `targetWords` words each, never across
 * a page (so every passage has one page number), cut at a sentence end when one is near.
 */
import type { PassageRecord } from '../ports/content-store.js';
import { newId } from '../shared/ids.js';

export interface PageText {
  number: number;
  text: string;
}

const SENTENCE_END = /[.!?…:;]["')\]]?$/u;

/** Longest stretch of splitting before the event loop gets a turn (heartbeats, requests). */
const SLICE_MS = 20;
/** Words between two looks at the time. */
const WORDS_PER_CHECK = 2048;

/**
 * The passages of a document's pages. Asynchronous because a large document (50 MB of text takes
 * seconds) must not hold the event loop: it yields every SLICE_MS, so the worker's heartbeats keep
 * its job's lease (and the API its requests) however long the text.
 */
export async function splitPassages(
  tenantId: string,
  documentId: string,
  pages: PageText[],
  /** When they are made (ms), for their ids. */
  now: number,
  targetWords = 200,
): Promise<PassageRecord[]> {
  const passages: PassageRecord[] = [];
  const push = (page: number, words: string[]): void => {
    if (words.length === 0) return;
    passages.push({
      id: newId('chk', now),
      tenant_id: tenantId,
      document_id: documentId,
      page,
      ordinal: passages.length,
      text: words.join(' '),
      word_count: words.length,
    });
  };
  const slack = Math.max(1, Math.floor(targetWords / 4));
  let sliceStart = performance.now();
  let seen = 0;
  for (const page of pages) {
    let current: string[] = [];
    // Matched lazily: splitting a page of hundreds of megabytes at once would hold the loop.
    for (const [word] of page.text.matchAll(/\S+/gu)) {
      if (++seen % WORDS_PER_CHECK === 0 && performance.now() - sliceStart >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      current.push(word);
      const atSentenceEnd = SENTENCE_END.test(word);
      // Cut at a sentence end once near the target; never let a passage run far past it.
      if (
        (current.length >= targetWords - slack && atSentenceEnd) ||
        current.length >= targetWords + slack
      ) {
        push(page.number, current);
        current = [];
      }
    }
    // A short tail joins the passage before it on the same page rather than standing alone.
    const last = passages[passages.length - 1];
    if (
      current.length > 0 &&
      current.length < slack &&
      last !== undefined &&
      last.page === page.number
    ) {
      last.text = `${last.text} ${current.join(' ')}`;
      last.word_count += current.length;
    } else {
      push(page.number, current);
    }
  }
  return passages;
}
