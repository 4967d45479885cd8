/**
 * Runs one extraction off the main thread. Bad input comes back as a failed outcome with its
 * code; a worker that crashed, ran out of heap or overran its time rejects with an
 * ExtractorFailure (retryable: another attempt on a fresh worker may succeed); an abort through
 * the signal rejects with the signal's reason.
 */
import type { ExtractionOutcome, ExtractionTask, ProgressReporter } from '../extraction/types.js';

export type ExtractorFailureCode = 'WORKER_CRASHED' | 'EXTRACTION_TIMEOUT';

export class ExtractorFailure extends Error {
  readonly retryable = true;
  constructor(
    readonly code: ExtractorFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExtractorFailure';
  }
}

export interface ExtractOptions {
  signal: AbortSignal;
  onProgress: ProgressReporter;
}

export interface Extractor {
  /** How many extractions run at once. */
  readonly concurrency: number;
  extract(task: ExtractionTask, options: ExtractOptions): Promise<ExtractionOutcome>;
  /** Waits for running extractions to end (they are aborted by their signals), then stops. */
  close(): Promise<void>;
}
