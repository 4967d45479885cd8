/**
 * The worker-thread entry of the rerank pool: scores one lexical task (BM25 or TF-IDF cosine)
 * with the same pure functions the request thread uses for small requests, so both paths give
 * identical scores. The scores come back as a Float64Array whose buffer is transferred.
 */
import { Piscina } from 'piscina';
import { runLexicalTask, type LexicalTask } from '../domain/rerank.js';

export default function score(task: LexicalTask): Float64Array {
  const scores = runLexicalTask(task);
  return Piscina.move(scores) as Float64Array;
}
