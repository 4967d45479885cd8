/**
 * A minimal DOM for html-to-markdown.ts: the office processors map their XML (an ODT's
 * paragraphs, a slide's shapes, a table) onto HTML elements built here — h1–h6, p, ul/ol/li,
 * table/tr/td, strong/em, a — so headings, lists and tables become Markdown exactly as they do
 * for HTML and DOCX, with no HTML text to serialise and parse again.
 */
import type { DomNode } from './html-to-markdown.js';

export class TextNode implements DomNode {
  readonly nodeType = 3;
  readonly nodeName = '#text';
  readonly childNodes: DomNode[] = [];
  constructor(readonly textContent: string) {}
}

export class ElementNode implements DomNode {
  readonly nodeType = 1;
  readonly nodeName: string;
  readonly childNodes: DomNode[];

  constructor(
    tag: string,
    children: DomNode[] = [],
    private readonly attributes: Record<string, string> = {},
  ) {
    this.nodeName = tag.toUpperCase();
    this.childNodes = children;
  }

  get textContent(): string {
    const parts: string[] = [];
    const stack: DomNode[] = [this];
    while (stack.length > 0) {
      const node = stack.pop() as DomNode;
      if (node.nodeType === 3) parts.push(node.textContent ?? '');
      const children = node.childNodes;
      for (let at = children.length - 1; at >= 0; at--) stack.push(children[at] as DomNode);
    }
    return parts.join('');
  }

  getAttribute(name: string): string | null {
    return this.attributes[name] ?? null;
  }
}

/** An element. */
export const element = (
  tag: string,
  children: DomNode[] = [],
  attributes: Record<string, string> = {},
): ElementNode => new ElementNode(tag, children, attributes);

/** A text node. */
export const text = (content: string): TextNode => new TextNode(content);
