/**
 * A processor's shape, inside the extraction worker threads. For bad input a processor throws a
 * Failure with one of EXTRACTION_FAILURE_CODES, which the worker turns into a failed outcome (so
 * its code survives the thread boundary). The types that cross the boundary are the Extractor
 * port's (src/ports/extractor.ts).
 */
import type {
  ExtractedPage,
  ExtractionResult,
  ExtractionTask,
  PageRange,
  ProgressReporter,
} from '../ports/extractor.js';

/**
 * Asked by a paged processor (PDF) once it knows the page count, and again each time it has read
 * the pages it was given, with those pages (`read`; none the first time): the next pages it is to
 * read, in order, or null when there are no more for it (other threads read the rest). Not
 * given: every page (or `task.pageRange`).
 */
export type PagePlanner = (pageCount: number, read: ExtractedPage[]) => Promise<PageRange | null>;

export type Processor = (
  task: ExtractionTask,
  progress: ProgressReporter,
  planPages?: PagePlanner,
) => Promise<ExtractionResult>;
