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

export function countWords(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(/\S+/gu)) count++;
  return count;
}

export function splitPassages(
  tenantId: string,
  documentId: string,
  pages: PageText[],
  /** When they are made (ms), for their ids. */
  now: number,
  targetWords = 200,
): PassageRecord[] {
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
  for (const page of pages) {
    const words = page.text.split(/\s+/u).filter((word) => word.length > 0);
    let current: string[] = [];
    for (const word of words) {
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
