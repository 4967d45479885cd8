/**
 * RTF with a small, bounded reader (no maintained library here gives paragraphs, headings and
 * tables without rendering): one pass over the file with an explicit group stack, never
 * recursion, refused past MAX_GROUP_DEPTH. Destinations that carry no body text (font and colour
 * tables, styles, pictures, objects, headers and footers, field instructions, `\*` groups) are
 * skipped; `\info` gives the metadata. Paragraphs with `\outlinelevelN` become headings, `\ls`
 * paragraphs list items, `\cell`/`\row` Markdown tables. Bytes written as `\'hh` are decoded in
 * the document's code page (`\ansicpgN`), `\uN` as Unicode. RTF is read whole, so files above
 * MAX_RTF_BYTES are refused. It has no pages: they are cut at about 3,000 characters.
 */
import { readFile, stat } from 'node:fs/promises';
import { normalizeInline, paginate, type TextBlock } from '../text-pages.js';
import type {
  ExtractedMetadata,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

export const MAX_RTF_BYTES = 64 * 1024 * 1024;
/** Real documents nest a few dozen groups deep; more is hostile. */
export const MAX_GROUP_DEPTH = 512;

/** Destinations whose text is not body text. */
const SKIPPED = new Set([
  'fonttbl',
  'colortbl',
  'stylesheet',
  'listtable',
  'listoverridetable',
  'revtbl',
  'rsidtbl',
  'generator',
  'xmlnstbl',
  'latentstyles',
  'themedata',
  'colorschememapping',
  'datastore',
  'pict',
  'shppict',
  'nonshppict',
  'object',
  'objdata',
  'header',
  'headerl',
  'headerr',
  'headerf',
  'footer',
  'footerl',
  'footerr',
  'footerf',
  'fldinst',
  'listtext',
  'pntext',
  'pntxta',
  'pntxtb',
  'filetbl',
  'footnote',
  'annotation',
  'mmathPr',
  'sp',
  'sv',
]);
const INFO_FIELDS = new Set(['title', 'author', 'subject', 'keywords', 'creatim']);

interface GroupState {
  skip: boolean;
  /** The `\info` field this group's text belongs to. */
  infoField: string | null;
  /** Characters to drop after `\uN`. */
  unicodeSkip: number;
}

interface Paragraph {
  heading: number | null;
  listItem: boolean;
  inTable: boolean;
}

class RtfReader {
  private readonly stack: GroupState[] = [];
  private state: GroupState = { skip: false, infoField: null, unicodeSkip: 1 };
  private codePage = 'windows-1252';
  private pendingBytes: number[] = [];
  private text = '';
  private paragraph: Paragraph = { heading: null, listItem: false, inTable: false };
  private cells: string[] = [];
  private rows: string[][] = [];
  /** Characters still to drop after a `\uN`. */
  private toSkip = 0;
  /** True after `\*`: the group it opens is skipped unless its word is understood. */
  private starred = false;
  private groupStart = false;
  readonly blocks: TextBlock[] = [];
  readonly info = new Map<string, string>();
  readonly created: Record<string, number> = {};

  constructor(private readonly source: string) {}

  read(): void {
    const source = this.source;
    let at = 0;
    while (at < source.length) {
      const char = source[at] as string;
      if (char === '{') {
        if (this.stack.length >= MAX_GROUP_DEPTH) {
          throw new Failure(
            'UNPROCESSABLE_DOCUMENT',
            `The RTF nests groups more than ${MAX_GROUP_DEPTH} deep`,
          );
        }
        this.flushBytes();
        this.stack.push(this.state);
        this.state = { ...this.state };
        this.groupStart = true;
        at++;
        continue;
      }
      if (char === '}') {
        this.flushBytes();
        this.state = this.stack.pop() ?? this.state;
        this.groupStart = false;
        this.starred = false;
        at++;
        continue;
      }
      if (char === '\\') {
        at = this.controlAt(at);
        continue;
      }
      if (char === '\r' || char === '\n') {
        at++;
        continue;
      }
      this.groupStart = false;
      this.addChar(char);
      at++;
    }
    this.flushBytes();
    this.endParagraph();
    this.flushTable();
  }

  /** Reads the control word or symbol at `at`; returns where the next token starts. */
  private controlAt(at: number): number {
    const source = this.source;
    const next = source[at + 1];
    if (next === undefined) return at + 1;
    if (!/[a-zA-Z]/.test(next)) {
      if (next === "'") {
        const hex = source.slice(at + 2, at + 4);
        if (this.toSkip > 0) this.toSkip--;
        else if (this.readsText() && /^[0-9a-fA-F]{2}$/.test(hex))
          this.pendingBytes.push(Number.parseInt(hex, 16));
        return at + 4;
      }
      if (next === '*') {
        this.starred = true;
        return at + 2;
      }
      if (next === '~') this.addChar('\u00a0');
      else if (next === '-' || next === '_') this.addChar(next === '_' ? '-' : '');
      else if (next === '\n' || next === '\r') this.control('par', null);
      else if (next === '\\' || next === '{' || next === '}') this.addChar(next);
      return at + 2;
    }
    const match = /^([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(source.slice(at + 1, at + 48));
    if (match === null) return at + 1;
    const word = match[1] as string;
    const parameter = match[2] === undefined ? null : Number(match[2]);
    if (word === 'bin' && parameter !== null && parameter > 0) {
      return at + 1 + match[0].length + parameter; // binary data: skipped unread
    }
    this.control(word, parameter);
    return at + 1 + match[0].length;
  }

  private control(word: string, parameter: number | null): void {
    const opensGroup = this.groupStart;
    this.groupStart = false;
    if (opensGroup) {
      const starred = this.starred;
      this.starred = false;
      // `\info` is skipped but for the fields read as metadata.
      if (word === 'info') {
        this.state.skip = true;
        return;
      }
      if (INFO_FIELDS.has(word) && this.stack.length > 0) {
        this.flushBytes();
        this.state.infoField = word;
        return;
      }
      if (SKIPPED.has(word) || starred) {
        this.state.skip = true;
        return;
      }
    }
    if (this.state.infoField === 'creatim') {
      if (['yr', 'mo', 'dy', 'hr', 'min'].includes(word) && parameter !== null)
        this.created[word] = parameter;
      return;
    }
    switch (word) {
      case 'ansicpg':
        if (parameter !== null) this.codePage = codePageName(parameter);
        return;
      case 'uc':
        if (parameter !== null) this.state.unicodeSkip = Math.max(0, Math.min(parameter, 8));
        return;
      case 'u':
        if (parameter !== null) {
          this.flushBytes();
          this.addChar(String.fromCharCode(parameter < 0 ? parameter + 65536 : parameter));
          this.toSkip = this.state.unicodeSkip;
        }
        return;
      case 'par':
      case 'sect':
      case 'page':
        this.flushBytes();
        this.endParagraph();
        return;
      case 'line':
        this.addChar('\n');
        return;
      case 'tab':
        this.addChar('\t');
        return;
      case 'emdash':
        this.addChar('—');
        return;
      case 'endash':
        this.addChar('–');
        return;
      case 'bullet':
        this.addChar('•');
        return;
      case 'lquote':
        this.addChar('‘');
        return;
      case 'rquote':
        this.addChar('’');
        return;
      case 'ldblquote':
        this.addChar('“');
        return;
      case 'rdblquote':
        this.addChar('”');
        return;
      case 'pard':
        this.paragraph = { heading: null, listItem: false, inTable: false };
        return;
      case 'outlinelevel':
        if (parameter !== null && parameter >= 0 && parameter <= 5)
          this.paragraph.heading = parameter + 1;
        return;
      case 'ls':
        this.paragraph.listItem = true;
        return;
      case 'intbl':
        this.paragraph.inTable = true;
        return;
      case 'cell':
        this.flushBytes();
        this.cells.push(normalizeInline(this.takeText()));
        return;
      case 'row':
        this.flushBytes();
        if (this.cells.length > 0) this.rows.push(this.cells);
        this.cells = [];
        return;
      default:
        return;
    }
  }

  private addChar(char: string): void {
    if (this.toSkip > 0) {
      this.toSkip--;
      return;
    }
    if (!this.readsText()) return;
    this.flushBytes();
    this.append(char);
  }

  /** Whether text here is kept: body text, or an `\info` field's. */
  private readsText(): boolean {
    return !this.state.skip || this.state.infoField !== null;
  }

  private append(text: string): void {
    const field = this.state.infoField;
    if (field !== null) {
      this.info.set(field, (this.info.get(field) ?? '') + text);
      return;
    }
    this.text += text;
  }

  private flushBytes(): void {
    if (this.pendingBytes.length === 0) return;
    const bytes = Uint8Array.from(this.pendingBytes);
    this.pendingBytes = [];
    this.append(new TextDecoder(this.codePage).decode(bytes));
  }

  private takeText(): string {
    const text = this.text;
    this.text = '';
    return text;
  }

  private endParagraph(): void {
    const raw = this.takeText();
    if (this.paragraph.inTable) return; // its text went to the cells
    this.flushTable();
    const text = raw
      .split('\n')
      .map((line) => normalizeInline(line))
      .filter((line) => line.length > 0)
      .join('\n');
    if (text.length === 0) return;
    const { heading, listItem } = this.paragraph;
    if (heading !== null) {
      this.blocks.push({ text, markdown: `${'#'.repeat(heading)} ${text.replace(/\n/g, ' ')}` });
    } else if (listItem) {
      this.blocks.push({
        text,
        markdown: `- ${text.replace(/\n/g, ' ')}`,
        tight: this.lastWasListItem,
      });
    } else {
      this.blocks.push({ text, markdown: text.replace(/\n/g, '  \n') });
    }
    this.lastWasListItem = listItem && heading === null;
  }

  private lastWasListItem = false;

  private flushTable(): void {
    if (this.cells.length > 0) {
      this.rows.push(this.cells);
      this.cells = [];
    }
    if (this.rows.length === 0) return;
    const width = Math.max(...this.rows.map((row) => row.length));
    const cell = (value: string | undefined): string => (value ?? '').replace(/\|/g, '\\|');
    const line = (row: string[]): string =>
      `| ${Array.from({ length: width }, (_, index) => cell(row[index])).join(' | ')} |`;
    const [header, ...body] = this.rows;
    const markdown = [
      line(header ?? []),
      `| ${Array.from({ length: width }, () => '---').join(' | ')} |`,
      ...body.map(line),
    ].join('\n');
    const text = this.rows
      .map((row) => row.filter((value) => value.length > 0).join(' '))
      .join('\n');
    this.blocks.push({ text, markdown });
    this.rows = [];
    this.lastWasListItem = false;
  }
}

/** The TextDecoder label of a Windows code page; windows-1252 for one it does not know. */
function codePageName(codePage: number): string {
  const names: Record<number, string> = {
    437: 'ibm866',
    708: 'iso-8859-6',
    866: 'ibm866',
    874: 'windows-874',
    932: 'shift_jis',
    936: 'gbk',
    949: 'euc-kr',
    950: 'big5',
    10000: 'macintosh',
    65001: 'utf-8',
  };
  const name =
    names[codePage] ?? (codePage >= 1250 && codePage <= 1258 ? `windows-${codePage}` : null);
  if (name === null) return 'windows-1252';
  try {
    new TextDecoder(name);
    return name;
  } catch {
    return 'windows-1252';
  }
}

function metadataOf(reader: RtfReader): ExtractedMetadata {
  const metadata: ExtractedMetadata = {};
  const field = (name: string): string | undefined => {
    const value = normalizeInline(reader.info.get(name) ?? '');
    return value.length > 0 ? value : undefined;
  };
  const title = field('title');
  const author = field('author');
  const subject = field('subject');
  const keywords = field('keywords');
  if (title !== undefined) metadata.title = title;
  if (author !== undefined) metadata.author = author;
  if (subject !== undefined) metadata.subject = subject;
  if (keywords !== undefined) metadata.keywords = keywords;
  const { yr, mo, dy, hr, min } = reader.created;
  if (yr !== undefined && yr >= 1000 && yr <= 9999) {
    const time = Date.UTC(yr, (mo ?? 1) - 1, dy ?? 1, hr ?? 0, min ?? 0);
    if (Number.isFinite(time)) metadata.created = new Date(time).toISOString();
  }
  return metadata;
}

export async function extractRtf(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const { size } = await stat(task.path);
  if (size > MAX_RTF_BYTES) {
    throw new Failure(
      'PAYLOAD_TOO_LARGE',
      `RTF documents are read whole; this one is ${size} bytes, above ${MAX_RTF_BYTES}`,
    );
  }
  // RTF is 7-bit: anything else in it is read byte for byte.
  const source = new TextDecoder('latin1').decode(await readFile(task.path));
  if (!source.startsWith('{\\rtf')) throw new Failure('DOCUMENT_CORRUPT', 'Not an RTF document');
  const reader = new RtfReader(source);
  reader.read();

  const { pages, truncated } = await paginate(reader.blocks, task.limits.maxTextChars);
  progress(pages.length, pages.length);
  return {
    pages,
    pageCount: pages.length,
    metadata: metadataOf(reader),
    needsOcr: false,
    truncated,
  };
}
