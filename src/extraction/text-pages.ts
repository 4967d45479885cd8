/**
 * Turning extracted text into pages, for every processor: whitespace normalisation, the
 * `maxTextChars` budget (one per document, shared by all its pages) and grouping blocks
 * (paragraphs, rows, lines) into pages of about PAGE_TARGET_CHARS characters for formats that
 * have no pages of their own. Kept apart so every format counts, cuts and splits the same way.
 */
import type { ExtractedPage } from '../ports/extractor.js';

/** Formats without pages are cut into pages of about this many characters. */
export const PAGE_TARGET_CHARS = 3000;

/** One unit that is never split across pages unless it alone is larger than a page. */
export interface TextBlock {
  text: string;
  markdown: string;
  /** Joined to the block before it by a line break, not a blank line (list items after the first). */
  tight?: boolean;
}

// Control characters other than tab and line feed; form feed and vertical tab become newlines.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/g;

/** Collapses every run of whitespace (newlines included) to one space. */
export function normalizeInline(text: string): string {
  return text.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

/**
 * Keeps line and paragraph structure: CRLF/CR → LF, spaces and tabs collapsed inside lines,
 * trailing spaces dropped, at most one blank line in a row, no leading or trailing blank lines.
 */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?|[\f\v\u2028\u2029]/g, '\n')
    .replace(CONTROL, '')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** `text.slice(0, end)` without splitting a surrogate pair. */
export function safeSlice(text: string, end: number): string {
  if (end <= 0) return '';
  if (end >= text.length) return text;
  const last = text.charCodeAt(end - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

/** The document's allowance of extracted characters; `truncated` once something was cut. */
export class TextBudget {
  private used = 0;
  truncated = false;

  constructor(readonly maxChars: number) {}

  get remaining(): number {
    return Math.max(0, this.maxChars - this.used);
  }

  get exhausted(): boolean {
    return this.used >= this.maxChars;
  }

  /** Counts `chars` that were kept. */
  spend(chars: number): void {
    this.used += chars;
  }

  /** Marks the text as cut (content was left out). */
  cut(): void {
    this.truncated = true;
  }

  /** The part of `text` that fits, counted as spent; marks truncation when it had to cut. */
  take(text: string): string {
    const kept = safeSlice(text, this.remaining);
    if (kept.length < text.length) this.truncated = true;
    this.used += kept.length;
    return kept;
  }
}

/**
 * Cuts `text` into pieces of at most `size` characters, preferring a paragraph break, then a
 * line break, then a space in the second half of each piece; a hard cut otherwise.
 */
export function splitLongText(text: string, size: number = PAGE_TARGET_CHARS): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > size) {
    const window = safeSlice(rest, size);
    const floor = Math.floor(size / 2);
    let cut = -1;
    for (const separator of ['\n\n', '\n', ' ']) {
      const at = window.lastIndexOf(separator);
      if (at >= floor) {
        cut = at;
        break;
      }
    }
    if (cut < 0) {
      pieces.push(window);
      rest = rest.slice(window.length);
    } else {
      pieces.push(window.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces.filter((piece) => piece.length > 0);
}

export interface PageBuilderOptions {
  budget: TextBudget;
  targetChars?: number;
}

/**
 * Groups blocks into pages of about `targetChars` text characters, spending the budget; blocks
 * that arrive once it is spent are dropped and the budget marked truncated. A block larger
 * than a page is split (its pieces joined by line breaks) when its text and Markdown are the
 * same; otherwise it is kept whole, on a longer page, so its Markdown stays valid.
 */
export class PageBuilder {
  private readonly pages: ExtractedPage[] = [];
  private text: string[] = [];
  private markdown: string[] = [];
  /** The separator before each kept piece of the current page. */
  private joins: string[] = [];
  private size = 0;
  private readonly target: number;

  constructor(private readonly options: PageBuilderOptions) {
    this.target = options.targetChars ?? PAGE_TARGET_CHARS;
  }

  /** False once the budget is spent: the caller can stop producing blocks. */
  get accepting(): boolean {
    return !this.options.budget.exhausted;
  }

  add(block: TextBlock): void {
    if (block.text.length === 0 && block.markdown.trim().length === 0) return;
    if (block.text.length <= this.target || block.text !== block.markdown) {
      this.addPiece(block);
      return;
    }
    splitLongText(block.text, this.target).forEach((text, index) =>
      this.addPiece({ text, markdown: text, tight: index === 0 ? block.tight : true }),
    );
  }

  /** Closes the last page and returns them all, numbered from 1. */
  finish(): ExtractedPage[] {
    this.flush();
    return this.pages;
  }

  private addPiece(piece: TextBlock): void {
    const { budget } = this.options;
    if (budget.exhausted) {
      budget.cut();
      return;
    }
    if (this.size > 0 && this.size + 2 + piece.text.length > this.target) this.flush();
    const join = this.text.length === 0 ? '' : piece.tight === true ? '\n' : '\n\n';
    budget.spend(join.length);
    const kept = budget.take(piece.text);
    // A cut block keeps its cut text as Markdown too (its markup may not survive a cut).
    const markdown = kept.length < piece.text.length ? kept : piece.markdown;
    if (kept.length === 0 && markdown.trim().length === 0) return;
    this.text.push(kept);
    this.markdown.push(markdown);
    this.joins.push(join);
    this.size += join.length + kept.length;
  }

  private flush(): void {
    if (this.text.length === 0) return;
    const joined = (parts: string[]): string =>
      parts.map((part, index) => (this.joins[index] ?? '') + part).join('');
    this.pages.push({
      number: this.pages.length + 1,
      text: joined(this.text),
      markdown: joined(this.markdown),
    });
    this.text = [];
    this.markdown = [];
    this.joins = [];
    this.size = 0;
  }
}

/**
 * Pages of `blocks` within `maxTextChars`: reading stops (and the result is truncated) once the
 * budget is spent, so a large document is never read further than it can be kept.
 */
export async function paginate(
  blocks: Iterable<TextBlock> | AsyncIterable<TextBlock>,
  maxTextChars: number,
  first: TextBlock[] = [],
): Promise<{ pages: ExtractedPage[]; truncated: boolean }> {
  const budget = new TextBudget(maxTextChars);
  const builder = new PageBuilder({ budget });
  for (const block of first) builder.add(block);
  for await (const block of blocks) {
    if (!builder.accepting) {
      budget.cut();
      break;
    }
    builder.add(block);
  }
  return { pages: builder.finish(), truncated: budget.truncated };
}
