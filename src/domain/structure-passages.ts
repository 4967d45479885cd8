/**
 * Structure-aware passages (strategy `structure`): a document is cut where its own sections
 * start — the PDF's outline (bookmarks) or the headings of its Markdown rendering (DOCX, HTML,
 * Markdown, ODT…) — and each section into passages of at most `maxTokens` words, cut at a
 * paragraph end when one is near, else at a sentence end; a section may run across pages (the
 * passage then has a page span). Pages that are navigation (a table of contents, an index, a list
 * of figures: see navigation.ts) make passages of their own, marked, so search can leave them out.
 *
 * Every passage knows its heading path, its page span and its character offsets: `start` in the
 * text of page `page`, `end` in the text of page `page_end`; its text is the page text between
 * them (paragraphs joined by a blank line), so nothing is rewritten.
 */
import type { OutlineItem } from '../ports/extractor.js';
import type { PassageRecord } from '../ports/content-store.js';
import { newId } from '../shared/ids.js';
import { isNavigationEntry, isNavigationPage, isNavigationTitle } from './navigation.js';

export interface StructurePage {
  number: number;
  text: string;
  markdown: string;
}

export interface ChunkOptions {
  /** Most words in a passage. */
  maxTokens: number;
  /** Words of the previous passage of the same section repeated at the start of the next. */
  overlap: number;
}

interface Heading {
  page: number;
  title: string;
  path: string[];
  navigation: boolean;
}

interface Word {
  page: number;
  start: number;
  end: number;
  /** Paragraph number in the document: a cut between two paragraphs is preferred. */
  paragraph: number;
  section: number;
  navigation: boolean;
  sentenceEnd: boolean;
}

const SENTENCE_END = /[.!?…:;]["')\]]?$/u;
const MAX_HEADINGS = 10_000;

/** The outline flattened in document order, each entry with the titles above it. */
function outlineHeadings(outline: OutlineItem[]): Heading[] {
  const headings: Heading[] = [];
  const walk = (items: OutlineItem[], above: string[], navigation: boolean): void => {
    for (const item of items) {
      if (headings.length >= MAX_HEADINGS) return;
      const path = [...above, item.title];
      const nav = navigation || isNavigationTitle(item.title);
      if (item.page !== null && item.title !== '')
        headings.push({ page: item.page, title: item.title, path, navigation: nav });
      walk(item.children, path, nav);
    }
  };
  walk(outline, [], false);
  return headings;
}

/** `#`-headings of the pages' Markdown, their path built from their levels. */
function markdownHeadings(pages: StructurePage[]): Heading[] {
  const headings: Heading[] = [];
  const stack: { level: number; title: string }[] = [];
  for (const page of pages) {
    for (const match of page.markdown.matchAll(/^(#{1,6})[ \t]+(.+?)[ \t#]*$/gmu)) {
      if (headings.length >= MAX_HEADINGS) return headings;
      const level = match[1]?.length ?? 1;
      const title = (match[2] ?? '').replace(/[*_`]/gu, '').trim();
      if (title === '') continue;
      while (stack.length > 0 && (stack[stack.length - 1]?.level ?? 0) >= level) stack.pop();
      stack.push({ level, title });
      headings.push({
        page: page.number,
        title,
        path: stack.map((entry) => entry.title),
        navigation: isNavigationTitle(title),
      });
    }
  }
  return headings;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

/**
 * Where the heading's title starts in the page text at or after `from`; -1 when absent. Best a
 * line that is the title (with its section number), then a line starting with it that is no
 * table-of-contents entry, then anywhere.
 */
function findTitle(text: string, title: string, from: number): number {
  const words = title.split(/\s+/u).filter((word) => word !== '');
  if (words.length === 0) return -1;
  const pattern = words.map(escape).join('\\s+');
  // The section number the text may print before the title ("11.2", "Appendix A") belongs to it.
  const numbered = `(?:(?:appendix\\s+)?(?:[0-9]{1,3}|[A-Z])(?:\\.[0-9]{1,3})*\\.?\\s+)?`;
  const lineStart = `(?:^|\\n)[ \\t]*(${numbered}${pattern})`;
  for (const [regex, accept] of [
    [new RegExp(`${lineStart}[ \\t]*(?=\\n|$)`, 'giu'), () => true],
    [new RegExp(lineStart, 'giu'), (line: string) => !isNavigationEntry(line)],
  ] as const) {
    regex.lastIndex = from;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const at = match.index + match[0].length - (match[1]?.length ?? 0);
      const lineEnd = text.indexOf('\n', at);
      if (accept(text.slice(at, lineEnd === -1 ? text.length : lineEnd))) return at;
    }
  }
  const anywhere = new RegExp(pattern, 'giu');
  anywhere.lastIndex = from;
  return anywhere.exec(text)?.index ?? -1;
}

/** The section boundaries: for each page, the offsets where a heading starts and which one. */
function boundaries(pages: StructurePage[], headings: Heading[]): Map<number, [number, number][]> {
  const byPage = new Map<number, [number, number][]>();
  const texts = new Map(pages.map((page) => [page.number, page.text]));
  const cursor = new Map<number, number>();
  headings.forEach((heading, index) => {
    const text = texts.get(heading.page);
    if (text === undefined) return;
    const from = cursor.get(heading.page) ?? 0;
    const found = findTitle(text, heading.title, from);
    // Not found in the text: the section starts where the page does (or after the last one found).
    const at = found === -1 ? from : found;
    cursor.set(heading.page, found === -1 ? from : found + 1);
    const list = byPage.get(heading.page) ?? [];
    list.push([at, index]);
    byPage.set(heading.page, list);
  });
  for (const list of byPage.values()) list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return byPage;
}

/**
 * The structure passages of a document. Asynchronous, and yielding every few thousand words, so a
 * huge document does not hold the event loop (the worker's heartbeats keep its lease).
 */
export async function splitStructurePassages(
  tenantId: string,
  documentId: string,
  pages: StructurePage[],
  outline: OutlineItem[] | undefined,
  now: number,
  options: ChunkOptions,
  makeId: (now: number) => string = (at) => newId('chk', at),
): Promise<PassageRecord[]> {
  const fromOutline = outline !== undefined && outline.length > 0;
  const headings = fromOutline ? outlineHeadings(outline) : markdownHeadings(pages);
  const cuts = boundaries(pages, headings);
  // Pages of a navigation section (its outline title says "Contents", "Index"…) up to the next
  // section's page, and pages whose text looks like one.
  const navigationPages = new Set<number>();
  for (const page of pages) if (isNavigationPage(page.text)) navigationPages.add(page.number);

  const words: Word[] = [];
  let section = -1;
  let paragraph = 0;
  let sliceStart = performance.now();
  for (const page of pages) {
    const pageCuts = cuts.get(page.number) ?? [];
    let nextCut = 0;
    let lastEnd = 0;
    paragraph++;
    for (const match of page.text.matchAll(/\S+/gu)) {
      if (words.length % 2048 === 0 && performance.now() - sliceStart >= 20) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      const start = match.index;
      while (nextCut < pageCuts.length && (pageCuts[nextCut]?.[0] ?? 0) <= start) {
        section = pageCuts[nextCut]?.[1] ?? section;
        nextCut++;
        paragraph++;
      }
      if (/\n[ \t]*\n/u.test(page.text.slice(lastEnd, start))) paragraph++;
      const end = start + match[0].length;
      lastEnd = end;
      const heading = headings[section];
      words.push({
        page: page.number,
        start,
        end,
        paragraph,
        section,
        navigation: navigationPages.has(page.number) || (heading?.navigation ?? false),
        sentenceEnd: SENTENCE_END.test(match[0]),
      });
    }
  }

  const passages: PassageRecord[] = [];
  const texts = new Map(pages.map((page) => [page.number, page.text]));
  const emit = (from: number, to: number): void => {
    const first = words[from] as Word;
    const last = words[to - 1] as Word;
    const parts: string[] = [];
    let partStart = from;
    for (let i = from + 1; i <= to; i++) {
      const previous = words[i - 1] as Word;
      const current = words[i];
      if (current === undefined || i === to || current.paragraph !== previous.paragraph) {
        // Paragraphs never run over a page break (each page starts one), so one slice each.
        const head = words[partStart] as Word;
        parts.push((texts.get(head.page) ?? '').slice(head.start, previous.end));
        partStart = i;
      }
    }
    const heading = headings[first.section];
    passages.push({
      id: makeId(now),
      tenant_id: tenantId,
      document_id: documentId,
      page: first.page,
      page_end: last.page,
      start: first.start,
      end: last.end,
      ordinal: passages.length,
      text: parts.join('\n\n'),
      word_count: to - from,
      heading_path: heading?.path ?? [],
      navigation: first.navigation,
    });
  };

  // A section may run over a page break; without known sections the page is the only structure.
  const crossPages = headings.length > 0;
  const max = Math.max(1, options.maxTokens);
  const overlap = Math.min(Math.max(0, options.overlap), Math.floor(max / 2));
  let runStart = 0;
  while (runStart < words.length) {
    // A run: words of one section and one navigation state (a passage never mixes two).
    const head = words[runStart] as Word;
    let runEnd = runStart + 1;
    while (
      runEnd < words.length &&
      words[runEnd]?.section === head.section &&
      words[runEnd]?.navigation === head.navigation &&
      (crossPages || words[runEnd]?.page === head.page)
    )
      runEnd++;
    let from = runStart;
    while (from < runEnd) {
      let to: number;
      if (runEnd - from <= max + Math.floor(max / 4)) to = runEnd;
      else {
        // Prefer the last paragraph end in the second half of the budget, then a sentence end.
        to = from + max;
        const floor = from + Math.floor(max / 2);
        let cut = -1;
        for (let i = from + max; i > floor && cut === -1; i--)
          if (words[i]?.paragraph !== words[i - 1]?.paragraph) cut = i;
        for (let i = from + max; i > floor && cut === -1; i--)
          if (words[i - 1]?.sentenceEnd === true) cut = i;
        if (cut !== -1) to = cut;
      }
      emit(from, to);
      if (to >= runEnd) break;
      from = Math.max(from + 1, to - overlap);
    }
    runStart = runEnd;
  }
  return passages;
}
