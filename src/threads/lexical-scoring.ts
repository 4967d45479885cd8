/**
 * The worker-thread entry of the lexical scoring pool: scores one lexical task (BM25 or TF-IDF
 * cosine) with the same pure functions the request thread uses for small requests, so both paths
 * give identical scores. The scores' buffer moves back to the caller instead of being copied.
 */
import { runLexicalTask } from '../domain/rerank.js';
import type { LexicalTask } from '../ports/lexical-scorer.js';
import { transferable, type Transferable } from '../shared/transferable.js';

export default function score(task: LexicalTask): Transferable<Float64Array> {
  return transferable(runLexicalTask(task));
}
