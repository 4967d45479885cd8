/**
 * A processor's shape, inside the extraction worker threads. For bad input a processor throws a
 * Failure with one of EXTRACTION_FAILURE_CODES, which the worker turns into a failed outcome (so
 * its code survives the thread boundary). The types that cross the boundary are the Extractor
 * port's (src/ports/extractor.ts).
 */
import type {
  ExtractionResult,
  ExtractionTask,
  PageRange,
  ProgressReporter,
} from '../ports/extractor.js';

/**
 * Asked by a paged processor (PDF) once it knows the page count, before it reads any page: the
 * pages it is to read (the rest go to other threads). Not given: every page (or `task.pageRange`).
 */
export type PagePlanner = (pageCount: number) => Promise<PageRange>;

export type Processor = (
  task: ExtractionTask,
  progress: ProgressReporter,
  planPages?: PagePlanner,
) => Promise<ExtractionResult>;
