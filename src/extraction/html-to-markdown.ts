/**
 * A small HTML → Markdown converter for extracted content (readability's article, mammoth's
 * DOCX HTML): headings, paragraphs, lists, links, code, emphasis, quotes and tables. It
 * returns blocks, each with its Markdown and its plain text, so pages cut between blocks keep
 * the two in step. It works on any DOM with the few members below (linkedom here), and stops
 * descending past MAX_DEPTH (deeper content becomes plain text) so hostile nesting cannot
 * overflow the stack.
 */
import { normalizeInline, PAGE_TARGET_CHARS, type TextBlock } from './text-pages.js';

/** The part of a DOM node the converter reads. */
export interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
  getAttribute?(name: string): string | null;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const MAX_DEPTH = 200;

const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'title',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'canvas',
  'button',
  'input',
  'select',
  'textarea',
  'option',
]);

const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'nav',
  'figure',
  'figcaption',
  'address',
  'dl',
  'dt',
  'dd',
  'details',
  'summary',
  'form',
  'fieldset',
  'center',
  'body',
  'html',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'pre',
  'blockquote',
  'table',
  'hr',
]);

const HEADING = /^h([1-6])$/;

interface Inline {
  md: string;
  text: string;
}

const tagOf = (node: DomNode): string => node.nodeName.toLowerCase();

const childrenOf = (node: DomNode): DomNode[] => Array.from(node.childNodes);

const attribute = (node: DomNode, name: string): string => (node.getAttribute?.(name) ?? '').trim();

/** Escapes what would otherwise turn text into Markdown syntax. */
function escapeMarkdown(text: string): string {
  return text
    .replace(/([\\`*[\]])/g, '\\$1')
    .replace(/(^|\W)_/g, '$1\\_')
    .replace(/_(?=\W|$)/g, '\\_');
}

/** `marker` around `inner`, with its outer spaces moved outside the markers. */
function wrap(marker: string, inner: Inline): Inline {
  const core = inner.md.trim();
  if (core.length === 0) return inner;
  const lead = /^\s/.test(inner.md) ? ' ' : '';
  const trail = /\s$/.test(inner.md) ? ' ' : '';
  return { md: `${lead}${marker}${core}${marker}${trail}`, text: inner.text };
}

function safeHref(href: string): string | null {
  if (href.length === 0 || href.startsWith('#')) return null;
  if (/^\s*(javascript|vbscript|data):/i.test(href)) return null;
  return href.replace(/[()\s]/g, (char) => encodeURIComponent(char));
}

/** Content read as inline text; block elements inside become line breaks. */
function inlineOf(node: DomNode, depth: number): Inline {
  if (node.nodeType === TEXT || node.nodeType === CDATA) {
    const text = (node.textContent ?? '').replace(/\s+/g, ' ');
    return { md: escapeMarkdown(text), text };
  }
  if (node.nodeType !== ELEMENT) return { md: '', text: '' };
  const tag = tagOf(node);
  if (SKIPPED.has(tag)) return { md: '', text: '' };
  if (depth > MAX_DEPTH) {
    const text = ` ${normalizeInline(node.textContent ?? '')} `;
    return { md: escapeMarkdown(text), text };
  }
  if (tag === 'br') return { md: '\n', text: '\n' };
  if (tag === 'img') {
    const alt = normalizeInline(attribute(node, 'alt'));
    const src = safeHref(attribute(node, 'src'));
    return src === null
      ? { md: '', text: '' }
      : { md: `![${escapeMarkdown(alt)}](${src})`, text: '' };
  }
  if (tag === 'code' || tag === 'kbd' || tag === 'samp' || tag === 'tt') {
    const text = (node.textContent ?? '').replace(/\s+/g, ' ');
    if (text.trim().length === 0) return { md: text, text };
    const fence = text.includes('`') ? '``' : '`';
    return { md: `${fence}${text.trim()}${fence}`, text };
  }
  const parts = childrenOf(node).map((child) => inlineOf(child, depth + 1));
  let inner = joinInline(parts);
  if (BLOCKS.has(tag)) inner = { md: `\n${inner.md}\n`, text: `\n${inner.text}\n` };
  switch (tag) {
    case 'strong':
    case 'b':
      return wrap('**', inner);
    case 'em':
    case 'i':
    case 'cite':
      return wrap('_', inner);
    case 'del':
    case 's':
    case 'strike':
      return wrap('~~', inner);
    case 'a': {
      const href = safeHref(attribute(node, 'href'));
      const label = inner.md.trim();
      if (href === null || label.length === 0) return inner;
      return { md: `[${label.replace(/\n+/g, ' ')}](${href})`, text: inner.text };
    }
    default:
      return inner;
  }
}

/** Consecutive inline pieces as one. */
function joinInline(parts: Inline[]): Inline {
  return {
    md: parts.map((part) => part.md).join(''),
    text: parts.map((part) => part.text).join(''),
  };
}

/** Cleans inline Markdown or text into one paragraph (line breaks kept, spaces collapsed). */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

function paragraph(inline: Inline): TextBlock | null {
  const markdown = tidy(inline.md);
  const text = tidy(inline.text);
  return markdown.length === 0 && text.length === 0 ? null : { markdown, text };
}

const escapeCell = (text: string): string => tidy(text).replace(/\n/g, ' ').replace(/\|/g, '\\|');

function rowsOf(table: DomNode): DomNode[][] {
  const rows: DomNode[][] = [];
  const visit = (node: DomNode, depth: number): void => {
    for (const child of childrenOf(node)) {
      if (child.nodeType !== ELEMENT) continue;
      const tag = tagOf(child);
      if (tag === 'tr') {
        rows.push(childrenOf(child).filter((cell) => ['td', 'th'].includes(tagOf(cell))));
      } else if (['thead', 'tbody', 'tfoot'].includes(tag) && depth < 2) {
        visit(child, depth + 1);
      }
    }
  };
  visit(table, 0);
  return rows.filter((row) => row.length > 0);
}

/** A table as Markdown tables of at most about a page each, every one repeating the header. */
function tableBlocks(table: DomNode, depth: number): TextBlock[] {
  const rows = rowsOf(table).map((row) => row.map((cell) => inlineOf(cell, depth + 1)));
  const [header, ...body] = rows;
  if (header === undefined) return [];
  const width = Math.max(...rows.map((row) => row.length));
  const line = (cells: string[]): string =>
    `| ${Array.from({ length: width }, (_, index) => cells[index] ?? '').join(' | ')} |`;
  const head = [
    line(header.map((cell) => escapeCell(cell.md))),
    line(Array.from({ length: width }, () => '---')),
  ].join('\n');
  const headText = header.map((cell) => tidy(cell.text).replace(/\n/g, ' ')).join(' | ');
  const blocks: TextBlock[] = [];
  let md: string[] = [];
  let text: string[] = [];
  let size = 0;
  const flush = (): void => {
    blocks.push({ markdown: [head, ...md].join('\n'), text: [headText, ...text].join('\n') });
    md = [];
    text = [];
    size = 0;
  };
  for (const row of body) {
    const rowText = row.map((cell) => tidy(cell.text).replace(/\n/g, ' ')).join(' | ');
    if (size > 0 && size + rowText.length > PAGE_TARGET_CHARS) flush();
    md.push(line(row.map((cell) => escapeCell(cell.md))));
    text.push(rowText);
    size += rowText.length + 1;
  }
  if (size > 0 || blocks.length === 0) flush();
  return blocks;
}

/** One block per list item (nested lists stay inside their item, indented), joined tightly. */
function listBlocks(list: DomNode, depth: number): TextBlock[] {
  const ordered = tagOf(list) === 'ol';
  let number = Number.parseInt(attribute(list, 'start'), 10);
  if (!Number.isFinite(number)) number = 1;
  const blocks: TextBlock[] = [];
  for (const item of childrenOf(list)) {
    if (item.nodeType !== ELEMENT || tagOf(item) !== 'li') continue;
    const marker = ordered ? `${number++}. ` : '- ';
    const lines = itemLines(item, depth + 1);
    if (lines.md.length === 0) continue;
    const indent = ' '.repeat(marker.length);
    blocks.push({
      markdown: lines.md.map((row, index) => (index === 0 ? marker : indent) + row).join('\n'),
      text: lines.text.join('\n'),
      tight: blocks.length > 0,
    });
  }
  return blocks;
}

function itemLines(item: DomNode, depth: number): { md: string[]; text: string[] } {
  const md: string[] = [];
  const text: string[] = [];
  let pending: Inline[] = [];
  const flushInline = (): void => {
    const block = paragraph(joinInline(pending));
    pending = [];
    if (block === null) return;
    md.push(...block.markdown.split('\n'));
    text.push(...block.text.split('\n'));
  };
  for (const child of childrenOf(item)) {
    const tag = child.nodeType === ELEMENT ? tagOf(child) : '';
    if ((tag === 'ul' || tag === 'ol') && depth <= MAX_DEPTH) {
      flushInline();
      for (const nested of listBlocks(child, depth + 1)) {
        md.push(...nested.markdown.split('\n'));
        text.push(...nested.text.split('\n'));
      }
    } else {
      pending.push(inlineOf(child, depth + 1));
    }
  }
  flushInline();
  return { md, text };
}

function preBlock(node: DomNode): TextBlock | null {
  const code = (node.textContent ?? '').replace(/^\n/, '').replace(/\s+$/, '');
  if (code.trim().length === 0) return null;
  const codeChild = childrenOf(node).find((child) => tagOf(child) === 'code');
  const language =
    /(?:^|\s)(?:language|lang)-([\w+-]+)/.exec(
      codeChild === undefined ? '' : attribute(codeChild, 'class'),
    )?.[1] ?? '';
  const longest = Math.max(2, ...Array.from(code.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return { markdown: `${fence}${language}\n${code}\n${fence}`, text: code };
}

function collectBlocks(node: DomNode, depth: number, out: TextBlock[]): void {
  let pending: Inline[] = [];
  const flushInline = (): void => {
    const block = paragraph(joinInline(pending));
    pending = [];
    if (block !== null) out.push(block);
  };
  for (const child of childrenOf(node)) {
    const tag = child.nodeType === ELEMENT ? tagOf(child) : '';
    if (!BLOCKS.has(tag) || depth > MAX_DEPTH) {
      pending.push(inlineOf(child, depth + 1));
      continue;
    }
    flushInline();
    const heading = HEADING.exec(tag);
    if (heading !== null) {
      const block = paragraph(inlineOf(child, depth + 1));
      if (block !== null) {
        out.push({
          markdown: `${'#'.repeat(Number(heading[1]))} ${block.markdown.replace(/\n/g, ' ')}`,
          text: block.text.replace(/\n/g, ' '),
        });
      }
    } else if (tag === 'ul' || tag === 'ol') {
      out.push(...listBlocks(child, depth + 1));
    } else if (tag === 'pre') {
      const block = preBlock(child);
      if (block !== null) out.push(block);
    } else if (tag === 'table') {
      out.push(...tableBlocks(child, depth + 1));
    } else if (tag === 'blockquote') {
      const inner: TextBlock[] = [];
      collectBlocks(child, depth + 1, inner);
      if (inner.length > 0) {
        out.push({
          markdown: inner
            .map((block) => block.markdown.replace(/^/gm, '> '))
            .join('\n>\n')
            .replace(/^> $/gm, '>'),
          text: inner.map((block) => block.text).join('\n\n'),
        });
      }
    } else if (tag !== 'hr') {
      collectBlocks(child, depth + 1, out);
    }
  }
  flushInline();
}

/** The content of `root` as Markdown/text blocks, in document order. */
export function htmlToBlocks(root: DomNode): TextBlock[] {
  const blocks: TextBlock[] = [];
  collectBlocks(root, 0, blocks);
  return blocks;
}

/** The content of `root` as one Markdown string. */
export function htmlToMarkdown(root: DomNode): string {
  return htmlToBlocks(root)
    .map((block) => block.markdown)
    .join('\n\n');
}
