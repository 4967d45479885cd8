/**
 * An optional semantic model (a cross-encoder or a bi-encoder from a local ONNX export), for
 * rerank and similarity. Inference runs off the main thread. Every failure — no model configured
 * or loadable, the model throwing, the deadline passing, the breaker open — rejects with
 * ModelUnavailable, so callers degrade (hybrid) or answer 503 MODEL_UNAVAILABLE (semantic).
 * Callers may also decline to call it (`busy`) when its estimate says a request cannot finish
 * before their deadline.
 */
import type { BreakerState } from './fetcher.js';

export type ModelUnavailableReason = 'missing' | 'failed' | 'deadline' | 'open_circuit' | 'busy';

/** What a request would cost the model now, from recent inferences. */
export interface InferenceEstimate {
  /** Work queued or running ahead of it, in ms of inference (0 when the model is idle). */
  waitMs: number;
  /** Its own inference, in ms. */
  runMs: number;
}

export class ModelUnavailable extends Error {
  constructor(
    readonly reason: ModelUnavailableReason,
    message: string,
  ) {
    super(message);
    this.name = 'ModelUnavailable';
  }
}

export interface SemanticModel {
  /** The model's name as answers report it (the model directory's name). */
  readonly name: string;
  /** `cross` scores (query, document) pairs; `bi` embeds both and compares by cosine. */
  readonly kind: 'cross' | 'bi';
  /** Relevance of each document to the query, in document order (higher is more relevant). */
  relevance(query: string, documents: string[], signal: AbortSignal): Promise<number[]>;
  /** Similarity of each target to the source, in target order (cosine for a bi-encoder). */
  similarity(source: string, targets: string[], signal: AbortSignal): Promise<number[]>;
  /**
   * Each text's embedding, L2-normalised, in text order (all of one length: the model's
   * dimensions). Bi-encoders only: a cross-encoder has no embedding and rejects with
   * ModelUnavailable('missing'); models that never embed may leave it out. Same failure rules
   * as relevance().
   */
  embed?(texts: string[], signal: AbortSignal): Promise<Float32Array[]>;
  /**
   * What relevance(query, documents) would take now; undefined while there is nothing to go by
   * (no inference has finished yet).
   */
  estimate(query: string, documents: string[]): InferenceEstimate | undefined;
  /**
   * For /health: `open` while calls are refused without reaching the model. Models without a
   * circuit breaker leave it out.
   */
  breakerState?(): BreakerState;
  close(): Promise<void>;
}
