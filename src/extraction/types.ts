/**
 * A processor's shape, inside the extraction worker threads. For bad input a processor throws a
 * Failure with one of EXTRACTION_FAILURE_CODES, which the worker turns into a failed outcome (so
 * its code survives the thread boundary). The types that cross the boundary are the Extractor
 * port's (src/ports/extractor.ts).
 */
import type { ExtractionResult, ExtractionTask, ProgressReporter } from '../ports/extractor.js';

export type Processor = (
  task: ExtractionTask,
  progress: ProgressReporter,
) => Promise<ExtractionResult>;
