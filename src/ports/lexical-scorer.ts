/**
 * Lexical scoring (BM25, TF-IDF cosine) off the request thread, for rerank and similarity
 * requests too big to score inline: the same pure functions, run elsewhere (a worker pool), so
 * both paths give identical scores. The task types live here because they cross that boundary.
 */

export interface Bm25Params {
  k1: number;
  b: number;
}

/**
 * A lexical job, as it is handed to a worker thread. `bm25-counts` is one slice of a big BM25
 * request split across threads: it answers each document's length and query-term counts
 * (src/domain/bm25.ts, bm25Counts' packing), which the caller joins and turns into scores.
 */
export type LexicalTask =
  | { kind: 'bm25'; query: string; documents: string[]; params: Bm25Params }
  | { kind: 'bm25-counts'; terms: string[]; documents: string[] }
  | { kind: 'cosine'; source: string; targets: string[] };

export interface LexicalScorer {
  /**
   * Threads with nothing to do right now: how many slices a big request is worth cutting into
   * (under load every thread is busy anyway, and slicing would only add messages).
   */
  freeThreads(): number;
  /**
   * One score per document (bm25) or target (cosine), in their order, or the packed counts of a
   * `bm25-counts` slice. Rejects when the scorer is
   * busy, failing or too slow (the adapter says how, e.g. 503 OVERLOADED).
   */
  score(task: LexicalTask): Promise<Float64Array>;
}
