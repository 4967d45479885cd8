/**
 * How long inference will take, from how long it took: the worker reports the work it did in
 * units (characters per sequence, capped at what max_length tokens can hold) and the time it took;
 * the adapter keeps a moving average of ms per unit and the units queued or running in its pool.
 * Shared by the worker (to count what it did) and the adapter (to count what it submits).
 */
import type { InferenceEstimate } from '../../ports/semantic-model.js';

/** Roughly how many characters a WordPiece token covers in English text. */
const CHARS_PER_TOKEN = 4;
/** Per-sequence cost independent of length (special tokens, batch bookkeeping). */
const SEQUENCE_OVERHEAD_UNITS = 16;
/** Weight of the newest sample in the moving average. */
const SMOOTHING = 0.3;

/**
 * The units of each sequence the model will run, in task order: one per document for a
 * cross-encoder (query and document together), the query then each document for a bi-encoder.
 */
export function sequenceUnits(
  kind: 'cross' | 'bi',
  query: string,
  documents: string[],
  maxLength: number,
): number[] {
  const cap = maxLength * CHARS_PER_TOKEN;
  const unit = (chars: number): number => Math.min(chars, cap) + SEQUENCE_OVERHEAD_UNITS;
  return kind === 'cross'
    ? documents.map((document) => unit(query.length + document.length))
    : [query, ...documents].map((text) => unit(text.length));
}

export class InferenceEstimator {
  #pendingUnits = 0;
  #msPerUnit: number | undefined;

  constructor(
    private readonly kind: 'cross' | 'bi',
    private readonly maxLength: number,
    private readonly threads: number,
  ) {}

  units(query: string, documents: string[]): number {
    return sequenceUnits(this.kind, query, documents, this.maxLength).reduce((a, b) => a + b, 0);
  }

  /** A task of `units` entered the pool. */
  submitted(units: number): void {
    this.#pendingUnits += units;
  }

  /** A task of `units` left the pool (answered, failed or cancelled). */
  settled(units: number): void {
    this.#pendingUnits = Math.max(0, this.#pendingUnits - units);
  }

  /** The worker did `units` of work in `ms`. */
  observe(units: number, ms: number): void {
    if (!(units > 0) || !(ms >= 0)) return;
    const sample = ms / units;
    this.#msPerUnit =
      this.#msPerUnit === undefined
        ? sample
        : SMOOTHING * sample + (1 - SMOOTHING) * this.#msPerUnit;
  }

  /** Undefined until a first task has reported its time. */
  estimate(query: string, documents: string[]): InferenceEstimate | undefined {
    const msPerUnit = this.#msPerUnit;
    if (msPerUnit === undefined) return undefined;
    return {
      // Tasks spread over the threads; a new one waits for its share of what is ahead.
      waitMs: (this.#pendingUnits * msPerUnit) / this.threads,
      runMs: this.units(query, documents) * msPerUnit,
    };
  }
}
