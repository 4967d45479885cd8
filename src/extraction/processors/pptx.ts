/**
 * PPTX: one page per slide, in the presentation's order (page N is slide N, hidden slides
 * included). A slide's title comes first, as a heading; then its other shapes in reading order
 * (top to bottom, then left to right, by their offsets, or their layout placeholder's when they
 * inherit it): text frames as paragraphs or lists (body placeholders and bulleted paragraphs, by
 * level), tables as Markdown tables, groups opened. Speaker notes follow, marked `Notes:`.
 * Metadata from docProps/core.xml. The package passes the zip-bomb checks first.
 */
import type { DomNode } from '../html-to-markdown.js';
import { htmlToBlocks } from '../html-to-markdown.js';
import { element, text } from '../block-dom.js';
import { corePropertiesMetadata } from '../package-metadata.js';
import { TextBudget } from '../text-pages.js';
import { orderShapes, type Shape } from '../slide-order.js';
import { checkPageCount, wholePage } from '../whole-pages.js';
import {
  childNamed,
  childrenNamed,
  findAll,
  findFirst,
  isElement,
  textOf,
  type XmlElement,
} from '../xml-tree.js';
import { ZipPackage, type Relationship } from '../zip-package.js';
import type {
  ExtractedPage,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';

interface Offset {
  x: number;
  y: number;
}

const TITLE_TYPES = new Set(['title', 'ctrTitle']);
/** Placeholders whose paragraphs are bullets unless they say otherwise. */
const BULLETED_TYPES = new Set(['body', 'obj']);

function offsetOf(properties: XmlElement | undefined): Offset | undefined {
  const transform = properties === undefined ? undefined : childNamed(properties, 'xfrm');
  const offset = transform === undefined ? undefined : childNamed(transform, 'off');
  if (offset === undefined) return undefined;
  return { x: Number(offset.attributes.x ?? 0) || 0, y: Number(offset.attributes.y ?? 0) || 0 };
}

/** The `<p:ph>` of a shape, if it is a placeholder. */
function placeholderOf(shape: XmlElement): XmlElement | undefined {
  for (const child of shape.children) {
    if (isElement(child) && child.name.startsWith('nv')) {
      const properties = childNamed(child, 'nvPr');
      return properties === undefined ? undefined : childNamed(properties, 'ph');
    }
  }
  return undefined;
}

const placeholderKeys = (ph: XmlElement): string[] => [
  ...(ph.attributes.idx === undefined ? [] : [`idx:${ph.attributes.idx}`]),
  `type:${ph.attributes.type ?? 'body'}`,
];

/** Where each placeholder of a layout sits, by its idx and by its type. */
function layoutOffsets(layout: XmlElement | null): Map<string, Offset> {
  const offsets = new Map<string, Offset>();
  if (layout === null) return offsets;
  for (const shape of findAll(layout, 'sp')) {
    const ph = placeholderOf(shape);
    const offset = offsetOf(childNamed(shape, 'spPr'));
    if (ph === undefined || offset === undefined) continue;
    for (const key of placeholderKeys(ph)) if (!offsets.has(key)) offsets.set(key, offset);
  }
  return offsets;
}

class SlideReader {
  constructor(
    private readonly links: Map<string, Relationship>,
    private readonly layout: Map<string, Offset>,
  ) {}

  shapes(tree: XmlElement, out: Shape[] = []): Shape[] {
    for (const child of tree.children) {
      if (!isElement(child)) continue;
      if (child.name === 'sp') this.textShape(child, out);
      else if (child.name === 'graphicFrame') this.frame(child, out);
      else if (child.name === 'grpSp') this.shapes(child, out);
      else if (child.name === 'AlternateContent') {
        const choice = childNamed(child, 'Choice') ?? childNamed(child, 'Fallback');
        if (choice !== undefined) this.shapes(choice, out);
      }
    }
    return out;
  }

  private position(shape: XmlElement, properties: XmlElement | undefined): Offset {
    const own = offsetOf(properties);
    if (own !== undefined) return own;
    const ph = placeholderOf(shape);
    if (ph !== undefined) {
      for (const key of placeholderKeys(ph)) {
        const inherited = this.layout.get(key);
        if (inherited !== undefined) return inherited;
      }
    }
    return { x: -1, y: -1 };
  }

  private textShape(shape: XmlElement, out: Shape[]): void {
    const body = childNamed(shape, 'txBody');
    if (body === undefined) return;
    const ph = placeholderOf(shape);
    const type = ph === undefined ? undefined : (ph.attributes.type ?? 'body');
    const { x, y } = this.position(shape, childNamed(shape, 'spPr'));
    if (type !== undefined && TITLE_TYPES.has(type)) {
      const title = childrenNamed(body, 'p')
        .map((paragraph) => textOf(paragraph).trim())
        .filter((line) => line.length > 0)
        .join(' ');
      if (title.length > 0) out.push({ x, y, title: true, nodes: [element('h1', [text(title)])] });
      return;
    }
    const bulleted = type !== undefined && BULLETED_TYPES.has(type);
    out.push({ x, y, title: false, nodes: this.paragraphs(body, bulleted) });
  }

  private frame(frame: XmlElement, out: Shape[]): void {
    const table = findFirst(frame, 'tbl');
    if (table === undefined) return;
    const { x, y } = this.position(frame, frame);
    out.push({ x, y, title: false, nodes: [this.table(table)] });
  }

  private table(table: XmlElement): DomNode {
    return element(
      'table',
      childrenNamed(table, 'tr').map((row) =>
        element(
          'tr',
          childrenNamed(row, 'tc').map((cell) => {
            const merged = cell.attributes.hMerge === '1' || cell.attributes.vMerge === '1';
            const body = childNamed(cell, 'txBody');
            return element('td', merged || body === undefined ? [] : this.paragraphs(body, false));
          }),
        ),
      ),
    );
  }

  /** A text body's paragraphs: plain ones as `p`, bulleted ones as (nested) lists by level. */
  paragraphs(body: XmlElement, bulleted: boolean): DomNode[] {
    const out: DomNode[] = [];
    /** Open lists, outermost first: each with its level and its items. */
    const lists: { level: number; items: DomNode[][]; ordered: boolean }[] = [];
    const closeTo = (level: number): void => {
      while (lists.length > 0 && (lists[lists.length - 1]?.level ?? 0) > level) {
        const done = lists.pop() as { items: DomNode[][]; ordered: boolean };
        const list = element(
          done.ordered ? 'ol' : 'ul',
          done.items.map((item) => element('li', item)),
        );
        const parent = lists[lists.length - 1];
        const lastItem = parent?.items[parent.items.length - 1];
        if (lastItem !== undefined) lastItem.push(list);
        else out.push(list);
      }
    };
    for (const paragraph of childrenNamed(body, 'p')) {
      const properties = childNamed(paragraph, 'pPr');
      const content = this.runs(paragraph);
      const marker =
        properties === undefined
          ? undefined
          : properties.children.find(
              (child): child is XmlElement =>
                isElement(child) &&
                ['buNone', 'buChar', 'buAutoNum', 'buBlip'].includes(child.name),
            );
      const isItem = marker === undefined ? bulleted : marker.name !== 'buNone';
      if (!isItem) {
        closeTo(-1);
        out.push(element('p', content));
        continue;
      }
      if (content.every((node) => (node.textContent ?? '').trim() === '')) continue;
      const level = Number(properties?.attributes.lvl ?? '0') || 0;
      closeTo(level);
      let list = lists[lists.length - 1];
      if (list === undefined || list.level < level) {
        list = { level, items: [], ordered: marker?.name === 'buAutoNum' };
        lists.push(list);
      }
      list.items.push([element('p', content)]);
    }
    closeTo(-1);
    return out;
  }

  private runs(paragraph: XmlElement): DomNode[] {
    const out: DomNode[] = [];
    for (const run of paragraph.children) {
      if (!isElement(run)) continue;
      if (run.name === 'br') {
        out.push(element('br'));
        continue;
      }
      if (run.name !== 'r' && run.name !== 'fld') continue;
      const textElement = childNamed(run, 't');
      if (textElement === undefined) continue;
      let node: DomNode = text(textOf(textElement));
      const properties = childNamed(run, 'rPr');
      if (properties !== undefined) {
        if (properties.attributes.i === '1' || properties.attributes.i === 'true')
          node = element('em', [node]);
        if (properties.attributes.b === '1' || properties.attributes.b === 'true')
          node = element('strong', [node]);
        const link = childNamed(properties, 'hlinkClick')?.attributes['r:id'];
        const target = link === undefined ? undefined : this.links.get(link);
        if (target?.external === true) node = element('a', [node], { href: target.target });
      }
      out.push(node);
    }
    return out;
  }
}

/** The speaker notes' text (the notes slide's body placeholder), as paragraphs. */
function notesNodes(notes: XmlElement | null): DomNode[] {
  if (notes === null) return [];
  const paragraphs: DomNode[] = [];
  for (const shape of findAll(notes, 'sp')) {
    if (placeholderOf(shape)?.attributes.type !== 'body') continue;
    const body = childNamed(shape, 'txBody');
    if (body !== undefined)
      paragraphs.push(...new SlideReader(new Map(), new Map()).paragraphs(body, false));
  }
  const nonEmpty = paragraphs.filter((node) => (node.textContent ?? '').trim().length > 0);
  const [first, ...rest] = nonEmpty;
  if (first === undefined) return [];
  const firstLine = Array.from(first.childNodes);
  return [element('p', [element('strong', [text('Notes:')]), text(' '), ...firstLine]), ...rest];
}

export async function extractPptx(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const budget = new TextBudget(task.limits.maxTextChars);
  return ZipPackage.read(task, 'PPTX', async (zip) => {
    const main = await zip.mainPart();
    const presentation = await zip.requireXml(main);
    const relationships = new Map((await zip.relationships(main)).map((r) => [r.id, r]));
    const list = findFirst(presentation, 'sldIdLst');
    const slides = (list === undefined ? [] : childrenNamed(list, 'sldId'))
      .map((slide) => relationships.get(slide.attributes['r:id'] ?? ''))
      .filter((slide): slide is Relationship => slide !== undefined && !slide.external);
    checkPageCount(slides.length, task.limits.maxPages, 'slides');

    const layouts = new Map<string, Map<string, Offset>>();
    const pages: ExtractedPage[] = [];
    for (const [index, slide] of slides.entries()) {
      const tree = await zip.xml(slide.target);
      const links = await zip.relationships(slide.target);
      const layoutPart = links.find((link) => link.type.endsWith('/slideLayout'))?.target;
      let layout = layoutPart === undefined ? undefined : layouts.get(layoutPart);
      if (layout === undefined) {
        layout = layoutOffsets(layoutPart === undefined ? null : await zip.xml(layoutPart));
        if (layoutPart !== undefined) layouts.set(layoutPart, layout);
      }
      const notesPart = links.find((link) => link.type.endsWith('/notesSlide'))?.target;
      const notes = notesPart === undefined ? null : await zip.xml(notesPart);
      const reader = new SlideReader(new Map(links.map((link) => [link.id, link])), layout);
      const shapeTree = tree === null ? undefined : findFirst(tree, 'spTree');
      const nodes = [
        ...orderShapes(shapeTree === undefined ? [] : reader.shapes(shapeTree)),
        ...notesNodes(notes),
      ];
      pages.push(wholePage(htmlToBlocks(element('body', nodes)), index + 1, budget));
      progress(index + 1, slides.length);
    }
    const core = await zip.xml('docProps/core.xml');
    progress(pages.length, pages.length);
    return {
      pages,
      pageCount: pages.length,
      metadata: core === null ? {} : corePropertiesMetadata(core),
      needsOcr: false,
      truncated: budget.truncated,
    };
  });
}
