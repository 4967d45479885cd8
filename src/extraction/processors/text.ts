/**
 * Plain text and Markdown, streamed: the file is decoded in chunks, cut into lines (a line
 * longer than a page is cut at a space) and paragraphs (blank lines; never inside a fenced
 * code block), and each paragraph of at most a page goes to the page builder as it comes.
 * Reading stops after `maxTextChars` characters of source, so a 1 GB single-line file costs
 * about the text kept, and no step works on more than a page of text at once. Plain text is
 * whitespace-normalised; for Markdown, `markdown` is the source and `text` strips the markup
 * lightly; the title is the front matter's `title:` or the first heading.
 */
import {
  normalizeText,
  PAGE_TARGET_CHARS,
  PageBuilder,
  safeSlice,
  TextBudget,
} from '../text-pages.js';
import { withDecodedFile } from '../text-decoding.js';
import type { ExtractionResult, ExtractionTask, ProgressReporter } from '../../ports/extractor.js';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** The title is looked for in this much of the start of a Markdown file. */
const HEAD_CHARS = 64 * 1024;
/** Front matter longer than this is not front matter: its lines are kept as text. */
const MAX_FRONT_MATTER_LINES = 500;

/** Markdown to readable text: markers, emphasis, link targets and fences dropped. */
export function stripMarkdown(markdown: string): string {
  const lines: string[] = [];
  let inFence = false;
  for (const raw of markdown.split('\n')) {
    if (FENCE.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      lines.push(raw);
      continue;
    }
    // Setext underlines, rules and link reference definitions carry no text.
    if (/^ {0,3}(=+|-+|(\* *){3,}|(_ *){3,})\s*$/.test(raw)) continue;
    if (/^ {0,3}\[[^\]]+\]:\s*\S+/.test(raw)) continue;
    const line = raw
      .replace(/^ {0,3}#{1,6}\s+/, '')
      .replace(/\s+#+\s*$/, '')
      .replace(/^(\s*>)+\s?/, '')
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
      .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
      .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
      .replace(/(^|[^\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?!\w)/g, '$1$2')
      .replace(/(^|[^\w_])_(?=\S)([^_]+?)(?<=\S)_(?!\w)/g, '$1$2')
      .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '$1')
      .replace(/`+([^`]+)`+/g, '$1');
    lines.push(line);
  }
  return normalizeText(lines.join('\n'));
}

const FRONT_MATTER = /^---\n([\s\S]*?)\n(?:---|\.\.\.)\n/;

/** The front matter's title, else the first ATX or setext heading outside code, else null. */
export function markdownTitle(head: string): string | null {
  const front = FRONT_MATTER.exec(head)?.[1];
  const fromFront = front === undefined ? undefined : /^title:\s*(.+)$/m.exec(front)?.[1];
  if (fromFront !== undefined) {
    const title = fromFront.trim().replace(/^(['"])(.*)\1$/, '$2');
    if (title.length > 0) return title;
  }
  let inFence = false;
  const lines = head.replace(FRONT_MATTER, '').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (FENCE.test(line)) inFence = !inFence;
    if (inFence) continue;
    const atx = /^ {0,3}#{1,6}\s+(.+?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (atx !== undefined) return stripMarkdown(atx) || null;
    const next = lines[index + 1];
    if (line.trim() !== '' && next !== undefined && /^ {0,3}(=+|-+)\s*$/.test(next)) {
      if (!/^ {0,3}([-*+]|\d+[.)])\s/.test(line)) return stripMarkdown(line) || null;
    }
  }
  return null;
}

/** Gathers lines into paragraphs of at most a page and hands them to the page builder. */
class ParagraphAssembler {
  private lines: string[] = [];
  private size = 0;
  /** The current paragraph continues one that was cut for length. */
  private continued = false;
  private fence: string | null = null;
  private fenceOpener = '';
  private lineCount = 0;
  private frontMatter: string[] | null = null;

  constructor(
    private readonly builder: PageBuilder,
    private readonly markdown: boolean,
  ) {}

  /** One line of source; `partial` when it is a piece of a line cut for length. */
  line(line: string, partial: boolean): void {
    if (this.markdown && this.handleFrontMatter(line)) return;
    const marker = this.markdown && !partial ? FENCE.exec(line)?.[1] : undefined;
    if (this.fence === null && marker === undefined && line.trim() === '') {
      this.flush(false);
      return;
    }
    if (this.size > 0 && this.size + line.length + 1 > PAGE_TARGET_CHARS) this.flush(true);
    if (marker !== undefined) {
      if (this.fence === null) {
        this.fence = marker;
        this.fenceOpener = line;
      } else if (marker.startsWith(this.fence)) {
        this.fence = null;
      }
    }
    this.lines.push(line);
    this.size += line.length + 1;
  }

  /** Ends the paragraph; `cut` when it goes on in the next block (fences are closed/reopened). */
  flush(cut: boolean): void {
    if (this.frontMatter !== null) {
      const lines = this.frontMatter;
      this.frontMatter = null;
      for (const line of lines) this.line(line, false);
    }
    if (this.lines.length === 0) return;
    const openFence = cut && this.fence !== null;
    const source = this.lines.join('\n') + (openFence ? `\n${this.fence}` : '');
    const text = this.markdown ? stripMarkdown(source) : normalizeText(source);
    this.builder.add({
      text,
      markdown: this.markdown ? source : text,
      tight: this.continued,
    });
    this.lines = openFence ? [this.fenceOpener] : [];
    this.size = openFence ? this.fenceOpener.length + 1 : 0;
    this.continued = cut;
  }

  /** Swallows a leading `---` … `---` block; true when `line` belonged to it. */
  private handleFrontMatter(line: string): boolean {
    const index = this.lineCount++;
    if (index === 0 && line === '---') {
      this.frontMatter = [line];
      return true;
    }
    if (this.frontMatter === null) return false;
    this.frontMatter.push(line);
    if (line === '---' || line === '...') {
      this.frontMatter = null;
      return true;
    }
    if (this.frontMatter.length > MAX_FRONT_MATTER_LINES) {
      // Not front matter after all: replay its lines as ordinary text.
      const lines = this.frontMatter;
      this.frontMatter = null;
      for (const replayed of lines) this.line(replayed, false);
    }
    return true;
  }
}

/** Splits the decoded stream into lines for `assembler`; stops after `maxChars` characters. */
async function readLines(
  chunks: AsyncIterable<string>,
  maxChars: number,
  onLine: (line: string, partial: boolean) => void,
): Promise<{ head: string; more: boolean }> {
  let read = 0;
  let head = '';
  let carry = '';
  let pendingCr = false;
  let more = false;
  for await (const raw of chunks) {
    let chunk: string = raw;
    if (read + chunk.length > maxChars) {
      chunk = safeSlice(chunk, maxChars - read);
      more = true;
    }
    read += chunk.length;
    // A CR at the end of a chunk may be the first half of a CRLF: decide with the next chunk.
    let text: string = (pendingCr ? '\r' : '') + chunk;
    pendingCr = text.endsWith('\r') && !more;
    if (pendingCr) text = text.slice(0, -1);
    text = text.replace(/\r\n?/g, '\n');
    if (head.length < HEAD_CHARS) head += text.slice(0, HEAD_CHARS - head.length);
    carry += text;
    let start = 0;
    for (let end = carry.indexOf('\n'); end >= 0; end = carry.indexOf('\n', start)) {
      onLine(carry.slice(start, end), false);
      start = end + 1;
    }
    carry = carry.slice(start);
    while (carry.length > PAGE_TARGET_CHARS) {
      const window = safeSlice(carry, PAGE_TARGET_CHARS);
      const space = window.lastIndexOf(' ');
      const cut = space >= PAGE_TARGET_CHARS / 2 ? space + 1 : window.length;
      onLine(carry.slice(0, cut), true);
      carry = carry.slice(cut);
    }
    if (more) break;
  }
  if (carry.length > 0 || pendingCr) onLine(carry, false);
  return { head, more };
}

export async function extractText(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const isMarkdown = task.mediaType === 'text/markdown';
  const { pages, head, truncated } = await withDecodedFile(task.path, async (chunks) => {
    // Fresh state on every call: a Latin-1 retry starts over.
    const budget = new TextBudget(task.limits.maxTextChars);
    const builder = new PageBuilder({ budget });
    const assembler = new ParagraphAssembler(builder, isMarkdown);
    const { head, more } = await readLines(chunks, task.limits.maxTextChars, (line, partial) =>
      assembler.line(line, partial),
    );
    assembler.flush(false);
    if (more) budget.cut();
    return { pages: builder.finish(), head, truncated: budget.truncated };
  });
  const title = isMarkdown ? markdownTitle(head) : null;
  progress(pages.length, pages.length);
  return {
    pages,
    pageCount: pages.length,
    metadata: title === null ? {} : { title },
    needsOcr: false,
    truncated,
  };
}
