/**
 * Readiness waits for the extraction threads a process that runs jobs starts warm: a document
 * sent the moment `/readyz` answered used to wait behind the warm-up still running on its thread
 * (1.7 s after "listening" under tsx on a busy machine), which is most of the first-document
 * penalty issue 13 measures. A latch: it passes once every start-up thread has reported (warm, or
 * its warm-up failed — a thread still takes documents then), and the main thread's document
 * warm-up after them (document-warm-up.ts), has reported, or `boundMs` has passed since start, and
 * stays passed, so the idle recycling's re-warms never make a ready process unready.
 */
import type { HealthCheck } from '../ports/health.js';

/** A start-up warm-up slower than this never holds readiness longer (documents still extract). */
export const WARM_UP_READINESS_BOUND_MS = 30_000;

export class ExtractionWarmUpCheck implements HealthCheck {
  readonly name = 'extraction_warm_up';
  private threadsReported = 0;
  private documentPathReported = false;
  private passed: boolean;
  private readonly deadline: number;

  /** `threads` start-up threads, then the document path; none (0) passes at once. */
  constructor(
    private readonly threads: number,
    boundMs = WARM_UP_READINESS_BOUND_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.passed = threads === 0;
    this.deadline = now() + boundMs;
  }

  /** A thread's warm-up is done or failed; true when it is the last start-up thread's (later
   * re-warms of recycled threads change nothing). */
  noteThreadWarm(): boolean {
    this.threadsReported += 1;
    this.latch();
    return this.threadsReported === this.threads;
  }

  /** The main thread's document warm-up is done or failed. */
  noteDocumentPathWarm(): void {
    this.documentPathReported = true;
    this.latch();
  }

  private latch(): void {
    if (this.threadsReported >= this.threads && this.documentPathReported) this.passed = true;
  }

  async check(): Promise<void> {
    if (!this.passed && this.now() >= this.deadline) this.passed = true;
    if (!this.passed) {
      const documents = this.documentPathReported ? 'warm' : 'not yet';
      throw new Error(
        `${Math.min(this.threadsReported, this.threads)} of ${this.threads} extraction threads warm; document path ${documents}`,
      );
    }
  }
}
