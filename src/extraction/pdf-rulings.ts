/**
 * Ruled tables in a PDF page: the ruling lines a page draws (from its pdf.js operator list:
 * stroked line segments and rectangle edges, thin filled rectangles) make a grid, and the text
 * items that fall in the grid's cells are its cells' text.
 *
 * - readRulings walks the operator list with the graphics state (save/restore, `cm`, form
 *   XObjects' matrices, line width, white paint) and keeps axis-aligned segments: horizontal and
 *   vertical, collinear pieces merged. What it keeps of a painted path is RulingCollector's, which
 *   the PDFium engine feeds from page objects (processors/pdfium-rulings.ts): both engines keep
 *   the same rulings.
 * - ruledGrids groups horizontal and vertical rulings that cross into clusters; a cluster with at
 *   least three vertical positions (two columns) and two horizontal ones is a grid: columns from
 *   the vertical rulings, rows from the horizontal ones. A vertical ruling that stops short of a
 *   row leaves a spanned cell in that row: its text goes to the span's first column.
 * - ruledTable assigns the items whose centre falls in the grid to cells (an item that crosses a
 *   column's ruling, as pdf.js joins text a narrow gap apart, is split at the space nearest the
 *   ruling), joins a cell's wrapped lines with a space and gives the rows, the first a header.
 *
 * Grids with one row (a frame with no rules between its rows, or the part of a table left at the
 * foot of a page) and tables with only horizontal rules (no column lines) are left to the
 * text-gap method in pdf-tables.ts, which finds columns from the gaps between cells and rows
 * from the lines.
 */

/** What this reads of a pdf.js text item. */
export interface TextItem {
  str: string;
  /** [a, b, c, d, x, y]: the text's matrix; x, y is where it starts on the baseline. */
  transform: readonly number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

/** What this reads of a pdf.js operator list. */
export interface OperatorList {
  fnArray: readonly number[];
  argsArray: readonly unknown[];
}

/** pdf.js' operator numbers (`pdfjs.OPS`). */
export type OperatorCodes = Readonly<Record<string, number>>;

/** A horizontal ruling runs from `from` to `to` along x at `at` (y); a vertical one along y. */
export interface Segment {
  at: number;
  from: number;
  to: number;
}

export interface Rulings {
  horizontal: Segment[];
  vertical: Segment[];
}

export interface Grid {
  /** Column boundaries, left to right (at least three). */
  columns: number[];
  /** Row boundaries, top to bottom (descending y, at least two). */
  rows: number[];
  /** The vertical rulings, to tell spanned cells. */
  vertical: Segment[];
}

/** A filled rectangle thinner than this (points) is a rule; a line wider is a fill. */
const MAX_RULE_WIDTH = 3;
/** Rulings shorter than this (points) are ticks, bullets or glyph parts. */
const MIN_RULE_LENGTH = 4;
/** Positions this close (points) are one; a ruling this close to another's end meets it. */
const SNAP = 2;
const MEET = 3;
/** A cluster with more rulings than this is a drawing, not a table. */
const MAX_RULINGS = 2000;
/** At most this many operators are read for rulings (a page drawing more is a drawing). */
const MAX_OPERATORS = 200_000;

/** [a, b, c, d, e, f], as PDF writes a matrix. */
export type Matrix = [number, number, number, number, number, number];

interface State {
  matrix: Matrix;
  lineWidth: number;
  strokeWhite: boolean;
  fillWhite: boolean;
}

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** `inner` applied first, then `outer`. */
export function compose(outer: Matrix, inner: readonly number[]): Matrix {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = inner;
  const [A, B, C, D, E, F] = outer;
  return [
    A * a + C * b,
    B * a + D * b,
    A * c + C * d,
    B * c + D * d,
    A * e + C * f + E,
    B * e + D * f + F,
  ];
}

export const apply = (m: Matrix, x: number, y: number): [number, number] => [
  m[0] * x + m[2] * y + m[4],
  m[1] * x + m[3] * y + m[5],
];

/** White paint (each channel 0xf0 or more, 0–255) draws no visible ruling. */
export const isWhiteRgb = (red: number, green: number, blue: number): boolean =>
  red >= 0xf0 && green >= 0xf0 && blue >= 0xf0;

/** pdf.js gives colours as '#rrggbb': white as isWhiteRgb tells it. */
const isWhite = (args: unknown): boolean => {
  const color = Array.isArray(args) ? (args[0] as unknown) : undefined;
  return typeof color === 'string' && /^#f[0-9a-f]f[0-9a-f]f[0-9a-f]$/i.test(color);
};

const isMatrix = (value: unknown): value is number[] =>
  (Array.isArray(value) || ArrayBuffer.isView(value)) &&
  (value as ArrayLike<unknown>).length === 6 &&
  Array.from(value as ArrayLike<unknown>).every((n) => typeof n === 'number' && Number.isFinite(n));

/** pdf.js' path drawing codes (DrawOPS). */
const MOVE = 0;
const LINE = 1;
const CURVE = 2;
const QUADRATIC = 3;
const CLOSE = 4;

/** A subpath in page space: its points (a curve by its end point), closed by `h` or not. */
export interface Subpath {
  points: [number, number][];
  closed: boolean;
  curved: boolean;
}

function subpathsOf(data: ArrayLike<number>, matrix: Matrix): Subpath[] {
  const paths: Subpath[] = [];
  let current: Subpath | null = null;
  let index = 0;
  while (index < data.length) {
    const code = data[index++];
    if (code === MOVE || code === LINE) {
      const point = apply(matrix, data[index] ?? 0, data[index + 1] ?? 0);
      index += 2;
      if (code === MOVE || current === null) {
        current = { points: [point], closed: false, curved: false };
        paths.push(current);
      } else current.points.push(point);
    } else if (code === CURVE || code === QUADRATIC) {
      const count = code === CURVE ? 6 : 4;
      const point = apply(matrix, data[index + count - 2] ?? 0, data[index + count - 1] ?? 0);
      index += count;
      if (current === null) {
        current = { points: [point], closed: false, curved: true };
        paths.push(current);
      } else {
        current.points.push(point);
        current.curved = true;
      }
    } else if (code === CLOSE) {
      if (current !== null) current.closed = true;
      current = null;
    } else break;
  }
  return paths;
}

/** The rulings painted paths draw: fed path by path, read once with `rulings()`. */
export class RulingCollector {
  private readonly horizontal: Segment[] = [];
  private readonly vertical: Segment[] = [];

  /** A straight piece from a to b, `width` thick: kept when horizontal or vertical. */
  private line(a: [number, number], b: [number, number]): void {
    const [x1, y1] = a;
    const [x2, y2] = b;
    if (Math.abs(y1 - y2) <= 0.5 && Math.abs(x1 - x2) >= MIN_RULE_LENGTH) {
      this.horizontal.push({ at: (y1 + y2) / 2, from: Math.min(x1, x2), to: Math.max(x1, x2) });
    } else if (Math.abs(x1 - x2) <= 0.5 && Math.abs(y1 - y2) >= MIN_RULE_LENGTH) {
      this.vertical.push({ at: (x1 + x2) / 2, from: Math.min(y1, y2), to: Math.max(y1, y2) });
    }
  }

  /** The paths stroked with a line `width` thick (page space): their straight edges. */
  stroke(paths: Subpath[], width: number): void {
    if (width > MAX_RULE_WIDTH * 2) return;
    for (const path of paths) {
      if (path.curved) continue;
      const points = path.closed ? [...path.points, path.points[0]] : path.points;
      for (let index = 1; index < points.length; index++) {
        this.line(points[index - 1] as [number, number], points[index] as [number, number]);
      }
    }
  }

  /** A filled thin rectangle is a rule along its long side. */
  fill(paths: Subpath[]): void {
    for (const path of paths) {
      if (path.curved || path.points.length < 2 || path.points.length > 5) continue;
      const xs = path.points.map(([x]) => x);
      const ys = path.points.map(([, y]) => y);
      const [left, right] = [Math.min(...xs), Math.max(...xs)];
      const [bottom, top] = [Math.min(...ys), Math.max(...ys)];
      const [width, height] = [right - left, top - bottom];
      if (height <= MAX_RULE_WIDTH && width >= MIN_RULE_LENGTH && width > height) {
        this.horizontal.push({ at: (top + bottom) / 2, from: left, to: right });
      } else if (width <= MAX_RULE_WIDTH && height >= MIN_RULE_LENGTH && height > width) {
        this.vertical.push({ at: (left + right) / 2, from: bottom, to: top });
      }
    }
  }

  /** What was collected, collinear pieces merged. */
  rulings(): Rulings {
    return { horizontal: mergeCollinear(this.horizontal), vertical: mergeCollinear(this.vertical) };
  }
}

/** Collinear segments (same position within SNAP) that touch or overlap, merged. */
function mergeCollinear(segments: Segment[]): Segment[] {
  const sorted = [...segments].sort((one, other) => one.at - other.at || one.from - other.from);
  const lines: Segment[][] = [];
  for (const segment of sorted) {
    const line = lines[lines.length - 1];
    const first = line?.[0];
    if (line !== undefined && first !== undefined && segment.at - first.at <= SNAP)
      line.push(segment);
    else lines.push([segment]);
  }
  const merged: Segment[] = [];
  for (const line of lines) {
    const at = line.reduce((sum, segment) => sum + segment.at, 0) / line.length;
    const pieces = [...line].sort((one, other) => one.from - other.from);
    let current: Segment | null = null;
    for (const piece of pieces) {
      if (current !== null && piece.from <= current.to + SNAP) {
        current.to = Math.max(current.to, piece.to);
      } else {
        current = { at, from: piece.from, to: piece.to };
        merged.push(current);
      }
    }
  }
  return merged;
}

/** The page's horizontal and vertical ruling lines, read from its operator list. */
export function readRulings(ops: OperatorList, codes: OperatorCodes): Rulings {
  const code = (name: string): number => codes[name] ?? -1;
  const strokes = new Set(['stroke', 'closeStroke'].map(code));
  const fills = new Set(['fill', 'eoFill'].map(code));
  const both = new Set(
    ['fillStroke', 'eoFillStroke', 'closeFillStroke', 'closeEOFillStroke'].map(code),
  );
  const collector = new RulingCollector();
  const stack: State[] = [];
  let state: State = { matrix: IDENTITY, lineWidth: 1, strokeWhite: false, fillWhite: false };
  const count = Math.min(ops.fnArray.length, MAX_OPERATORS);
  for (let index = 0; index < count; index++) {
    const fn = ops.fnArray[index];
    const args = ops.argsArray[index];
    switch (fn) {
      case code('save'):
      case code('paintFormXObjectBegin'): {
        stack.push(state);
        state = { ...state };
        const matrix: unknown = Array.isArray(args) ? args[0] : undefined;
        if (fn === code('paintFormXObjectBegin') && isMatrix(matrix)) {
          state.matrix = compose(state.matrix, Array.from(matrix));
        }
        break;
      }
      case code('restore'):
      case code('paintFormXObjectEnd'):
        state = stack.pop() ?? state;
        break;
      case code('transform'):
        if (isMatrix(args)) state.matrix = compose(state.matrix, Array.from(args));
        break;
      case code('setLineWidth'): {
        const width: unknown = Array.isArray(args) ? args[0] : undefined;
        if (typeof width === 'number') state.lineWidth = width;
        break;
      }
      case code('setStrokeRGBColor'):
        state.strokeWhite = isWhite(args);
        break;
      case code('setFillRGBColor'):
        state.fillWhite = isWhite(args);
        break;
      case code('constructPath'): {
        if (!Array.isArray(args)) break;
        const [paint, data] = args as [unknown, unknown];
        const path: unknown = Array.isArray(data) ? data[0] : undefined;
        if (typeof paint !== 'number' || !(Array.isArray(path) || ArrayBuffer.isView(path))) break;
        const stroked = (strokes.has(paint) || both.has(paint)) && !state.strokeWhite;
        const filled = (fills.has(paint) || both.has(paint)) && !state.fillWhite;
        if (!stroked && !filled) break;
        const paths = subpathsOf(path as ArrayLike<number>, state.matrix);
        const scale = Math.sqrt(
          Math.abs(state.matrix[0] * state.matrix[3] - state.matrix[1] * state.matrix[2]),
        );
        if (stroked) collector.stroke(paths, state.lineWidth * scale);
        if (filled) collector.fill(paths);
        break;
      }
      default:
        break;
    }
  }
  return collector.rulings();
}

const crosses = (horizontal: Segment, vertical: Segment): boolean =>
  vertical.at >= horizontal.from - MEET &&
  vertical.at <= horizontal.to + MEET &&
  horizontal.at >= vertical.from - MEET &&
  horizontal.at <= vertical.to + MEET;

/** Positions within SNAP of each other, as one (their mean), in ascending order. */
function distinct(positions: number[]): number[] {
  const sorted = [...positions].sort((one, other) => one - other);
  const groups: number[][] = [];
  for (const position of sorted) {
    const group = groups[groups.length - 1];
    if (group !== undefined && position - (group[group.length - 1] ?? position) <= SNAP) {
      group.push(position);
    } else groups.push([position]);
  }
  return groups.map((group) => group.reduce((sum, each) => sum + each, 0) / group.length);
}

/** The grids the rulings make: clusters of crossing rulings with two columns or more. */
export function ruledGrids(rulings: Rulings): Grid[] {
  const { horizontal, vertical } = rulings;
  if (horizontal.length + vertical.length > MAX_RULINGS || vertical.length < 3) return [];
  // Union-find over horizontal (0..h-1) and vertical (h..h+v-1) rulings that cross.
  const parent = Array.from({ length: horizontal.length + vertical.length }, (_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    parent[index] = root;
    return root;
  };
  horizontal.forEach((h, i) =>
    vertical.forEach((v, j) => {
      if (crosses(h, v)) parent[find(i)] = find(horizontal.length + j);
    }),
  );
  const clusters = new Map<number, { horizontal: Segment[]; vertical: Segment[] }>();
  const clusterOf = (index: number): { horizontal: Segment[]; vertical: Segment[] } => {
    const root = find(index);
    let cluster = clusters.get(root);
    if (cluster === undefined) {
      cluster = { horizontal: [], vertical: [] };
      clusters.set(root, cluster);
    }
    return cluster;
  };
  horizontal.forEach((h, i) => clusterOf(i).horizontal.push(h));
  vertical.forEach((v, j) => clusterOf(horizontal.length + j).vertical.push(v));
  const grids: Grid[] = [];
  for (const cluster of clusters.values()) {
    if (cluster.horizontal.length < 2) continue;
    const columns = distinct(cluster.vertical.map((v) => v.at));
    const rows = distinct(cluster.horizontal.map((h) => h.at)).reverse();
    if (columns.length < 3 || rows.length < 2) continue;
    grids.push({ columns, rows, vertical: cluster.vertical });
  }
  return grids;
}

interface Piece {
  text: string;
  left: number;
  right: number;
  y: number;
  size: number;
}

const sizeOf = (item: TextItem): number => {
  const [a = 1, b = 0, c = 0, d = 1] = item.transform;
  return Math.hypot(c, d) || Math.hypot(a, b) || item.height || 1;
};

/** The item's middle: half its width along, a third of its size above the baseline. */
export function itemCentre(item: TextItem): [number, number] {
  const x = item.transform[4] ?? 0;
  const y = item.transform[5] ?? 0;
  return [x + item.width / 2, y + sizeOf(item) * 0.3];
}

/** `item` falls in `grid`: its centre is inside the outer rulings. */
export function inGrid(item: TextItem, grid: Grid): boolean {
  const [x, y] = itemCentre(item);
  const left = grid.columns[0] as number;
  const right = grid.columns[grid.columns.length - 1] as number;
  const top = grid.rows[0] as number;
  const bottom = grid.rows[grid.rows.length - 1] as number;
  return x >= left - 1 && x <= right + 1 && y >= bottom - 1 && y <= top + 1;
}

/** The column boundaries a row between y `top` and `bottom` has: rulings that cross its middle. */
function boundariesOf(grid: Grid, top: number, bottom: number): number[] {
  const middle = (top + bottom) / 2;
  const last = grid.columns.length - 1;
  return grid.columns.filter(
    (x, index) =>
      index === 0 ||
      index === last ||
      grid.vertical.some(
        (v) => Math.abs(v.at - x) <= SNAP && v.from <= middle + MEET && v.to >= middle - MEET,
      ),
  );
}

/**
 * `piece` split where it crosses the rulings at `boundaries`: at the space whose position,
 * estimated from the characters' share of the width, is nearest each ruling.
 */
function splitAt(piece: Piece, boundaries: number[]): Piece[] {
  const inner = boundaries.filter((x) => x > piece.left + 1 && x < piece.right - 1);
  if (inner.length === 0) return [piece];
  const perChar = (piece.right - piece.left) / Math.max(1, piece.text.length);
  const spaces = [...piece.text.matchAll(/ /g)].map((match) => match.index);
  const cuts: number[] = [];
  for (const x of inner) {
    let best: number | undefined;
    let distance = Infinity;
    for (const space of spaces) {
      const at = Math.abs(piece.left + (space + 0.5) * perChar - x);
      if (at < distance && !cuts.includes(space)) [best, distance] = [space, at];
    }
    if (best !== undefined) cuts.push(best);
  }
  if (cuts.length === 0) return [piece];
  cuts.sort((one, other) => one - other);
  const parts: Piece[] = [];
  let from = 0;
  for (const cut of [...cuts, piece.text.length]) {
    const text = piece.text.slice(from, cut);
    if (text.trim().length > 0) {
      parts.push({
        ...piece,
        text,
        left: piece.left + from * perChar,
        right: piece.left + cut * perChar,
      });
    }
    from = cut + 1;
  }
  return parts;
}

/** A cell's pieces as one line of text: lines top to bottom, joined with a space. */
function cellText(pieces: Piece[]): string {
  const sorted = [...pieces].sort((one, other) => other.y - one.y || one.left - other.left);
  const lines: Piece[][] = [];
  for (const piece of sorted) {
    const line = lines[lines.length - 1];
    const first = line?.[0];
    if (
      line !== undefined &&
      first !== undefined &&
      Math.abs(first.y - piece.y) <= piece.size * 0.5
    ) {
      line.push(piece);
    } else lines.push([piece]);
  }
  const texts = lines.map((line) => {
    line.sort((one, other) => one.left - other.left);
    let text = '';
    let end = -Infinity;
    for (const piece of line) {
      const spaced = /\s$/.test(text) || /^\s/.test(piece.text);
      if (text.length > 0 && !spaced && piece.left - end > piece.size * 0.15) text += ' ';
      text += piece.text;
      end = piece.right;
    }
    return text;
  });
  return texts.join(' ').replace(/\s+/g, ' ').trim();
}

/**
 * The table `grid` holds: rows of cells (the first row the header), empty columns and rows left
 * out; null when fewer than two columns or two rows have text.
 */
export function ruledTable(grid: Grid, items: readonly TextItem[]): string[][] | null {
  const pieces: Piece[] = [];
  for (const item of items) {
    if (item.str.trim().length === 0) continue;
    const x = item.transform[4] ?? 0;
    pieces.push({
      text: item.str,
      left: x,
      right: x + item.width,
      y: item.transform[5] ?? 0,
      size: sizeOf(item),
    });
  }
  const rows = grid.rows;
  const cells: Piece[][][] = rows.slice(1).map(() => grid.columns.slice(1).map(() => []));
  for (const piece of pieces) {
    const middle = piece.y + piece.size * 0.3;
    let row = rows.findIndex((y, index) => index > 0 && middle >= y) - 1;
    if (row < 0) row = middle > (rows[0] as number) ? 0 : rows.length - 2;
    const boundaries = boundariesOf(grid, rows[row] as number, rows[row + 1] as number);
    for (const part of splitAt(piece, boundaries)) {
      const centre = (part.left + part.right) / 2;
      let span = boundaries.findIndex((x, index) => index > 0 && centre < x) - 1;
      if (span < 0) span = centre < (boundaries[0] as number) ? 0 : boundaries.length - 2;
      const start = boundaries[span] as number;
      let column = grid.columns.findIndex((x) => Math.abs(x - start) <= SNAP);
      if (column < 0 || column > grid.columns.length - 2) column = 0;
      cells[row]?.[column]?.push(part);
    }
  }
  let table = cells.map((row) => row.map(cellText));
  const usedColumns = (table[0] ?? []).map((_, column) =>
    table.some((row) => (row[column] ?? '').length > 0),
  );
  table = table
    .map((row) => row.filter((_, column) => usedColumns[column] === true))
    .filter((row) => row.some((cell) => cell.length > 0));
  if (table.length < 2 || (table[0]?.length ?? 0) < 2) return null;
  return table;
}
