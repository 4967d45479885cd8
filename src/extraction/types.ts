/**
 * What the processors share inside the extraction worker threads: the error a processor throws
 * for bad input (the worker turns it into a failed outcome with its code) and a processor's shape.
 * The types that cross the thread boundary are the Extractor port's (src/ports/extractor.ts).
 */
import type {
  ExtractionFailureCode,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../ports/extractor.js';

/** Thrown by processors for bad input; never retried (the same bytes fail the same way). */
export class ExtractionError extends Error {
  constructor(
    readonly code: ExtractionFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExtractionError';
  }
}

export type Processor = (
  task: ExtractionTask,
  progress: ProgressReporter,
) => Promise<ExtractionResult>;
