/**
 * Splits extracted pages into passages for search, by one of two strategies (QUIRE_PASSAGE_STRATEGY):
 * `structure` (structure-passages.ts: by the document's sections), or `fixed`: about `targetWords`
 * words each, never across a page (so every passage has one page number), cut at a sentence end
 * when one is near — search as it was before issue 18, kept as the relevance baseline.
 */
import type { PassageRecord } from '../ports/content-store.js';
import type { OutlineItem } from '../ports/extractor.js';
import { newId } from '../shared/ids.js';
import { splitStructurePassages, type StructurePage } from './structure-passages.js';

export interface PageText {
  number: number;
  text: string;
}

export type PassageStrategy = 'structure' | 'fixed';

export interface Chunking {
  strategy: PassageStrategy;
  /** Most words in a passage (`structure`), its target length (`fixed`). */
  maxTokens: number;
  /** Words repeated from the previous passage of the same section (`structure` only). */
  overlap: number;
}

export const DEFAULT_CHUNKING: Chunking = { strategy: 'structure', maxTokens: 200, overlap: 0 };

/** The passages of a document by the chosen strategy. */
export function splitPassages(
  tenantId: string,
  documentId: string,
  pages: StructurePage[],
  outline: OutlineItem[] | undefined,
  /** When they are made (ms), for their ids. */
  now: number,
  chunking: Chunking = DEFAULT_CHUNKING,
): Promise<PassageRecord[]> {
  return chunking.strategy === 'fixed'
    ? splitFixedPassages(tenantId, documentId, pages, now, chunking.maxTokens)
    : splitStructurePassages(tenantId, documentId, pages, outline, now, chunking);
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
export async function splitFixedPassages(
  tenantId: string,
  documentId: string,
  pages: PageText[],
  /** When they are made (ms), for their ids. */
  now: number,
  targetWords = 200,
): Promise<PassageRecord[]> {
  const passages: PassageRecord[] = [];
  const push = (page: number, words: string[], start: number, end: number): void => {
    if (words.length === 0) return;
    passages.push({
      id: newId('chk', now),
      tenant_id: tenantId,
      document_id: documentId,
      page,
      ordinal: passages.length,
      text: words.join(' '),
      word_count: words.length,
      page_end: page,
      start,
      end,
      heading_path: [],
      navigation: false,
    });
  };
  const slack = Math.max(1, Math.floor(targetWords / 4));
  let sliceStart = performance.now();
  let seen = 0;
  for (const page of pages) {
    let current: string[] = [];
    let start = 0;
    let end = 0;
    // Matched lazily: splitting a page of hundreds of megabytes at once would hold the loop.
    for (const match of page.text.matchAll(/\S+/gu)) {
      const word = match[0];
      if (++seen % WORDS_PER_CHECK === 0 && performance.now() - sliceStart >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      if (current.length === 0) start = match.index;
      end = match.index + word.length;
      current.push(word);
      const atSentenceEnd = SENTENCE_END.test(word);
      // Cut at a sentence end once near the target; never let a passage run far past it.
      if (
        (current.length >= targetWords - slack && atSentenceEnd) ||
        current.length >= targetWords + slack
      ) {
        push(page.number, current, start, end);
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
      last.end = end;
    } else {
      push(page.number, current, start, end);
    }
  }
  return passages;
}
