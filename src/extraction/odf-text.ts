/**
 * OpenDocument text content (ODT bodies, ODP text boxes) mapped onto block-dom elements:
 * `text:h` → h1–h6 (its outline level), `text:p` → p, `text:list` → ul or ol (from its list
 * style), `table:table` → table (repeated and covered cells expanded, at most MAX_TABLE_COLUMNS
 * columns and MAX_TABLE_ROWS rows), spans → strong/em where their automatic style is bold or
 * italic, `text:a` → a. A footnote or endnote leaves its citation (`[1]`) in the text and its
 * body in `notes`, which the caller lists at the end as DOCX's converter does. Indexes (tables
 * of contents and the like) repeat the headings and are left out, as are annotations and
 * tracked deletions.
 */
import type { DomNode } from './html-to-markdown.js';
import { element, text } from './block-dom.js';
import { childrenNamed, findAll, isElement, textOf, type XmlElement } from './xml-tree.js';

const MAX_TABLE_COLUMNS = 256;
const MAX_TABLE_ROWS = 10_000;

const SKIPPED = new Set([
  'annotation',
  'annotation-end',
  'tracked-changes',
  'sequence-decls',
  'variable-decls',
  'user-field-decls',
  'table-of-content',
  'alphabetical-index',
  'illustration-index',
  'table-index',
  'object-index',
  'user-index',
  'bibliography',
  'forms',
  'table-columns',
  'table-column',
  'table-column-group',
  'notes',
]);

interface TextStyle {
  bold: boolean;
  italic: boolean;
}

/** The styles a body's content refers to: character formatting and which lists are numbered. */
export class OdfStyles {
  private readonly text = new Map<string, TextStyle>();
  private readonly numbered = new Map<string, Set<number>>();

  /** Reads `office:automatic-styles` and `office:styles` of content.xml and styles.xml trees. */
  add(tree: XmlElement | null): void {
    if (tree === null) return;
    for (const style of findAll(tree, 'style')) {
      const name = style.attributes.name;
      const properties = childrenNamed(style, 'text-properties')[0];
      if (name === undefined || properties === undefined) continue;
      this.text.set(name, {
        bold: properties.attributes['font-weight'] === 'bold',
        italic: properties.attributes['font-style'] === 'italic',
      });
    }
    for (const list of findAll(tree, 'list-style')) {
      const name = list.attributes.name;
      if (name === undefined) continue;
      const levels = new Set<number>();
      for (const level of childrenNamed(list, 'list-level-style-number')) {
        levels.add(Number(level.attributes.level ?? '1'));
      }
      this.numbered.set(name, levels);
    }
  }

  textStyle(name: string | undefined): TextStyle | undefined {
    return name === undefined ? undefined : this.text.get(name);
  }

  isNumbered(name: string | undefined, level: number): boolean {
    return name !== undefined && (this.numbered.get(name)?.has(level) ?? false);
  }
}

export class OdfText {
  /** Footnote and endnote bodies, in citation order, as paragraphs' children. */
  readonly notes: DomNode[][] = [];

  constructor(private readonly styles: OdfStyles) {}

  /** The block-level content of `container` (a body, a cell, a text box, a list item). */
  blocks(container: XmlElement, listLevel = 0, listStyle?: string): DomNode[] {
    const out: DomNode[] = [];
    for (const child of container.children) {
      if (!isElement(child)) {
        // Text directly in a container: past the tree's depth cap, the flattened content.
        if (child.trim().length > 0) out.push(element('p', [text(child)]));
        continue;
      }
      if (SKIPPED.has(child.name)) continue;
      switch (child.name) {
        case 'h': {
          const level = Math.min(
            6,
            Math.max(1, Number(child.attributes['outline-level'] ?? '1') || 1),
          );
          out.push(element(`h${level}`, this.inline(child)));
          break;
        }
        case 'p':
          out.push(element('p', this.inline(child)));
          break;
        case 'list':
          out.push(this.list(child, listLevel + 1, child.attributes['style-name'] ?? listStyle));
          break;
        case 'table':
          out.push(this.table(child));
          break;
        default:
          // Sections, index bodies kept, frames and text boxes: their content, in place.
          out.push(...this.blocks(child, listLevel, listStyle));
      }
    }
    return out;
  }

  private list(list: XmlElement, level: number, style: string | undefined): DomNode {
    const items: DomNode[] = [];
    for (const item of list.children) {
      if (!isElement(item) || (item.name !== 'list-item' && item.name !== 'list-header')) continue;
      items.push(element('li', this.blocks(item, level, style)));
    }
    return element(this.styles.isNumbered(style, level) ? 'ol' : 'ul', items);
  }

  private table(table: XmlElement): DomNode {
    const rows: DomNode[] = [];
    const visit = (group: XmlElement): void => {
      for (const child of group.children) {
        if (!isElement(child) || rows.length >= MAX_TABLE_ROWS) continue;
        if (child.name === 'table-row') {
          const cells = this.row(child);
          const repeat = Math.min(
            Number(child.attributes['number-rows-repeated'] ?? '1') || 1,
            MAX_TABLE_ROWS - rows.length,
          );
          for (let copy = 0; copy < repeat; copy++) rows.push(element('tr', cells));
        } else if (
          child.name === 'table-header-rows' ||
          child.name === 'table-rows' ||
          child.name === 'table-row-group'
        ) {
          visit(child);
        }
      }
    };
    visit(table);
    // Trailing empty rows (a repeated blank row fills out the grid) go, as do empty cells
    // at the end of each row (see row()).
    while (rows.length > 1 && (rows[rows.length - 1]?.textContent ?? '').trim() === '') rows.pop();
    return element('table', rows);
  }

  private row(row: XmlElement): DomNode[] {
    const cells: DomNode[] = [];
    for (const cell of row.children) {
      if (!isElement(cell) || (cell.name !== 'table-cell' && cell.name !== 'covered-table-cell'))
        continue;
      const content = cell.name === 'table-cell' ? this.blocks(cell) : [];
      const repeat = Math.min(
        Number(cell.attributes['number-columns-repeated'] ?? '1') || 1,
        MAX_TABLE_COLUMNS - cells.length,
      );
      for (let copy = 0; copy < repeat; copy++) cells.push(element('td', content));
      if (cells.length >= MAX_TABLE_COLUMNS) break;
    }
    while (cells.length > 1 && (cells[cells.length - 1]?.textContent ?? '').trim() === '')
      cells.pop();
    return cells;
  }

  /** The inline content of a paragraph or heading. */
  inline(container: XmlElement): DomNode[] {
    const out: DomNode[] = [];
    for (const child of container.children) {
      if (typeof child === 'string') {
        out.push(text(child));
        continue;
      }
      if (SKIPPED.has(child.name)) continue;
      switch (child.name) {
        case 's':
          out.push(text(' '.repeat(Math.min(100, Number(child.attributes.c ?? '1') || 1))));
          break;
        case 'tab':
          out.push(text('\t'));
          break;
        case 'line-break':
          out.push(element('br'));
          break;
        case 'a':
          out.push(element('a', this.inline(child), { href: child.attributes.href ?? '' }));
          break;
        case 'note':
          out.push(this.note(child));
          break;
        case 'span': {
          const style = this.styles.textStyle(child.attributes['style-name']);
          let node: DomNode[] = this.inline(child);
          if (style?.italic === true) node = [element('em', node)];
          if (style?.bold === true) node = [element('strong', node)];
          out.push(...node);
          break;
        }
        case 'frame':
        case 'text-box':
          // A frame anchored in the paragraph: its paragraphs, as lines of this one.
          out.push(element('span', this.blocks(child)));
          break;
        default:
          out.push(...this.inline(child));
      }
    }
    return out;
  }

  private note(note: XmlElement): DomNode {
    const citation = childrenNamed(note, 'note-citation')[0];
    const label =
      (citation === undefined ? '' : textOf(citation).trim()) || String(this.notes.length + 1);
    const body = childrenNamed(note, 'note-body')[0];
    this.notes.push(body === undefined ? [] : this.blocks(body));
    return element('sup', [text(`[${label}]`)]);
  }

  /** The collected notes as an ordered list, or null when there were none. */
  notesList(): DomNode | null {
    if (this.notes.length === 0) return null;
    return element(
      'ol',
      this.notes.map((body) => element('li', body)),
    );
  }
}
