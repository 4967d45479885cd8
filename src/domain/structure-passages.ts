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

/** A word's flags. */
const NAVIGATION = 1;
const SENTENCE_END = 2;

/**
 * The document's words, a column per field: a long document has hundreds of thousands, and an
 * object each cost more in allocation and garbage collection than cutting them.
 */
class Words {
  length = 0;
  page = new Int32Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  /** Paragraph number in the document: a cut between two paragraphs is preferred. */
  paragraph = new Int32Array(1024);
  section = new Int32Array(1024);
  flags = new Uint8Array(1024);

  push(
    page: number,
    start: number,
    end: number,
    paragraph: number,
    section: number,
    flags: number,
  ): void {
    if (this.length === this.page.length) this.grow();
    const at = this.length++;
    this.page[at] = page;
    this.start[at] = start;
    this.end[at] = end;
    this.paragraph[at] = paragraph;
    this.section[at] = section;
    this.flags[at] = flags;
  }

  private grow(): void {
    const size = this.page.length * 2;
    const grown = <T extends Int32Array | Uint8Array>(column: T, next: T): T => {
      next.set(column);
      return next;
    };
    this.page = grown(this.page, new Int32Array(size));
    this.start = grown(this.start, new Int32Array(size));
    this.end = grown(this.end, new Int32Array(size));
    this.paragraph = grown(this.paragraph, new Int32Array(size));
    this.section = grown(this.section, new Int32Array(size));
    this.flags = grown(this.flags, new Uint8Array(size));
  }
}

/** What JavaScript's `\s` matches. */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** `.!?…:;` */
const isStop = (code: number): boolean =>
  code === 46 || code === 33 || code === 63 || code === 0x2026 || code === 58 || code === 59;
/** `"')]` */
const isCloser = (code: number): boolean =>
  code === 34 || code === 39 || code === 41 || code === 93;

/** The word text[start, end) ends a sentence: a stop, perhaps followed by a quote or bracket. */
function endsSentence(text: string, start: number, end: number): boolean {
  const last = text.charCodeAt(end - 1);
  if (isStop(last)) return true;
  return end - start >= 2 && isCloser(last) && isStop(text.charCodeAt(end - 2));
}

/** text[from, to) holds a blank line (`\n[ \t]*\n`). */
function hasBlankLine(text: string, from: number, to: number): boolean {
  let newline = false;
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code === 10) {
      if (newline) return true;
      newline = true;
    } else if (code !== 32 && code !== 9) newline = false;
  }
  return false;
}

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

/** Where the word scan of one page stands: it runs in slices between yields. */
interface PageScan {
  text: string;
  number: number;
  cuts: [number, number][];
  navigation: boolean;
  at: number;
  nextCut: number;
  lastEnd: number;
}

/** The section and paragraph the scan is in, carried from page to page. */
interface ScanState {
  section: number;
  paragraph: number;
}

const WORDS_PER_SLICE = 2048;

/**
 * Reads up to `limit` words of the page into `words`; true when the page is done. Synchronous and
 * called slice after slice: V8 optimises a loop only in a function it can re-enter (never in an
 * async one), and the first document after start paid ~45 ms for this loop left interpreted.
 */
function scanWords(
  words: Words,
  scan: PageScan,
  state: ScanState,
  headings: Heading[],
  limit: number,
): boolean {
  const { text, cuts } = scan;
  let at = scan.at;
  for (let count = 0; count < limit; count++) {
    // The words are the runs of non-space characters.
    while (at < text.length && isSpace(text.charCodeAt(at))) at++;
    if (at >= text.length) break;
    const start = at;
    while (at < text.length && !isSpace(text.charCodeAt(at))) at++;
    const end = at;
    while (scan.nextCut < cuts.length && (cuts[scan.nextCut]?.[0] ?? 0) <= start) {
      state.section = cuts[scan.nextCut]?.[1] ?? state.section;
      scan.nextCut++;
      state.paragraph++;
    }
    if (start - scan.lastEnd > 1 && hasBlankLine(text, scan.lastEnd, start)) state.paragraph++;
    scan.lastEnd = end;
    const navigation = scan.navigation || (headings[state.section]?.navigation ?? false);
    words.push(
      scan.number,
      start,
      end,
      state.paragraph,
      state.section,
      (navigation ? NAVIGATION : 0) | (endsSentence(text, start, end) ? SENTENCE_END : 0),
    );
  }
  scan.at = at;
  return at >= text.length;
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

  const words = new Words();
  const state: ScanState = { section: -1, paragraph: 0 };
  let sliceStart = performance.now();
  for (const page of pages) {
    const scan: PageScan = {
      text: page.text,
      number: page.number,
      cuts: cuts.get(page.number) ?? [],
      navigation: navigationPages.has(page.number),
      at: 0,
      nextCut: 0,
      lastEnd: 0,
    };
    state.paragraph++;
    for (let done = false; !done;) {
      done = scanWords(words, scan, state, headings, WORDS_PER_SLICE);
      if (performance.now() - sliceStart >= 20) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }
  return cutPassages(words, headings, pages, { tenantId, documentId, now, makeId }, options);
}

interface PassageOwner {
  tenantId: string;
  documentId: string;
  now: number;
  makeId: (now: number) => string;
}

/** The scanned words cut into passages (synchronous, for the reason scanWords is). */
function cutPassages(
  words: Words,
  headings: Heading[],
  pages: StructurePage[],
  { tenantId, documentId, now, makeId }: PassageOwner,
  options: ChunkOptions,
): PassageRecord[] {
  const passages: PassageRecord[] = [];
  const texts = new Map(pages.map((page) => [page.number, page.text]));
  const emit = (from: number, to: number): void => {
    const parts: string[] = [];
    let partStart = from;
    for (let i = from + 1; i <= to; i++) {
      if (i === to || words.paragraph[i] !== words.paragraph[i - 1]) {
        // Paragraphs never run over a page break (each page starts one), so one slice each.
        const text = texts.get(words.page[partStart] as number) ?? '';
        parts.push(text.slice(words.start[partStart], words.end[i - 1]));
        partStart = i;
      }
    }
    const heading = headings[words.section[from] as number];
    passages.push({
      id: makeId(now),
      tenant_id: tenantId,
      document_id: documentId,
      page: words.page[from] as number,
      page_end: words.page[to - 1] as number,
      start: words.start[from] as number,
      end: words.end[to - 1] as number,
      ordinal: passages.length,
      text: parts.join('\n\n'),
      word_count: to - from,
      heading_path: heading?.path ?? [],
      navigation: ((words.flags[from] as number) & NAVIGATION) !== 0,
    });
  };

  // A section may run over a page break; without known sections the page is the only structure.
  const crossPages = headings.length > 0;
  const max = Math.max(1, options.maxTokens);
  const overlap = Math.min(Math.max(0, options.overlap), Math.floor(max / 2));
  let runStart = 0;
  while (runStart < words.length) {
    // A run: words of one section and one navigation state (a passage never mixes two).
    const section = words.section[runStart];
    const navigation = (words.flags[runStart] as number) & NAVIGATION;
    const page = words.page[runStart];
    let runEnd = runStart + 1;
    while (
      runEnd < words.length &&
      words.section[runEnd] === section &&
      ((words.flags[runEnd] as number) & NAVIGATION) === navigation &&
      (crossPages || words.page[runEnd] === page)
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
          if (words.paragraph[i] !== words.paragraph[i - 1]) cut = i;
        for (let i = from + max; i > floor && cut === -1; i--)
          if (((words.flags[i - 1] as number) & SENTENCE_END) !== 0) cut = i;
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
