/**
 * Lexical scoring (BM25, TF-IDF cosine) off the request thread, for rerank and similarity
 * requests too big to score inline: the same pure functions, run elsewhere (a worker pool), so
 * both paths give identical scores. The task types live here because they cross that boundary.
 */

export interface Bm25Params {
  k1: number;
  b: number;
}

/** A lexical job, as it is handed to a worker thread. */
export type LexicalTask =
  | { kind: 'bm25'; query: string; documents: string[]; params: Bm25Params }
  | { kind: 'cosine'; source: string; targets: string[] };

export interface LexicalScorer {
  /**
   * One score per document (bm25) or target (cosine), in their order. Rejects when the scorer is
   * busy, failing or too slow (the adapter says how, e.g. 503 OVERLOADED).
   */
  score(task: LexicalTask): Promise<Float64Array>;
}
