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
  private reported = 0;
  private passed: boolean;
  private readonly deadline: number;

  constructor(
    private readonly warmUps: number,
    boundMs = WARM_UP_READINESS_BOUND_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.passed = warmUps === 0;
    this.deadline = now() + boundMs;
  }

  /** Told of every warm-up done or failed: each thread's, then the document path's (later
   * re-warms change nothing). */
  noteWarm(): void {
    this.reported += 1;
    if (this.reported >= this.warmUps) this.passed = true;
  }

  async check(): Promise<void> {
    if (!this.passed && this.now() >= this.deadline) this.passed = true;
    if (!this.passed)
      throw new Error(
        `${this.reported} of ${this.warmUps} warm-ups done (threads, then documents)`,
      );
  }
}
