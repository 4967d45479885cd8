/**
 * A page's ruling lines read from PDFium's page objects, as pdf-rulings.ts's `readRulings` reads
 * them from pdf.js' operator list, so a ruled table comes back the same from either engine: each
 * painted path object (FPDFPath_GetDrawMode: fill mode, stroke flag) is read segment by segment
 * (FPDFPath_GetPathSegment; a subpath with a Bézier segment is no ruling), placed in page space
 * by its matrix and those of the form objects around it (FPDFPageObj_GetMatrix: a form's
 * children are placed in the form's space), and handed to pdf-rulings' RulingCollector with its
 * stroke width scaled as readRulings scales it; white paint is skipped. Both engines place text
 * and paths in PDF user space (neither applies the CropBox or /Rotate), so rulings meet the text
 * items of pdfium-page.ts where pdf.js' meet its own.
 *
 * Work is bounded as readRulings bounds its operators: at most MAX_PAGE_STEPS objects and
 * segments per page (what is found up to there is kept), paths longer than MAX_PATH_SEGMENTS
 * (a figure's outline, not a table's rule) and forms nested deeper than MAX_FORM_DEPTH skipped.
 * The calls go straight to the WebAssembly exports: the package's cwrap wrappers cost more per
 * call than PDFium's work, and a figure has thousands of segments.
 */
import {
  compose,
  IDENTITY,
  isWhiteRgb,
  RulingCollector,
  type Matrix,
  type Rulings,
  type Subpath,
} from '../pdf-rulings.js';
import { heapF32, heapI32, type Pdfium } from './pdfium-module.js';

/** FPDF_PAGEOBJ_* types. */
const PATH_OBJECT = 2;
const FORM_OBJECT = 5;
/** FPDF_SEGMENT_* types. */
const LINE_TO = 0;
const BEZIER_TO = 1;
const MOVE_TO = 2;
/** FPDF_FILLMODE_NONE. */
const NO_FILL = 0;
/** Objects and path segments read per page at most (a page drawing more is a drawing). */
const MAX_PAGE_STEPS = 200_000;
/** A path with more segments than this is a figure: it is not read. */
const MAX_PATH_SEGMENTS = 20_000;
/** Form objects nested deeper than this are not read. */
const MAX_FORM_DEPTH = 16;

/** The exports this calls; every argument and result is a number (booleans as 0/1). */
interface ObjectExports {
  FPDFPage_CountObjects(page: number): number;
  FPDFPage_GetObject(page: number, index: number): number;
  FPDFPageObj_GetType(object: number): number;
  FPDFPageObj_GetMatrix(object: number, matrix: number): number;
  FPDFPageObj_GetStrokeWidth(object: number, width: number): number;
  FPDFPageObj_GetStrokeColor(object: number, r: number, g: number, b: number, a: number): number;
  FPDFPageObj_GetFillColor(object: number, r: number, g: number, b: number, a: number): number;
  FPDFFormObj_CountObjects(form: number): number;
  FPDFFormObj_GetObject(form: number, index: number): number;
  FPDFPath_GetDrawMode(path: number, fillMode: number, stroke: number): number;
  FPDFPath_CountSegments(path: number): number;
  FPDFPath_GetPathSegment(path: number, index: number): number;
  FPDFPathSegment_GetPoint(segment: number, x: number, y: number): number;
  FPDFPathSegment_GetType(segment: number): number;
  FPDFPathSegment_GetClose(segment: number): number;
}

/** Byte offsets of the out-parameters in the 64 bytes of `scratch`. */
const MATRIX = 0; // FS_MATRIX: six floats
const FILL_MODE = 24; // int
const STROKE = 28; // FPDF_BOOL
const WIDTH = 32; // float
const COLOUR = 36; // four unsigned ints: R, G, B, A
const POINT = 52; // two floats

/**
 * The horizontal and vertical ruling lines page `page` paints, in PDF user space. `scratch` is
 * 64 bytes of PDFium memory for the out-parameters.
 */
export function pdfiumRulings(lib: Pdfium, page: number, scratch: number): Rulings {
  const pdf = lib.pdfium.wasmExports as unknown as ObjectExports;
  const collector = new RulingCollector();
  let steps = 0;

  /** Out-parameters, read through fresh views of the memory after each call (it may grow). */
  const float = (offset: number, at = 0): number => heapF32(lib)[(scratch + offset) / 4 + at] ?? 0;
  const int = (offset: number, at = 0): number => heapI32(lib)[(scratch + offset) / 4 + at] ?? 0;

  const matrixOf = (object: number, outer: Matrix): Matrix => {
    if (pdf.FPDFPageObj_GetMatrix(object, scratch + MATRIX) !== 1) return outer;
    return compose(
      outer,
      Array.from({ length: 6 }, (_, at) => float(MATRIX, at)),
    );
  };

  /** The colour just read into COLOUR (`read` answered 1) is white. */
  const white = (read: number): boolean =>
    read === 1 && isWhiteRgb(int(COLOUR), int(COLOUR, 1), int(COLOUR, 2));
  const colour = [COLOUR, COLOUR + 4, COLOUR + 8, COLOUR + 12].map((at) => scratch + at) as [
    number,
    number,
    number,
    number,
  ];

  const subpathsOf = (path: number, count: number, matrix: Matrix): Subpath[] => {
    const [a, b, c, d, e, f] = matrix;
    const paths: Subpath[] = [];
    let current: Subpath | null = null;
    for (let index = 0; index < count; index++) {
      const segment = pdf.FPDFPath_GetPathSegment(path, index);
      if (segment === 0) continue;
      const type = pdf.FPDFPathSegment_GetType(segment);
      pdf.FPDFPathSegment_GetPoint(segment, scratch + POINT, scratch + POINT + 4);
      const x = float(POINT);
      const y = float(POINT, 1);
      const point: [number, number] = [a * x + c * y + e, b * x + d * y + f];
      if (type === MOVE_TO || current === null) {
        current = { points: [point], closed: false, curved: type === BEZIER_TO };
        paths.push(current);
      } else if (type === LINE_TO) {
        current.points.push(point);
      } else {
        // A Bézier segment (PDFium gives its two control points and its end as three): the
        // subpath is a curve, read no further by RulingCollector.
        current.points.push(point);
        current.curved = true;
      }
      if (pdf.FPDFPathSegment_GetClose(segment) === 1) {
        current.closed = true;
        current = null;
      }
    }
    return paths;
  };

  const readPath = (path: number, outer: Matrix): void => {
    if (pdf.FPDFPath_GetDrawMode(path, scratch + FILL_MODE, scratch + STROKE) !== 1) return;
    const stroked = int(STROKE) !== 0 && !white(pdf.FPDFPageObj_GetStrokeColor(path, ...colour));
    const filled =
      int(FILL_MODE) !== NO_FILL && !white(pdf.FPDFPageObj_GetFillColor(path, ...colour));
    if (!stroked && !filled) return;
    const count = pdf.FPDFPath_CountSegments(path);
    if (count <= 0 || count > MAX_PATH_SEGMENTS || steps + count > MAX_PAGE_STEPS) return;
    steps += count;
    const matrix = matrixOf(path, outer);
    const paths = subpathsOf(path, count, matrix);
    if (stroked) {
      const width = pdf.FPDFPageObj_GetStrokeWidth(path, scratch + WIDTH) === 1 ? float(WIDTH) : 1;
      const scale = Math.sqrt(Math.abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]));
      collector.stroke(paths, width * scale);
    }
    if (filled) collector.fill(paths);
  };

  const visit = (
    count: number,
    objectAt: (index: number) => number,
    matrix: Matrix,
    depth: number,
  ): void => {
    for (let index = 0; index < count && steps < MAX_PAGE_STEPS; index++) {
      steps++;
      const object = objectAt(index);
      if (object === 0) continue;
      const type = pdf.FPDFPageObj_GetType(object);
      if (type === PATH_OBJECT) readPath(object, matrix);
      else if (type === FORM_OBJECT && depth < MAX_FORM_DEPTH) {
        visit(
          pdf.FPDFFormObj_CountObjects(object),
          (at) => pdf.FPDFFormObj_GetObject(object, at),
          matrixOf(object, matrix),
          depth + 1,
        );
      }
    }
  };

  visit(
    pdf.FPDFPage_CountObjects(page),
    (index) => pdf.FPDFPage_GetObject(page, index),
    IDENTITY,
    0,
  );
  return collector.rulings();
}
