/**
 * Reading order on a slide (PPTX and ODP): the title first, then the shapes top to bottom and,
 * at the same height, left to right; shapes without a known position keep their order in the
 * file, ahead of the positioned ones.
 */
import type { DomNode } from './html-to-markdown.js';

export interface Shape {
  /** Offsets in the format's own unit (only compared). */
  y: number;
  x: number;
  title: boolean;
  nodes: DomNode[];
}

export function orderShapes(shapes: Shape[]): DomNode[] {
  return shapes
    .map((shape, index) => ({ shape, index }))
    .sort(
      (a, b) =>
        Number(b.shape.title) - Number(a.shape.title) ||
        a.shape.y - b.shape.y ||
        a.shape.x - b.shape.x ||
        a.index - b.index,
    )
    .flatMap(({ shape }) => shape.nodes);
}
