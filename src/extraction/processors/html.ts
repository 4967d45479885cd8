/**
 * HTML: the main content as @mozilla/readability finds it (navigation and boilerplate left
 * out), over a linkedom DOM. When readability finds nothing (or gives up on a hostile
 * document), the whole body is used. Markdown and text come from our converter, page by page.
 * HTML is parsed whole, so files above MAX_HTML_BYTES are refused.
 */
import { Readability } from '@mozilla/readability';
import type { parseHTML as ParseHtml } from 'linkedom';
import { stat, readFile } from 'node:fs/promises';
import { htmlToBlocks, type DomNode } from '../html-to-markdown.js';
import { flattenDeepNesting } from '../html-nesting.js';
import { normalizeInline, paginate } from '../text-pages.js';
import { decodeBytes } from '../text-decoding.js';
import {
  type ExtractedMetadata,
  type ExtractionResult,
  type ExtractionTask,
  type ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

/** A DOM is many times the size of its source: larger pages are refused. */
export const MAX_HTML_BYTES = 64 * 1024 * 1024;
/** Past this many elements, or this much nesting, readability is not tried: the body is read. */
const MAX_READABILITY_ELEMENTS = 100_000;
const MAX_READABILITY_DEPTH = 400;

interface HtmlDocument {
  readonly title: string;
  readonly body: DomNode | null;
  readonly documentElement: DomNode | null;
}

interface Article {
  title: string | null;
  content: DomNode | null;
  lang: string | null;
}

/**
 * linkedom builds a usable document only from markup with `<html>` and `<body>` (a fragment
 * gives no body, or a body-less tree): add whichever is missing, keeping the head in place.
 */
export function asDocument(html: string): string {
  let source = /<html[\s>]/i.test(html) ? html : `<html>${html}</html>`;
  if (/<body[\s>]/i.test(source)) return source;
  const head = /<\/head\s*>/i.exec(source);
  const open = /<html[^>]*>/i.exec(source);
  const start =
    head !== null ? head.index + head[0].length : (open?.index ?? 0) + (open?.[0].length ?? 0);
  const close = source.search(/<\/html\s*>(?![\s\S]*<\/html)/i);
  const end = close < 0 ? source.length : close;
  source = `${source.slice(0, start)}<body>${source.slice(start, end)}</body>${source.slice(end)}`;
  return source;
}

/** linkedom costs ~0.4 s to load: a worker thread loads it on its first HTML document. */
let parseHTML: typeof ParseHtml | undefined;

async function parse(html: string): Promise<HtmlDocument> {
  parseHTML ??= (await import('linkedom')).parseHTML;
  return (parseHTML(asDocument(html)) as { document: HtmlDocument }).document;
}

/**
 * Whether readability can be run: its walks are recursive and slow down badly with nesting
 * (20,000 nested divs took over 10 s before overflowing the stack), so the tree is measured
 * first, without recursion.
 */
function suitsReadability(root: DomNode): boolean {
  const stack: [DomNode, number][] = [[root, 1]];
  let elements = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [DomNode, number];
    if (++elements > MAX_READABILITY_ELEMENTS || depth > MAX_READABILITY_DEPTH) return false;
    const children = node.childNodes;
    for (let index = 0; index < children.length; index++) {
      const child = children[index];
      if (child !== undefined && child.nodeType === 1) stack.push([child, depth + 1]);
    }
  }
  return true;
}

/** Readability's article (it rewrites `document`), or null when it finds none or gives up. */
function readArticle(document: HtmlDocument): Article | null {
  try {
    const article = new Readability<DomNode>(document, {
      maxElemsToParse: MAX_READABILITY_ELEMENTS,
      // Keeps `language-*` on code blocks (for fenced code); other classes are ignored.
      keepClasses: true,
      // Keep the DOM node: no serialising to HTML and parsing it again.
      serializer: (node: unknown) => node as DomNode,
    }).parse();
    if (article === null || normalizeInline(article.textContent ?? '').length === 0) return null;
    return {
      title: article.title ?? null,
      content: article.content ?? null,
      lang: article.lang ?? null,
    };
  } catch (error) {
    // Too many elements (readability's own limit) or nesting deep enough to overflow its
    // recursive walks: the body fallback reads the document without recursion.
    if (error instanceof RangeError || /Aborting parsing document/.test(String(error))) {
      return null;
    }
    throw error;
  }
}

export async function extractHtml(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const { size } = await stat(task.path);
  if (size > MAX_HTML_BYTES) {
    throw new Failure(
      'PAYLOAD_TOO_LARGE',
      `HTML documents are parsed whole; this one is ${size} bytes, above ${MAX_HTML_BYTES}`,
    );
  }
  const { html } = flattenDeepNesting(decodeBytes(await readFile(task.path)));
  const document = await parse(html);
  const pageTitle = normalizeInline(document.title ?? '');
  const pageLanguage = document.documentElement?.getAttribute?.('lang')?.trim() ?? '';
  const tried = document.documentElement !== null && suitsReadability(document.documentElement);
  const article = tried ? readArticle(document) : null;
  let root: DomNode | null = article?.content ?? null;
  if (root === null) {
    // Readability rewrites the DOM it reads: the fallback reads the body of a fresh one.
    // (Scripts, styles and the like are skipped by the converter.)
    const fresh = tried ? await parse(html) : document;
    root = fresh.body ?? fresh.documentElement;
  }

  const { pages, truncated } = await paginate(
    root === null ? [] : htmlToBlocks(root),
    task.limits.maxTextChars,
  );

  const metadata: ExtractedMetadata = {};
  const title = normalizeInline(article?.title ?? '') || pageTitle;
  if (title.length > 0) metadata.title = title;
  const language = pageLanguage || article?.lang?.trim() || '';
  if (language.length > 0) metadata.language = language;
  progress(pages.length, pages.length);
  return { pages, pageCount: pages.length, metadata, needsOcr: false, truncated };
}
