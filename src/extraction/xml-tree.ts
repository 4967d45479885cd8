/**
 * A small element tree over xmlEvents, for package parts read whole (slides, an ODT's body, an
 * OPF, relationships). Elements nested deeper than MAX_XML_DEPTH are not built: their text joins
 * the deepest element kept, so hostile nesting costs neither stack nor structure, only
 * flattening. A part with more than MAX_XML_NODES elements is refused (a document's parts have
 * far fewer; a spreadsheet's sheets are streamed instead). The walks below use explicit stacks.
 */
import { Failure } from '../ports/failures.js';
import { attributesOf, xmlEvents } from './xml-events.js';

export const MAX_XML_DEPTH = 256;
export const MAX_XML_NODES = 2_000_000;

export interface XmlElement {
  /** The local name (no prefix). */
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export const isElement = (node: XmlNode | undefined): node is XmlElement =>
  typeof node === 'object';

/** The part's root element (an empty one named `#document` wraps whatever it holds). */
export function parseXmlTree(xml: string, part: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [] };
  const open: XmlElement[] = [root];
  /** Start tags past the depth cap that are still open (their end tags are skipped too). */
  let flattened = 0;
  let nodes = 0;
  for (const event of xmlEvents(xml, part)) {
    const current = open[open.length - 1] as XmlElement;
    if (event.kind === 'text') {
      const last = current.children[current.children.length - 1];
      if (typeof last === 'string')
        current.children[current.children.length - 1] = last + event.text;
      else current.children.push(event.text);
    } else if (event.kind === 'open') {
      if (open.length > MAX_XML_DEPTH) {
        if (!event.selfClosing) flattened++;
        continue;
      }
      if (++nodes > MAX_XML_NODES) {
        throw new Failure(
          'UNPROCESSABLE_DOCUMENT',
          `${part} has more than ${MAX_XML_NODES} elements: too many for a document part`,
        );
      }
      const element: XmlElement = {
        name: event.name,
        attributes: attributesOf(event.raw),
        children: [],
      };
      current.children.push(element);
      if (!event.selfClosing) open.push(element);
    } else if (flattened > 0) {
      flattened--;
    } else if (open.length > 1) {
      // Tolerant of stray end tags: close up to the matching element when it is open.
      for (let at = open.length - 1; at >= 1; at--) {
        if ((open[at] as XmlElement).name === event.name) {
          open.length = at;
          break;
        }
      }
    }
  }
  return root;
}

/** Direct children named `name`. */
export const childrenNamed = (element: XmlElement, name: string): XmlElement[] =>
  element.children.filter((child): child is XmlElement => isElement(child) && child.name === name);

/** The first direct child named `name`. */
export const childNamed = (element: XmlElement, name: string): XmlElement | undefined =>
  element.children.find((child): child is XmlElement => isElement(child) && child.name === name);

/** Every element named `name` below `element`, in document order (not below a match). */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const stack: XmlNode[] = [...element.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop() as XmlNode;
    if (!isElement(node)) continue;
    if (node.name === name) found.push(node);
    else
      for (let at = node.children.length - 1; at >= 0; at--)
        stack.push(node.children[at] as XmlNode);
  }
  return found;
}

/** The first element named `name` below `element`, in document order. */
export const findFirst = (element: XmlElement, name: string): XmlElement | undefined =>
  findAll(element, name)[0];

/** All the text below `element`, in order. */
export function textOf(element: XmlElement): string {
  const parts: string[] = [];
  const stack: XmlNode[] = [element];
  while (stack.length > 0) {
    const node = stack.pop() as XmlNode;
    if (typeof node === 'string') parts.push(node);
    else
      for (let at = node.children.length - 1; at >= 0; at--)
        stack.push(node.children[at] as XmlNode);
  }
  return parts.join('');
}
