/**
 * ODP (OpenDocument presentation): one page per `draw:page` (page N is slide N). The frame of
 * class `title` comes first, as a heading; then the other frames and shapes in reading order
 * (by svg:y, then svg:x): text boxes through odf-text.ts (paragraphs, lists), tables as Markdown
 * tables, groups opened. Speaker notes (`presentation:notes`) follow, marked `Notes:`. Metadata
 * from meta.xml. The package passes the zip-bomb checks first.
 */
import { element, text } from '../block-dom.js';
import { htmlToBlocks, type DomNode } from '../html-to-markdown.js';
import { OdfStyles, OdfText } from '../odf-text.js';
import { openDocumentMetadata } from '../package-metadata.js';
import { orderShapes, type Shape } from '../slide-order.js';
import { TextBudget } from '../text-pages.js';
import { checkPageCount, wholePage } from '../whole-pages.js';
import { childrenNamed, isElement, type XmlElement } from '../xml-tree.js';
import { ZipPackage } from '../zip-package.js';
import { odfBody } from './odt.js';
import type {
  ExtractedPage,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';

/** Millimetres per unit of an ODF length. */
const UNITS: Record<string, number> = {
  mm: 1,
  cm: 10,
  in: 25.4,
  pt: 25.4 / 72,
  pc: 25.4 / 6,
  px: 25.4 / 96,
};

/** An ODF length (`2.5cm`) in millimetres; -1 when absent or unreadable (read first). */
function length(value: string | undefined): number {
  const match = /^\s*(-?[\d.]+)\s*([a-z]*)/.exec(value ?? '');
  if (match === null) return -1;
  const number = Number(match[1]);
  return Number.isFinite(number) ? number * (UNITS[match[2] ?? 'mm'] ?? 1) : -1;
}

const SHAPES = new Set([
  'frame',
  'custom-shape',
  'rect',
  'ellipse',
  'polygon',
  'path',
  'line',
  'connector',
  'caption',
]);

function shapes(container: XmlElement, reader: OdfText, out: Shape[] = []): Shape[] {
  for (const child of container.children) {
    if (!isElement(child)) continue;
    if (child.name === 'g') {
      shapes(child, reader, out);
      continue;
    }
    if (!SHAPES.has(child.name)) continue;
    const kind = child.attributes['presentation:class'] ?? child.attributes.class;
    const position = { x: length(child.attributes.x), y: length(child.attributes.y) };
    if (kind === 'title') {
      const title = reader
        .blocks(child)
        .map((node) => (node.textContent ?? '').trim())
        .filter((line) => line.length > 0)
        .join(' ');
      if (title.length > 0)
        out.push({ ...position, title: true, nodes: [element('h1', [text(title)])] });
      continue;
    }
    out.push({ ...position, title: false, nodes: reader.blocks(child) });
  }
  return out;
}

function notesNodes(page: XmlElement, reader: OdfText): DomNode[] {
  const notes = childrenNamed(page, 'notes')[0];
  if (notes === undefined) return [];
  const nodes: DomNode[] = [];
  for (const frame of childrenNamed(notes, 'frame')) {
    const kind = frame.attributes['presentation:class'] ?? frame.attributes.class;
    if (kind === 'notes') nodes.push(...reader.blocks(frame));
  }
  const [first, ...rest] = nodes.filter((node) => (node.textContent ?? '').trim().length > 0);
  if (first === undefined) return [];
  const firstLine = first.nodeName === 'P' ? Array.from(first.childNodes) : [first];
  return [element('p', [element('strong', [text('Notes:')]), text(' '), ...firstLine]), ...rest];
}

export async function extractOdp(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const parts = await ZipPackage.read(task, 'ODP', async (zip) => ({
    content: await zip.requireXml('content.xml'),
    styles: await zip.xml('styles.xml'),
    meta: await zip.xml('meta.xml'),
  }));
  const styles = new OdfStyles();
  styles.add(parts.content);
  styles.add(parts.styles);
  const slides = childrenNamed(odfBody(parts.content, 'presentation', 'ODP'), 'page');
  checkPageCount(slides.length, task.limits.maxPages, 'slides');
  const budget = new TextBudget(task.limits.maxTextChars);
  const pages: ExtractedPage[] = [];
  for (const [index, slide] of slides.entries()) {
    const reader = new OdfText(styles);
    const nodes = [...orderShapes(shapes(slide, reader)), ...notesNodes(slide, reader)];
    pages.push(wholePage(htmlToBlocks(element('body', nodes)), index + 1, budget));
    progress(index + 1, slides.length);
  }
  progress(pages.length, pages.length);
  return {
    pages,
    pageCount: pages.length,
    metadata: parts.meta === null ? {} : openDocumentMetadata(parts.meta),
    needsOcr: false,
    truncated: budget.truncated,
  };
}
